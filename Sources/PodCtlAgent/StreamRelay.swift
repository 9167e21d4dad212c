import PodSystem
import Primitives
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Copies bytes between descriptors on threads of their own (never on Swift's
/// cooperative pool): a command's output to podctl's, and podctl's input to the command.
enum StreamRelay {
    /// Tells a relay that the command has ended: it copies what is still readable, then
    /// stops instead of waiting for an end of file that a leftover process may hold back.
    final class Control: Sendable {
        private let stopped = Atomic<Bool>(false)
        init() {}
        func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }
        var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }
    }

    /// Copies `fd` to `output` until end of file (EIO on a terminal whose other side is
    /// closed), or until stopped and nothing arrived for 100 ms. Closes `fd`.
    static func drain(_ fd: Int32, to output: ByteOutput, control: Control) async {
        await BlockingThread.run {
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 32 << 10)
            while true {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&p, 1, 100)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if ready == 0 {
                    if control.isStopped { return }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    output.write(buffer[0..<n])
                } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                    continue
                } else {
                    return
                }
            }
        }
        output.finish()
    }

    /// Copies podctl's descriptor `source` to `target` until end of file or until stopped;
    /// `tick` runs about every 200 ms (a terminal's window size follows the operator's).
    /// Closes `target` at the end when `closeTarget` (a pipe: the command sees end of file).
    static func forward(_ source: Int32, to target: Int32, closeTarget: Bool, control: Control,
                        tick: @escaping @Sendable () -> Void = {}) async {
        await BlockingThread.run {
            defer { if closeTarget { close(target) } }
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            while !control.isStopped {
                var p = pollfd(fd: source, events: Int16(POLLIN), revents: 0)
                let ready = poll(&p, 1, 200)
                tick()
                if ready < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if ready == 0 { continue }
                let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
                if n > 0 {
                    if !ProcessStreams.writeAll(target, Array(buffer[0..<n])) { return }
                } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// Writes `bytes` to `target` (standard input a test gives), then closes it when
    /// `closeTarget`. Gives up when stopped (a command that never reads its input).
    static func feed(_ bytes: [UInt8], to target: Int32, closeTarget: Bool, control: Control) async {
        await BlockingThread.run {
            defer { if closeTarget { close(target) } }
            let flags = fcntl(target, F_GETFL)
            _ = fcntl(target, F_SETFL, flags | O_NONBLOCK)
            var offset = 0
            while offset < bytes.count && !control.isStopped {
                let n = bytes[offset...].withUnsafeBytes { write(target, $0.baseAddress, $0.count) }
                if n > 0 {
                    offset += n
                } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                    var p = pollfd(fd: target, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 100)
                } else {
                    return
                }
            }
        }
    }
}
