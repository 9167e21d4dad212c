import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// A tmpfs the executor mounts on the host side: memory, never a disk. Pod secret volumes
/// live on one (`PodSecretFiles`), under a directory that is a private mount, so that the
/// mount does not propagate into other mount namespaces (containers make `/` a slave).
public enum Tmpfs {
    /// Mounts a fresh tmpfs at `directory/name` (`nodev,nosuid,noexec`, the root directory
    /// `mode` owned by root, at most `sizeBytes`), with `noswap` where the kernel knows it
    /// (6.4+) so that its pages never reach a swap device. A leftover mount there (a
    /// crashed executor's) is replaced.
    public static func mount(in directory: String, name: String, mode: mode_t, sizeBytes: Int) throws(SystemError) -> String {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw SystemError("mount tmpfs", name, errno: EINVAL, detail: "invalid directory name")
        }
        try NetworkNamespace.prepareDirectory(directory)
        let path = directory + "/" + name
        remove(path)
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw SystemError.last("mkdir", path) }
        let flags = UInt(MS_NODEV | MS_NOSUID | MS_NOEXEC)
        let options = "mode=\(String(mode, radix: 8)),size=\(sizeBytes),uid=0,gid=0"
        if cpod_mount("tmpfs", path, "tmpfs", flags, options + ",noswap") != 0 {
            guard errno == EINVAL, cpod_mount("tmpfs", path, "tmpfs", flags, options) == 0 else {
                let failure = SystemError.last("mount tmpfs", path)
                rmdir(path)
                throw failure
            }
        }
        return path
    }

    /// Writes `bytes` to a new file `name` in `directory` (a tmpfs of ours, which only root
    /// can write) with `mode`, owned by `uid`:`gid`. The file must not exist yet.
    public static func writeFile(_ bytes: [UInt8], directory: String, name: String, mode: mode_t,
                                 uid: UInt32, gid: UInt32) throws(SystemError) -> String {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError.last("create", path) }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + written, raw.count - written)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SystemError.last("write", path) }
            written += n
        }
        guard fchown(fd, uid, gid) == 0 else { throw SystemError.last("chown", path) }
        guard fchmod(fd, mode) == 0 else { throw SystemError.last("chmod", path) }
        return path
    }

    /// Unmounts the tmpfs at `path` (lazily: containers that still hold a file keep their
    /// view until they end) and removes its directory. Nothing happens when nothing is there.
    public static func remove(_ path: String) {
        while cpod_umount_detach(path) == 0 {}
        rmdir(path)
    }
}
