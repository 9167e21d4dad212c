import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// Reading an archive file the fetcher itself placed (in its staging directory or its cache).
enum ArchiveFile {
    /// Calls `body` with the file's content in 128 KiB chunks; stops with an error once
    /// `deadline` has passed (the extraction timeout).
    static func read(_ path: String, deadline: ContinuousClock.Instant, display: String,
                     _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = try open(path, display: display)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FetchError(.fetchFailed, "cannot read \(display): \(SystemError.last("read", path))")
            }
            if count == 0 { return }
            guard ContinuousClock.now < deadline else {
                throw FetchError(.fetchFailed, "cannot extract \(display): it took longer than the extraction timeout")
            }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// Up to `count` bytes from the start of the file.
    static func prefix(_ path: String, count: Int, display: String) throws(FetchError) -> [UInt8] {
        let fd = try open(path, display: display)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let read = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
        guard read >= 0 else { throw FetchError(.fetchFailed, "cannot read \(display): \(SystemError.last("pread", path))") }
        return Array(buffer.prefix(read))
    }

    /// Opens the file read-only; it must be a regular file.
    static func open(_ path: String, display: String) throws(FetchError) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw FetchError(.fetchFailed, "cannot read \(display): \(SystemError.last("open", path))") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FetchError(.fetchFailed, "cannot read \(display): it is not a regular file")
        }
        return fd
    }
}
