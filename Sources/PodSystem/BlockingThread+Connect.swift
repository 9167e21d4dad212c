import CPodShim
import Primitives
#if canImport(Glibc)
import Glibc
#endif

extension BlockingThread {
    /// Connects to `ip:port` from inside a network namespace file (nil: this process's
    /// namespace) within `timeout`, on a thread of its own (`setns` changes the calling
    /// thread's namespace). Returns a connected blocking socket.
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
