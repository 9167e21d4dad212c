import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// A container's `stdout` or `stderr` file in its sandbox, read from an offset on.
struct LogFile: Sendable {
    let path: String

    /// The file's size, nil when it cannot be read.
    func size() -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// The bytes from `offset` to the end (at most `limit`).
    func read(from offset: Int64, limit: Int = 8 << 20) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        var result: [UInt8] = []
        var position = offset
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while result.count < limit {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, min($0.count, limit - result.count), off_t(position)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last("read", path)
            }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
            position += Int64(n)
        }
        return result
    }

    /// The offset where the last `lines` lines start (0 when the file has fewer).
    func offsetOfLastLines(_ lines: Int) throws(SystemError) -> Int64 {
        guard let size = size(), size > 0 else { return 0 }
        guard lines > 0 else { return size }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        var end = size
        // A final newline ends the last line; it does not start another.
        var newlines = 0
        var skipTrailing = true
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while end > 0 {
            let start = max(0, end - Int64(buffer.count))
            let count = Int(end - start)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(start)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last("read", path)
            }
            if n == 0 { break }
            for i in stride(from: n - 1, through: 0, by: -1) where buffer[i] == UInt8(ascii: "\n") {
                if skipTrailing && start + Int64(i) == size - 1 { continue }
                newlines += 1
                if newlines == lines { return start + Int64(i) + 1 }
            }
            skipTrailing = false
            end = start
        }
        return 0
    }
}
