import Glibc

extension RootedDirectory {
    /// An open regular file below a root. Metadata calls act on the descriptor, so they reach
    /// exactly the inode that was opened. Not `Sendable`: one owner uses it at a time.
    public final class File {
        /// The descriptor, or -1 once closed.
        public private(set) var fileDescriptor: Int32
        /// For error messages only.
        public let path: String

        init(adopting descriptor: Int32, path: String) {
            self.fileDescriptor = descriptor
            self.path = path
        }

        deinit {
            if fileDescriptor >= 0 { _ = Glibc.close(fileDescriptor) }
        }

        /// Writes all of `bytes`, retrying short writes and `EINTR`.
        public func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
            var offset = 0
            while offset < bytes.count {
                guard let base = bytes.baseAddress else { return }
                let written = Glibc.write(fileDescriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if Glibc.errno == EINTR { continue }
                    throw .last("write", path, "\(bytes.count - offset) bytes")
                }
                offset += written
            }
        }

        /// Reads up to `buffer.count` bytes; returns 0 at end of file.
        public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileSystemError) -> Int {
            while true {
                let count = Glibc.read(fileDescriptor, buffer.baseAddress, buffer.count)
                if count < 0 {
                    if Glibc.errno == EINTR { continue }
                    throw .last("read", path)
                }
                return count
            }
        }

        /// Reads the whole file, failing with `EFBIG` past `limit` bytes.
        public func readAll(limit: Int) throws(FileSystemError) -> [UInt8] {
            var result: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let outcome = chunk.withUnsafeMutableBytes { raw in
                    Result { () throws(FileSystemError) -> Int in try read(into: raw) }
                }
                let count = try outcome.get()
                if count == 0 { return result }
                result.append(contentsOf: chunk[..<count])
                if result.count > limit { throw FileSystemError("read", [path, "limit \(limit)"], errno: EFBIG) }
            }
        }

        /// Extends or truncates the file to `size` bytes (used for sparse holes and pre-sizing).
        public func truncate(to size: Int64) throws(FileSystemError) {
            guard ftruncate(fileDescriptor, off_t(size)) == 0 else { throw .last("ftruncate", path, "\(size)") }
        }

        /// `fchown` on the descriptor.
        public func setOwner(uid: UInt32, gid: UInt32) throws(FileSystemError) {
            guard fchown(fileDescriptor, uid, gid) == 0 else { throw .last("fchown", path, "\(uid):\(gid)") }
        }

        /// `fchmod` on the descriptor; call after `setOwner`, which clears setuid/setgid.
        public func setPermissions(_ permissions: UInt32) throws(FileSystemError) {
            guard fchmod(fileDescriptor, mode_t(permissions & 0o7777)) == 0 else {
                throw .last("fchmod", path, "0o" + String(permissions, radix: 8))
            }
        }

        /// `fsetxattr` on the descriptor.
        public func setExtendedAttribute(name: String, value: [UInt8]) throws(FileSystemError) {
            let result = value.withUnsafeBytes { LinuxCalls.fsetxattr(fileDescriptor, name, $0) }
            guard result == 0 else { throw .last("fsetxattr", path, name) }
        }

        /// `futimens` on the descriptor.
        public func setTimes(accessSeconds: Int64, accessNanoseconds: Int64 = 0,
                             modificationSeconds: Int64, modificationNanoseconds: Int64 = 0) throws(FileSystemError)
        {
            var times = [timespec(tv_sec: Int(accessSeconds), tv_nsec: Int(accessNanoseconds)),
                         timespec(tv_sec: Int(modificationSeconds), tv_nsec: Int(modificationNanoseconds))]
            guard futimens(fileDescriptor, &times) == 0 else { throw .last("futimens", path) }
        }

        /// `fsync` then close.
        public func sync() throws(FileSystemError) {
            guard fsync(fileDescriptor) == 0 else { throw .last("fsync", path) }
        }

        /// Closes the descriptor; reports a failed `close` (which can carry a write error).
        public func close() throws(FileSystemError) {
            guard fileDescriptor >= 0 else { return }
            let fd = fileDescriptor
            fileDescriptor = -1
            guard Glibc.close(fd) == 0 else { throw .last("close", path) }
        }
    }

    /// Opens an existing regular file for reading. With ``Resolution/inRoot`` symlinks in the
    /// path are followed inside the root; the final component must be a regular file
    /// (`O_NOFOLLOW`, then `fstat`), so a FIFO or device planted by an image cannot block or
    /// flood the reader (CVE-2024-9676).
    public func openFileForReading(_ relativePath: String, resolution: Resolution = .noSymlinks)
        throws(FileSystemError) -> File
    {
        let components = try Self.components(of: relativePath, allowDotDot: resolution == .inRoot)
        let fd = try openDescriptor(components, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK, resolution: resolution)
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = FileSystemError.last("fstat", describe(components))
            _ = Glibc.close(fd)
            throw error
        }
        guard FileKind(mode: st.st_mode) == .regular else {
            _ = Glibc.close(fd)
            throw FileSystemError("open", [describe(components), "not a regular file"], errno: EINVAL)
        }
        return File(adopting: fd, path: describe(components))
    }

    /// Reads a small regular file below the root, at most `limit` bytes (see
    /// ``openFileForReading(_:resolution:)``).
    public func readFile(_ relativePath: String, limit: Int, resolution: Resolution = .noSymlinks)
        throws(FileSystemError) -> [UInt8]
    {
        let file = try openFileForReading(relativePath, resolution: resolution)
        return try file.readAll(limit: limit)
    }

    /// Writes `bytes` to `relativePath` atomically: a temporary sibling, `fsync`, then rename.
    public func writeFileAtomically(_ relativePath: String, bytes: [UInt8], permissions: UInt32 = 0o644)
        throws(FileSystemError)
    {
        let components = try Self.components(of: relativePath)
        guard let name = components.last else {
            throw FileSystemError("writeFileAtomically", [path, relativePath], errno: EINVAL)
        }
        let temporary = (components.dropLast() + [".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"])
            .joined(separator: "/")
        let file = try createFile(temporary, replaceExisting: true, createParents: true)
        do throws(FileSystemError) {
            try bytes.withUnsafeBytes { raw in Result { () throws(FileSystemError) in try file.write(raw) } }.get()
            try file.setPermissions(permissions)
            try file.sync()
            try file.close()
            try rename(temporary, to: relativePath)
        } catch {
            _ = try? removeTree(temporary)
            throw error
        }
    }
}
