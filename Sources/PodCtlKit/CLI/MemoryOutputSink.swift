import Synchronization

/// An ``OutputSink`` that keeps everything written, for tests.
public final class MemoryOutputSink: OutputSink {
    private let storage = Mutex("")

    /// An empty sink.
    public init() {}

    /// Appends `text`.
    public func write(_ text: String) {
        storage.withLock { $0 += text }
    }

    /// Everything written so far.
    public var text: String {
        storage.withLock { $0 }
    }

    /// What was written, split into lines (without the newlines).
    public var lines: [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { lines.removeLast() }
        return lines
    }
}
