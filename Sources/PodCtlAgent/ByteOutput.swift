import PodCtlKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where raw bytes (container logs, a command's output) go: straight to a descriptor of
/// this process when the command writes to the real standard output or error, else to an
/// `OutputSink` as text (tests).
final class ByteOutput: Sendable {
    private enum Target {
        case descriptor(Int32)
        case sink(any OutputSink)
    }

    private let target: Target
    private let chunker = Mutex(UTF8Chunker())

    private init(_ target: Target) {
        self.target = target
    }

    /// The context's standard output: descriptor 1 when it is the process's own.
    static func output(_ context: CommandContext) -> ByteOutput {
        ProcessStreams.isProcessContext(context) ? ByteOutput(.descriptor(1)) : ByteOutput(.sink(context.output))
    }

    /// The context's standard error: descriptor 2 when it is the process's own.
    static func errors(_ context: CommandContext) -> ByteOutput {
        ProcessStreams.isProcessContext(context) ? ByteOutput(.descriptor(2)) : ByteOutput(.sink(context.errors))
    }

    /// Writes `bytes` (all of them; a closed reader is ignored).
    func write(_ bytes: some Collection<UInt8>) {
        switch target {
        case .descriptor(let fd):
            ProcessStreams.writeAll(fd, Array(bytes))
        case .sink(let sink):
            let text = chunker.withLock { $0.text(bytes) }
            if !text.isEmpty { sink.write(text) }
        }
    }

    /// Writes what an incomplete character left behind.
    func finish() {
        guard case .sink(let sink) = target else { return }
        let rest = chunker.withLock { $0.flush() }
        if !rest.isEmpty { sink.write(rest) }
    }
}
