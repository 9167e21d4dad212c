import Glibc

extension RootedDirectory {
    /// An advisory `flock(2)` on a lock file below a root; released when the object goes away.
    public final class FileLock: Sendable {
        private let fileDescriptor: Int32

        init(fileDescriptor: Int32) {
            self.fileDescriptor = fileDescriptor
        }

        deinit {
            _ = flock(fileDescriptor, LOCK_UN)
            _ = Glibc.close(fileDescriptor)
        }
    }

    /// Takes a shared or exclusive `flock` on `relativePath` (created if missing). With
    /// `wait == false` returns `nil` when another holder conflicts. Waiting blocks the calling
    /// thread; call it off the cooperative pool.
    public func lock(_ relativePath: String, exclusive: Bool, wait: Bool) throws(FileSystemError) -> FileLock? {
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: true)
        defer { _ = Glibc.close(parent) }
        let fd = openat(parent, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else { throw .last("openat", describe(components), "O_CREAT|O_NOFOLLOW") }
        var operation = exclusive ? LOCK_EX : LOCK_SH
        if !wait { operation |= LOCK_NB }
        while flock(fd, operation) != 0 {
            let code = Glibc.errno
            if code == EINTR { continue }
            _ = Glibc.close(fd)
            if code == EWOULDBLOCK { return nil }
            throw FileSystemError("flock", [describe(components), exclusive ? "LOCK_EX" : "LOCK_SH"], errno: code)
        }
        return FileLock(fileDescriptor: fd)
    }
}
