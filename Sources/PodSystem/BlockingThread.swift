import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (a connect with a timeout, a namespace switch) on a fresh detached
/// pthread, so no Swift concurrency thread ever blocks or changes namespace.
public enum BlockingThread {
    private final class Job: @unchecked Sendable {
        // Safe: `body` is set once before the thread starts and used by that thread only.
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new thread and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
            let job = Job { cont.resume(returning: body()) }
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
            pthread_attr_setstacksize(&attr, 256 * 1024)
            let box = Unmanaged.passRetained(job).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, &attr, { raw in
                guard let raw else { return nil }
                Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
                return nil
            }, box)
            pthread_attr_destroy(&attr)
            if rc != 0 {
                // No thread: run inline rather than fail (rare; only under thread exhaustion).
                Unmanaged<Job>.fromOpaque(box).takeRetainedValue().body()
            }
        }
    }

    /// Connects to `ip:port` from inside a network namespace file (nil: this process's
    /// namespace) within `timeout`. Returns a connected blocking socket.
    public static func tcpConnect(networkNamespace: String?, ip: String, port: Int, timeout: Duration) async throws(SystemError) -> Int32 {
        let ms = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let result: (fd: Int32, errno: Int32) = await run {
            var nsfd: Int32 = -1
            if let networkNamespace {
                nsfd = open(networkNamespace, O_RDONLY | O_CLOEXEC)
                if nsfd < 0 { return (-1, errno) }
            }
            defer { if nsfd >= 0 { close(nsfd) } }
            let fd = cpod_tcp_connect(nsfd, ip, Int32(port), max(1, ms))
            return (fd, fd < 0 ? errno : 0)
        }
        guard result.fd >= 0 else { throw SystemError("connect", "\(ip):\(port)", errno: result.errno) }
        return result.fd
    }
}
