import Primitives

/// One entry of the `details` array of a Marathon 422 answer: a path and every message
/// reported for it.
public struct ErrorDetail: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The path: `/containers(0)/resources/cpus` style, `/` for the whole pod (semantic
    /// errors) or `` for the whole body (schema errors).
    public var path: String
    /// The messages (schema error keys such as `error.path.missing`, or validation messages).
    public var errors: [String]

    /// A detail entry.
    public init(path: String, errors: [String]) {
        self.path = path
        self.errors = errors
    }

    /// `path: error; error`.
    public var description: String { "\(path): \(errors.joined(separator: "; "))" }

    var jsonValue: JSONValue {
        ["path": .string(path), "errors": .array(errors.map { .string($0) })]
    }
}
