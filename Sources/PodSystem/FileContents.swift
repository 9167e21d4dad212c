#if canImport(Glibc)
import Glibc
#endif

/// Small whole-file reads and writes of kernel and state files, without Foundation.
public enum FileContents {
    /// Reads a file (up to `limit` bytes) as UTF-8 text.
    public static func read(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> String {
        String(decoding: try bytes(path, limit: limit), as: UTF8.self)
    }

    /// Reads a file's bytes (up to `limit`).
    public static func bytes(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last("read", path)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<min(n, limit - out.count)])
        }
        return out
    }

    /// Writes a file atomically: a temporary sibling, fsync, rename. A reader sees the old
    /// or the new content, never a part. `durable: false` leaves out the fsync, for files
    /// that describe what does not outlive the machine anyway (processes, mounts): they stay
    /// whole across a process crash, which is all they need.
    public static func writeAtomically(_ path: String, _ data: [UInt8], mode: mode_t = 0o644,
                                       durable: Bool = true) throws(SystemError) {
        let tmp = path + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError.last("open", tmp) }
        do {
            try writeAll(fd, data, path: tmp)
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        if durable { fsync(fd) }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let e = SystemError.last("rename", "\(tmp) → \(path)")
            unlink(tmp)
            throw e
        }
    }

    /// Writes a file in place (kernel files, logs).
    public static func write(_ path: String, _ text: String, flags: Int32 = O_WRONLY | O_CREAT | O_TRUNC, mode: mode_t = 0o644) throws(SystemError) {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        try writeAll(fd, Array(text.utf8), path: path)
    }

    /// Writes all of `bytes` to `fd` (retrying short writes and EINTR); `path` names the
    /// file in the error.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last("write", path)
            }
            offset += n
        }
    }
}
