import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// Bind mounts on the host side: the embedded agent mounts a persistent volume's directory
/// into an executor's sandbox (what Mesos' `filesystem/linux` isolator does) and takes it
/// away when the executor has ended.
public enum BindMount {
    /// Bind-mounts the directory `source` at `directory/name` (made when missing; a name
    /// that exists as anything but a directory is refused, never followed), read-only when
    /// asked, as a private mount so that nothing mounted or unmounted there propagates.
    @discardableResult
    public static func mount(_ source: String, in directory: String, name: String, readOnly: Bool) throws(SystemError) -> String {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw SystemError("mount --bind", name, errno: EINVAL, detail: "the mount point must be one path component")
        }
        let target = directory + "/" + name
        var st = stat()
        if lstat(target, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw SystemError("mount --bind", target, errno: ENOTDIR, detail: "the mount point exists and is not a directory")
            }
        } else if mkdir(target, 0o755) != 0 && errno != EEXIST {
            throw SystemError.last("mkdir", target)
        }
        if isMountPoint(target) { return target }
        guard cpod_mount(source, target, nil, UInt(MS_BIND), nil) == 0 else { throw SystemError.last("mount --bind", "\(source) → \(target)") }
        if readOnly && cpod_mount(nil, target, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY), nil) != 0 {
            let failure = SystemError.last("mount -o remount,ro", target)
            unmount(target)
            throw failure
        }
        _ = cpod_mount(nil, target, nil, UInt(MS_PRIVATE), nil)
        return target
    }

    /// Unmounts whatever is mounted at `path` (lazily, every layer). Nothing happens when
    /// nothing is mounted there; the directory stays.
    public static func unmount(_ path: String) {
        var layers = 0
        while layers < 64, cpod_umount_detach(path) == 0 { layers += 1 }
    }

    /// Whether `path` is a mount point in this mount namespace (`/proc/self/mountinfo`).
    public static func isMountPoint(_ path: String) -> Bool {
        mountPoints().contains(path)
    }

    /// The mount points of this mount namespace below `prefix` (`prefix/…`), deepest first.
    public static func mountPoints(under prefix: String) -> [String] {
        mountPoints().filter { $0.hasPrefix(prefix + "/") }.sorted { $0.count > $1.count }
    }

    /// Every mount point of this namespace, with mountinfo's octal escapes (`\040`) decoded.
    static func mountPoints() -> [String] {
        let text = (try? FileContents.read("/proc/self/mountinfo", limit: 64 << 20)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? unescape(fields[4]) : nil
        }
    }

    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\"), i + 3 < raw.count,
               let value = UInt8(String(decoding: raw[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(raw[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
