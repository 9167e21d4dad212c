/// A JSON syntax error with its position, worded like Jackson's parser messages (which is
/// what Marathon puts into the `details` of its 400 "Invalid JSON" answer).
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parser message without the location (Jackson's "original message").
    public let message: String
    /// 1-based line of the offending input.
    public let line: Int
    /// 1-based column (in bytes) of the offending input.
    public let column: Int
    /// 0-based byte offset of the offending input.
    public let offset: Int

    /// A syntax error.
    public init(message: String, line: Int, column: Int, offset: Int) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// The message followed by its location, as Jackson prints it.
    public var description: String {
        "\(message)\n at [Source: (request body); line: \(line), column: \(column)]"
    }
}
