import Glibc

/// A failed system call on a file system tree, with the call's name, its operands and `errno`.
///
/// The description reads like `mkdirat(<layer>/usr, "bin"): EEXIST (File exists)`.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The system call (or the checked operation) that failed, for example `openat2`.
    public let syscall: String
    /// The operands, already rendered: a directory path and the name below it, a mode, and so on.
    public let operands: [String]
    /// The `errno` value the call left behind.
    public let errno: Int32

    /// Creates an error for `syscall` with `operands` and an explicit `errno`.
    public init(_ syscall: String, _ operands: [String], errno: Int32) {
        self.syscall = syscall
        self.operands = operands
        self.errno = errno
    }

    /// Creates an error from the current thread's `errno`.
    static func last(_ syscall: String, _ operands: String...) -> FileSystemError {
        FileSystemError(syscall, operands, errno: Glibc.errno)
    }

    /// `ELOOP` or `ENOTDIR`: a path crossed a symlink or a non-directory where a directory was needed.
    public var crossesSymlinkOrNonDirectory: Bool { errno == ELOOP || errno == ENOTDIR }
    /// `ENOENT`.
    public var isNotFound: Bool { errno == ENOENT }
    /// `EEXIST` or `ENOTEMPTY` (a rename onto an existing directory).
    public var isAlreadyExists: Bool { errno == EEXIST || errno == ENOTEMPTY }
    /// `EPERM` or `EACCES`.
    public var isPermissionDenied: Bool { errno == EPERM || errno == EACCES }
    /// `EOPNOTSUPP`/`ENOTSUP`.
    public var isNotSupported: Bool { errno == EOPNOTSUPP }

    /// The symbolic errno name, such as `ELOOP`, when it is one of the common ones.
    public var errnoName: String {
        switch errno {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case EIO: "EIO"
        case EBADF: "EBADF"
        case EACCES: "EACCES"
        case EEXIST: "EEXIST"
        case EXDEV: "EXDEV"
        case ENOTDIR: "ENOTDIR"
        case EISDIR: "EISDIR"
        case EINVAL: "EINVAL"
        case EMFILE: "EMFILE"
        case ENOSPC: "ENOSPC"
        case EROFS: "EROFS"
        case EMLINK: "EMLINK"
        case ENAMETOOLONG: "ENAMETOOLONG"
        case ENOTEMPTY: "ENOTEMPTY"
        case ELOOP: "ELOOP"
        case ENOSYS: "ENOSYS"
        case ENODATA: "ENODATA"
        case EOPNOTSUPP: "EOPNOTSUPP"
        case EWOULDBLOCK: "EWOULDBLOCK"
        case E2BIG: "E2BIG"
        case EFBIG: "EFBIG"
        case ERANGE: "ERANGE"
        default: "errno \(errno)"
        }
    }

    public var description: String {
        let message = strerror(errno).map { String(cString: $0) } ?? "unknown error"
        return "\(syscall)(\(operands.joined(separator: ", "))): \(errnoName) (\(message))"
    }
}
