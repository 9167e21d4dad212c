import Foundation

/// Where a command writes text: standard output or error in the executable, memory in
/// tests.
public protocol OutputSink: Sendable {
    /// Writes `text` as it is (no newline is added).
    func write(_ text: String)
}

extension OutputSink {
    /// Writes `text` and a newline.
    public func line(_ text: String = "") {
        write(text + "\n")
    }
}

/// A file descriptor of the process: standard output or standard error.
public struct FileOutputSink: OutputSink {
    private let handle: FileHandle

    /// Standard output.
    public static var standardOutput: FileOutputSink { FileOutputSink(handle: .standardOutput) }
    /// Standard error.
    public static var standardError: FileOutputSink { FileOutputSink(handle: .standardError) }

    private init(handle: FileHandle) {
        self.handle = handle
    }

    /// Writes the UTF-8 bytes; a closed pipe is ignored (there is no one left to tell).
    public func write(_ text: String) {
        try? handle.write(contentsOf: Data(text.utf8))
    }
}
