#if canImport(Glibc)
import Glibc
#endif

/// An error from the kernel, naming the operation and its operands:
/// `mount(overlay → /var/lib/…/rootfs): Operation not permitted (EPERM)`.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call that failed (`mount`, `mkdir`, `clone`…).
    public var operation: String
    /// What it was applied to, as the user would recognise it.
    public var operands: String
    /// The errno value, or 0 when the failure is not an errno one.
    public var errno: Int32
    /// Extra context (for example the stage inside a container's monitor).
    public var detail: String?

    public init(_ operation: String, _ operands: String = "", errno: Int32, detail: String? = nil) {
        self.operation = operation
        self.operands = operands
        self.errno = errno
        self.detail = detail
    }

    /// The current `errno`, captured right after a failed call.
    public static func last(_ operation: String, _ operands: String = "") -> SystemError {
        SystemError(operation, operands, errno: Glibc.errno)
    }

    public var description: String {
        var text = operands.isEmpty ? operation : "\(operation)(\(operands))"
        if errno != 0 {
            text += ": \(SystemError.message(for: errno))"
        }
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }

    /// `strerror` text plus the symbolic name when known.
    public static func message(for errno: Int32) -> String {
        let text = String(cString: strerror(errno))
        if let name = names[errno] { return "\(text) (\(name))" }
        return text
    }

    private static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EACCES: "EACCES", EEXIST: "EEXIST", EINVAL: "EINVAL",
        EBUSY: "EBUSY", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", ENOSPC: "ENOSPC", ENOMEM: "ENOMEM",
        ELOOP: "ELOOP", EXDEV: "EXDEV", ENOEXEC: "ENOEXEC", ESRCH: "ESRCH", EAGAIN: "EAGAIN",
        ENAMETOOLONG: "ENAMETOOLONG", ENOTEMPTY: "ENOTEMPTY", EROFS: "EROFS", ENOSYS: "ENOSYS",
        EBADF: "EBADF", ECONNREFUSED: "ECONNREFUSED", ETIMEDOUT: "ETIMEDOUT",
    ]
}

/// Runs a call that returns -1 on failure, retrying EINTR, and throws a `SystemError`.
@inline(__always)
@discardableResult
func syscallRetrying<T: BinaryInteger>(_ operation: String, _ operands: @autoclosure () -> String = "", _ call: () -> T) throws(SystemError) -> T {
    while true {
        let rc = call()
        if rc >= 0 { return rc }
        let e = Glibc.errno
        if e == EINTR { continue }
        throw SystemError(operation, operands(), errno: e)
    }
}
