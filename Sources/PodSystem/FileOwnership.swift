#if canImport(Glibc)
import Glibc
#endif

/// Changing the owner of files a pod's user must write (its sandbox, volume directories, log
/// files): a privileged call, so it lives here with the others.
public enum FileOwnership {
    /// Gives `path` (a final symlink followed) to `uid`:`gid`. True when it changed hands;
    /// callers that can live with root's ownership ignore the result.
    @discardableResult
    public static func change(_ path: String, uid: UInt32, gid: UInt32) -> Bool {
        chown(path, uid, gid) == 0
    }

    /// Gives the open file `fd` to `uid`:`gid`. True when it changed hands.
    @discardableResult
    public static func change(fd: Int32, uid: UInt32, gid: UInt32) -> Bool {
        fchown(fd, uid, gid) == 0
    }
}
