import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// Follows a container's `stdout` or `stderr` across the executor's rotations (`stdout` →
/// `stdout.1` → … while a fresh `stdout` starts): it keeps the file it reads open, so a
/// rename or removal loses nothing of it; when `stdout` has become another file, it reads
/// the rest of the old one, then every file rotated since (found by inode among
/// `stdout.1`, `stdout.2`, …, oldest first), then the new one from its start.
struct LogFollower {
    let path: String
    private var fd: Int32
    private var inode: UInt64
    private var offset: Int64
    /// How often files were rotated away (removed) before they could be read.
    private(set) var missedFiles = 0
    /// The read buffer, allocated once: `drain` runs every few milliseconds while following.
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)

    /// Opens `path` and starts reading at `offset`.
    init(path: String, offset: Int64) throws(SystemError) {
        self.path = path
        let opened = Self.open(path)
        guard let opened else { throw SystemError.last("open", path) }
        (fd, inode) = opened
        self.offset = offset
    }

    /// Closes the file.
    mutating func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Everything written since the last call, across rotations; calls `out` with each piece.
    /// Returns how many bytes it passed on.
    mutating func drain(_ out: (ArraySlice<UInt8>) -> Void) -> Int64 {
        var st = stat()
        if fstat(fd, &st) == 0, Int64(st.st_size) < offset { offset = 0 }  // truncated
        var total = Self.readToEnd(fd, from: &offset, buffer: &buffer, out)
        // At most a few rounds: each one moves to a newer file.
        for _ in 0..<16 {
            guard let current = Self.open(path) else { return total }
            if current.inode == inode {
                Glibc.close(current.fd)
                return total
            }
            // Rotated: what the old file got before its rename, then the ones after it.
            total += Self.readToEnd(fd, from: &offset, buffer: &buffer, out)
            for (rotatedFD, _) in rotatedSince(inode) {
                var start: Int64 = 0
                total += Self.readToEnd(rotatedFD, from: &start, buffer: &buffer, out)
                Glibc.close(rotatedFD)
            }
            close()
            (fd, inode, offset) = (current.fd, current.inode, 0)
            total += Self.readToEnd(fd, from: &offset, buffer: &buffer, out)
        }
        return total
    }

    /// Prints the files rotated before the one being read, oldest first (`path.<n>` … `path.1`).
    mutating func printRotated(_ out: (ArraySlice<UInt8>) -> Void) {
        let rotated = Self.openRotated(path)
        // Only those older than the file being read (all of them unless it was rotated meanwhile).
        let older = (rotated.firstIndex { $0.inode == inode }).map { $0 + 1 } ?? 0
        for (position, file) in rotated.enumerated().reversed() {
            if position >= older {
                var start: Int64 = 0
                _ = Self.readToEnd(file.fd, from: &start, buffer: &buffer, out)
            }
            Glibc.close(file.fd)
        }
    }

    /// The files rotated after the one with `inode`, oldest first: `path.<k-1>` … `path.1`
    /// where the old file is now `path.<k>`; all of them when it is gone (it was the oldest).
    private mutating func rotatedSince(_ inode: UInt64) -> [(fd: Int32, inode: UInt64)] {
        let rotated = Self.openRotated(path)
        guard let old = rotated.firstIndex(where: { $0.inode == inode }) else {
            if !rotated.isEmpty { missedFiles += 1 }
            return rotated.reversed()
        }
        for file in rotated[old...] { Glibc.close(file.fd) }
        return rotated[..<old].reversed()
    }

    /// The rotated files `path.1`, `path.2`, … as they are now, opened, newest first.
    private static func openRotated(_ path: String) -> [(fd: Int32, inode: UInt64)] {
        var rotated: [(fd: Int32, inode: UInt64)] = []
        while let file = open("\(path).\(rotated.count + 1)") { rotated.append(file) }
        return rotated
    }

    private static func readToEnd(_ fd: Int32, from offset: inout Int64, buffer: inout [UInt8],
                                  _ out: (ArraySlice<UInt8>) -> Void) -> Int64 {
        var total: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return total }
            out(buffer[0..<n])
            offset += Int64(n)
            total += Int64(n)
        }
    }

    private static func open(_ path: String) -> (fd: Int32, inode: UInt64)? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            Glibc.close(fd)
            return nil
        }
        return (fd, UInt64(st.st_ino))
    }
}
