#if canImport(Glibc)
import Glibc
#endif

/// Reads a ZIP archive's central directory (names, Unix modes, sizes, flags) without
/// extracting anything, so the archive can be judged before `unzip` runs. ZIP64 records
/// are understood.
enum ZipDirectory {
    static func entries(of path: String, display: String) throws(PodNetworkingError) -> [ArchiveEntry] {
        func bad(_ reason: String) -> PodNetworkingError {
            PodNetworkingError(.fetchFailed, "\(display) is not a readable zip archive: \(reason)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw bad("cannot open it (errno \(errno))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw bad("cannot stat it") }
        let fileSize = Int64(st.st_size)
        func read(_ offset: Int64, _ count: Int) throws(PodNetworkingError) -> [UInt8] {
            guard offset >= 0, count >= 0, offset + Int64(count) <= fileSize else { throw bad("a record lies outside the file") }
            var buffer = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = buffer.withUnsafeMutableBytes { raw in
                    pread(fd, raw.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
                }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw bad("short read") }
                done += n
            }
            return buffer
        }
        // End of central directory: the last signature within the final 64 KiB + 22 bytes.
        let tailLength = Int(min(fileSize, 65_557))
        let tail = try read(fileSize - Int64(tailLength), tailLength)
        guard tailLength >= 22,
              let eocd = stride(from: tailLength - 22, through: 0, by: -1).first(where: { le32(tail, $0) == 0x0605_4b50 }) else {
            throw bad("no end-of-central-directory record")
        }
        var count = Int64(le16(tail, eocd + 10))
        var directorySize = Int64(le32(tail, eocd + 12))
        var directoryOffset = Int64(le32(tail, eocd + 16))
        if count == 0xffff || directorySize == 0xffff_ffff || directoryOffset == 0xffff_ffff {
            // ZIP64: the locator sits right before the end record.
            let locatorOffset = fileSize - Int64(tailLength) + Int64(eocd) - 20
            let locator = try read(locatorOffset, 20)
            guard le32(locator, 0) == 0x0706_4b50 else { throw bad("missing ZIP64 locator") }
            let record = try read(Int64(le64(locator, 8)), 56)
            guard le32(record, 0) == 0x0606_4b50 else { throw bad("missing ZIP64 end record") }
            count = Int64(le64(record, 32))
            directorySize = Int64(le64(record, 40))
            directoryOffset = Int64(le64(record, 48))
        }
        guard directorySize <= 256 << 20 else { throw bad("the central directory is larger than 256 MiB") }
        let directory = try read(directoryOffset, Int(directorySize))
        var entries: [ArchiveEntry] = []
        var position = 0
        for _ in 0..<count {
            guard position + 46 <= directory.count, le32(directory, position) == 0x0201_4b50 else {
                throw bad("broken central directory entry")
            }
            let madeBy = directory[position + 5]
            let flags = le16(directory, position + 8)
            var size = Int64(le32(directory, position + 24))
            let nameLength = Int(le16(directory, position + 28))
            let extraLength = Int(le16(directory, position + 30))
            let commentLength = Int(le16(directory, position + 32))
            let external = le32(directory, position + 38)
            let end = position + 46 + nameLength + extraLength + commentLength
            guard end <= directory.count else { throw bad("broken central directory entry") }
            let name = String(decoding: directory[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            if size == 0xffff_ffff {
                size = zip64Size(directory[(position + 46 + nameLength)..<(position + 46 + nameLength + extraLength)]) ?? size
            }
            guard flags & 1 == 0 else {
                throw PodNetworkingError(.unsafeArchive, "\(display) was refused: entry '\(name)' is encrypted")
            }
            let mode = madeBy == 3 ? (external >> 16) & 0o170000 : 0
            let kind: ArchiveEntry.Kind
            if name.hasSuffix("/") || mode == 0o040000 {
                kind = .directory
            } else if mode == 0o120000 {
                // unzip would write later entries through it; no zip symlinks in a sandbox.
                kind = .other("symlink (not allowed in zip archives)")
            } else if mode == 0 || mode == 0o100000 {
                kind = .file
            } else {
                kind = .other("special file")
            }
            entries.append(ArchiveEntry(name: name, kind: kind, size: kind == .file ? size : 0))
            position = end
        }
        return entries
    }

    /// The uncompressed size from a ZIP64 extra field (header 0x0001, first value).
    static func zip64Size(_ extra: ArraySlice<UInt8>) -> Int64? {
        let bytes = Array(extra)
        var index = 0
        while index + 4 <= bytes.count {
            let id = le16(bytes, index)
            let length = Int(le16(bytes, index + 2))
            if id == 1, length >= 8, index + 12 <= bytes.count { return Int64(le64(bytes, index + 4)) }
            index += 4 + length
        }
        return nil
    }

    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
}
