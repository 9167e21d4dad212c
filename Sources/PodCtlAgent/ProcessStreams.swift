import PodCtlKit
#if canImport(Glibc)
import Glibc
#endif

/// The process's own standard streams.
enum ProcessStreams {
    /// Whether a command runs with the process's real streams (`CommandContext.process()`),
    /// rather than a test's memory sinks: then descriptors 0, 1 and 2 are its streams.
    static func isProcessContext(_ context: CommandContext) -> Bool {
        context.output is FileOutputSink
    }

    /// Writes all of `bytes` to `fd`; false when the reader is gone.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN {
                    if errno == EAGAIN { var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0); _ = poll(&p, 1, 100) }
                    continue
                }
                return false
            }
            offset += n
        }
        return true
    }
}
