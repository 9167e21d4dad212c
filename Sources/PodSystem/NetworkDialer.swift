import CPodShim
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A thread that stays inside one network namespace and opens TCP connections from there,
/// for a pod's HTTP and TCP health checks. It enters the namespace once, instead of one
/// thread and one `setns` per check, and waits on all of its connects at once, so a target
/// that never answers delays no other check. ``stop()`` must run before the namespace is
/// torn down: until then the thread keeps the namespace alive.
public final class NetworkDialer: Sendable {
    /// The namespace file (nil: the executor's own namespace).
    public let namespacePath: String?
    /// The `cpod_dialer` (its address, 0 once stopped).
    private let dialer: Mutex<UInt>

    /// Starts the thread inside `namespacePath` (nil: this process's namespace).
    public init(namespacePath: String?) throws(SystemError) {
        self.namespacePath = namespacePath
        var nsfd: Int32 = -1
        if let namespacePath {
            nsfd = open(namespacePath, O_RDONLY | O_CLOEXEC)
            guard nsfd >= 0 else { throw SystemError.last("open network namespace", namespacePath) }
        }
        defer { if nsfd >= 0 { close(nsfd) } }
        guard let started = cpod_dialer_start(nsfd) else {
            throw SystemError.last("start a dialer thread in", namespacePath ?? "the host network namespace")
        }
        dialer = Mutex(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(started))))
    }

    deinit { stop() }

    /// Whether ``stop()`` has run.
    public var isStopped: Bool { dialer.withLock { $0 == 0 } }

    /// Connects to `ip:port` (IPv4 or IPv6 text) within `timeout`. Returns the connected,
    /// non-blocking, close-on-exec socket, which the caller closes.
    public func connect(ip: String, port: Int, timeout: Duration) async throws(SystemError) -> Int32 {
        let ms = Int32(clamping: max(1, timeout.components.seconds * 1000
                                        + timeout.components.attoseconds / 1_000_000_000_000_000))
        let result: (fd: Int32, errno: Int32) = await withCheckedContinuation { continuation in
            let box = Unmanaged.passRetained(Completion(continuation)).toOpaque()
            let queued: Int32 = dialer.withLock { address in
                guard let pointer = OpaquePointer(bitPattern: address) else { return ECANCELED }
                return cpod_dialer_dial(pointer, ip, Int32(clamping: port), ms, { context, fd, err in
                    guard let context else { return }
                    Unmanaged<Completion>.fromOpaque(context).takeRetainedValue().continuation.resume(returning: (fd, err))
                }, box) == 0 ? 0 : errno
            }
            if queued != 0 {
                // Not queued: the callback will never run, so the box is released here.
                Unmanaged<Completion>.fromOpaque(box).takeRetainedValue().continuation.resume(returning: (-1, queued))
            }
        }
        guard result.fd >= 0 else {
            throw SystemError("connect", "\(ip):\(port)", errno: result.errno)
        }
        return result.fd
    }

    /// Ends the thread: connects still waiting fail with ECANCELED, and the namespace is no
    /// longer held once this returns. Idempotent.
    public func stop() {
        dialer.withLock { address in
            if let pointer = OpaquePointer(bitPattern: address) { cpod_dialer_stop(pointer) }
            address = 0
        }
    }

    private final class Completion {
        let continuation: CheckedContinuation<(fd: Int32, errno: Int32), Never>
        init(_ continuation: CheckedContinuation<(fd: Int32, errno: Int32), Never>) { self.continuation = continuation }
    }
}
