import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// A named network namespace kept alive by a bind mount of its nsfs file, the way
/// `ip netns add` does it (so `ip netns exec <name>` works for operators, and CNI gets a
/// stable `CNI_NETNS` path that survives the executor for cleanup).
public struct NetworkNamespace: Sendable, Equatable {
    /// The bind-mounted nsfs file.
    public let path: String

    public init(path: String) { self.path = path }

    /// Creates a namespace with loopback up at `directory/name`.
    public static func create(name: String, directory: String) throws(SystemError) -> NetworkNamespace {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw SystemError("create netns", name, errno: EINVAL, detail: "invalid namespace name")
        }
        try prepareDirectory(directory)
        let path = directory + "/" + name
        let fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        if fd < 0 {
            // A leftover of a crashed executor: it is replaced (removal first).
            if errno == EEXIST {
                NetworkNamespace(path: path).remove()
                let again = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
                guard again >= 0 else { throw SystemError.last("create", path) }
                close(again)
            } else {
                throw SystemError.last("create", path)
            }
        } else {
            close(fd)
        }
        var buffer = [CChar](repeating: 0, count: 256)
        if cpod_netns_create(path, &buffer, buffer.count) != 0 {
            let e = errno
            unlink(path)
            let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw SystemError("create netns", path, errno: e, detail: message)
        }
        return NetworkNamespace(path: path)
    }

    /// Unmounts and deletes the namespace file. The namespace itself ends when the last
    /// process in it exits.
    public func remove() {
        _ = cpod_umount_detach(path)
        unlink(path)
    }

    /// Whether the path is a mounted namespace.
    public var exists: Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_ino != 0 && isMounted
    }

    /// Whether `path` is a network namespace file (a bind-mounted one or
    /// `/proc/<pid>/ns/net`), asked of the kernel with `ioctl(NS_GET_NSTYPE)`. Unlike
    /// ``exists`` it reads no mountinfo and accepts any spelling of the path.
    public static func isNetworkNamespace(_ path: String) -> Bool {
        guard !path.isEmpty else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let nsGetNSType: UInt = 0xb703  // _IO(0xb7, 0x3)
        let cloneNewNet: Int32 = 0x4000_0000  // CLONE_NEWNET
        return ioctl(fd, nsGetNSType) == cloneNewNet
    }

    private var isMounted: Bool {
        guard let text = try? FileContents.read("/proc/self/mountinfo") else { return false }
        return text.split(separator: "\n").contains { line in
            let tokens = line.split(separator: " ")
            return tokens.count > 4 && tokens[4] == path
        }
    }

    /// Opens a socket inside the namespace (for health checks of a pod on its own network).
    public func socket(domain: Int32, type: Int32, protocol proto: Int32 = 0) throws(SystemError) -> Int32 {
        let nsfd = open(path, O_RDONLY | O_CLOEXEC)
        guard nsfd >= 0 else { throw SystemError.last("open", path) }
        defer { close(nsfd) }
        let fd = cpod_netns_socket(nsfd, domain, type, proto)
        guard fd >= 0 else { throw SystemError.last("socket in netns", path) }
        return fd
    }

    /// The namespace directory is made a private mount of itself, as `ip netns` does, so
    /// that namespace mounts neither propagate into containers nor pin their mount
    /// namespaces.
    /// The path is resolved first (`/var/run` is a link to `/run`: mountinfo names the
    /// real path) and executors starting together take turns (flock on the directory), so
    /// the directory is bind-mounted onto itself once, never stacked.
    static func prepareDirectory(_ requested: String) throws(SystemError) {
        try Directory.create(requested, mode: 0o755)
        guard let resolved = realpath(requested, nil) else { throw SystemError.last("realpath", requested) }
        let directory = String(cString: resolved)
        free(resolved)
        let lock = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else { throw SystemError.last("open", directory) }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        let text = (try? FileContents.read("/proc/self/mountinfo")) ?? ""
        let mounted = text.split(separator: "\n").contains { line in
            let tokens = line.split(separator: " ")
            return tokens.count > 4 && tokens[4] == directory
        }
        if !mounted {
            if cpod_mount(directory, directory, nil, UInt(MS_BIND | MS_REC), nil) != 0 && errno != EBUSY {
                throw SystemError.last("mount --bind", directory)
            }
        }
        if cpod_mount("", directory, nil, UInt(MS_PRIVATE | MS_REC), nil) != 0 {
            throw SystemError.last("mount --make-rprivate", directory)
        }
    }
}

/// Directory helpers for trusted paths (the executor's own sandbox and state).
public enum Directory {
    /// mkdir -p.
    public static func create(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        guard !path.isEmpty else { return }
        // Usually the directory or its parent exists: one mkdir instead of one per component.
        if mkdir(path, mode) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw SystemError.last("mkdir", path) }
        // Make the missing ancestors from the deepest one that exists, then this one.
        var end = path.utf8.endIndex
        while end > path.utf8.startIndex, path.utf8[path.utf8.index(before: end)] == UInt8(ascii: "/") {
            end = path.utf8.index(before: end)
        }
        guard let slash = path.utf8[..<end].lastIndex(of: UInt8(ascii: "/")), slash > path.utf8.startIndex else {
            throw SystemError("mkdir", path, errno: ENOENT, detail: "its parent does not exist")
        }
        try create(String(path[..<slash]), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SystemError.last("mkdir", path) }
    }

    /// Whether a path exists (without following a final symlink).
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Whether a path is a directory (following symlinks).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a directory (not `.`/`..`).
    public static func list(_ path: String) -> [String] {
        entries(path).map(\.name).sorted()
    }

    /// Paths of the directories in a directory (not following symlinks), told apart by the
    /// entry type `readdir` gives (an `lstat` only where the filesystem gives none): cheap
    /// in directories full of files, such as a cgroup's.
    public static func subdirectories(_ path: String) -> [String] {
        entries(path).compactMap { entry in
            let child = path + "/" + entry.name
            switch entry.type {
            case UInt8(DT_DIR):
                return child
            case UInt8(DT_UNKNOWN):
                var st = stat()
                return lstat(child, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR ? child : nil
            default:
                return nil
            }
        }
    }

    private static func entries(_ path: String) -> [(name: String, type: UInt8)] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var result: [(name: String, type: UInt8)] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { result.append((name, entry.pointee.d_type)) }
        }
        return result
    }

    /// rm -rf without following symlinks, staying on one filesystem and detaching any
    /// mount found below (leftovers of a crashed container) before it descends: what is
    /// mounted there (a persistent volume bind-mounted into a sandbox) keeps its contents.
    public static func removeTree(_ path: String) {
        for mount in BindMount.mountPoints(under: path) { BindMount.unmount(mount) }
        removeTreeBelow(path)
    }

    private static func removeTreeBelow(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) {
                removeTreeBelow(path + "/" + name)
            }
            if rmdir(path) != 0 && errno == EBUSY {
                _ = cpod_umount_detach(path)
                rmdir(path)
            }
        } else {
            if unlink(path) != 0 && errno == EBUSY {
                _ = cpod_umount_detach(path)
                unlink(path)
            }
        }
    }
}
