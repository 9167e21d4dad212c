import CZlib
import ImageStore
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// A ZIP archive read from its central directory (names, Unix modes, sizes, flags, offsets;
/// ZIP64 records understood). Every member is judged before anything is written (a zip lists
/// itself at its end), then extracted by ``ArchiveWriter``: stored members copied, deflated
/// ones inflated with zlib, each checked against its CRC-32 and size. Encrypted members,
/// other compression methods, symlinks (unzip would write later members through them) and
/// special files are refused.
struct ZipArchive {
    struct Member {
        var entry: ArchiveEntry
        var method: UInt16
        var compressedSize: Int64
        var crc: UInt32
        var localHeaderOffset: Int64
    }

    let path: String
    let display: String

    /// Judges every member, then writes them.
    func extract(into writer: ArchiveWriter, deadline: ContinuousClock.Instant) throws(FetchError) {
        let fd = try ArchiveFile.open(path, display: display)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw bad("cannot stat it") }
        let file = ZipFile(fd: fd, size: Int64(st.st_size), archive: self)
        let members = try file.centralDirectory()
        try ArchivePolicy.check(members.map(\.entry), archive: display, maxEntries: writer.policy.maxEntries,
                                maxBytes: writer.policy.maxBytes)
        for member in members {
            guard ContinuousClock.now < deadline else {
                throw FetchError(.fetchFailed, "cannot extract \(display): it took longer than the extraction timeout")
            }
            try writer.begin(member.entry)
            if member.entry.kind == .file {
                try file.copy(member, to: writer)
                try writer.end()
            }
        }
    }

    func bad(_ reason: String) -> FetchError {
        FetchError(.fetchFailed, "\(display) is not a readable zip archive: \(reason)")
    }
}

/// The open archive: records read with `pread`, every offset checked against the file's size.
private struct ZipFile {
    let fd: Int32
    let size: Int64
    let archive: ZipArchive

    func read(_ offset: Int64, _ count: Int) throws(FetchError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + Int64(count) <= size else { throw archive.bad("a record lies outside the file") }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw archive.bad("short read") }
            done += n
        }
        return buffer
    }

    /// The members the central directory lists, in its order.
    func centralDirectory() throws(FetchError) -> [ZipArchive.Member] {
        // End of central directory: the last signature within the final 64 KiB + 22 bytes.
        let tailLength = Int(min(size, 65_557))
        let tail = try read(size - Int64(tailLength), tailLength)
        guard tailLength >= 22,
              let eocd = stride(from: tailLength - 22, through: 0, by: -1).first(where: { Bytes.le32(tail, $0) == 0x0605_4b50 }) else {
            throw archive.bad("no end-of-central-directory record")
        }
        var count = Int64(Bytes.le16(tail, eocd + 10))
        var directorySize = Int64(Bytes.le32(tail, eocd + 12))
        var directoryOffset = Int64(Bytes.le32(tail, eocd + 16))
        if count == 0xffff || directorySize == 0xffff_ffff || directoryOffset == 0xffff_ffff {
            // ZIP64: the locator sits right before the end record.
            let locator = try read(size - Int64(tailLength) + Int64(eocd) - 20, 20)
            guard Bytes.le32(locator, 0) == 0x0706_4b50 else { throw archive.bad("missing ZIP64 locator") }
            let record = try read(Int64(Bytes.le64(locator, 8)), 56)
            guard Bytes.le32(record, 0) == 0x0606_4b50 else { throw archive.bad("missing ZIP64 end record") }
            count = Int64(Bytes.le64(record, 32))
            directorySize = Int64(Bytes.le64(record, 40))
            directoryOffset = Int64(Bytes.le64(record, 48))
        }
        guard directorySize <= 256 << 20 else { throw archive.bad("the central directory is larger than 256 MiB") }
        guard count <= directorySize / 46 else { throw archive.bad("it claims more entries than its directory holds") }
        let directory = try read(directoryOffset, Int(directorySize))
        var members: [ZipArchive.Member] = []
        var position = 0
        for _ in 0..<count {
            let (member, next) = try self.member(in: directory, at: position)
            members.append(member)
            position = next
        }
        return members
    }

    /// The central directory record at `position`, and where the next one starts.
    private func member(in directory: [UInt8], at position: Int) throws(FetchError) -> (ZipArchive.Member, Int) {
        guard position + 46 <= directory.count, Bytes.le32(directory, position) == 0x0201_4b50 else {
            throw archive.bad("broken central directory entry")
        }
        let nameLength = Int(Bytes.le16(directory, position + 28))
        let extraLength = Int(Bytes.le16(directory, position + 30))
        let end = position + 46 + nameLength + Int(Bytes.le16(directory, position + 32))
        guard end <= directory.count, position + 46 + nameLength + extraLength <= end else {
            throw archive.bad("broken central directory entry")
        }
        let name = String(decoding: directory[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
        let extra = Array(directory[(position + 46 + nameLength)..<(position + 46 + nameLength + extraLength)])
        var size = Int64(Bytes.le32(directory, position + 24))
        var compressedSize = Int64(Bytes.le32(directory, position + 20))
        var offset = Int64(Bytes.le32(directory, position + 42))
        Self.applyZip64(extra, size: &size, compressedSize: &compressedSize, offset: &offset)
        guard Bytes.le16(directory, position + 8) & 1 == 0 else {
            throw FetchError(.unsafeArchive, "\(archive.display) was refused: entry '\(name)' is encrypted")
        }
        let madeByUnix = directory[position + 5] == 3
        let external = Bytes.le32(directory, position + 38)
        let mode = madeByUnix ? (external >> 16) : 0
        let type = mode & 0o170000
        let kind: ArchiveEntry.Kind
        if name.hasSuffix("/") || type == 0o040000 {
            kind = .directory
        } else if type == 0o120000 {
            kind = .other("symlink (not allowed in zip archives)")
        } else if type == 0 || type == 0o100000 {
            kind = .file
        } else {
            kind = .other("special file")
        }
        let time = Self.unixTime(extra) ?? Self.dosTime(date: Bytes.le16(directory, position + 14), time: Bytes.le16(directory, position + 12))
        let entry = ArchiveEntry(name: name, kind: kind, size: kind == .file ? size : 0, mode: madeByUnix ? mode & 0o7777 : nil,
                                 modificationSeconds: time)
        let member = ZipArchive.Member(entry: entry, method: Bytes.le16(directory, position + 10), compressedSize: compressedSize,
                                       crc: Bytes.le32(directory, position + 16), localHeaderOffset: offset)
        return (member, end)
    }

    /// Copies (stored) or inflates (deflated) a member's data to the writer, checking its
    /// CRC-32 and size.
    func copy(_ member: ZipArchive.Member, to writer: ArchiveWriter) throws(FetchError) {
        let name = member.entry.name
        let header = try read(member.localHeaderOffset, 30)
        guard Bytes.le32(header, 0) == 0x0403_4b50 else { throw archive.bad("entry '\(name)' has no local header") }
        var offset = member.localHeaderOffset + 30 + Int64(Bytes.le16(header, 26)) + Int64(Bytes.le16(header, 28))
        guard member.compressedSize >= 0, offset + member.compressedSize <= size else {
            throw archive.bad("entry '\(name)' lies outside the file")
        }
        var check = ZipCheck(crc: 0, bytes: 0)
        let inflater: GzipInflater?
        switch member.method {
        case 0: inflater = nil
        case 8: inflater = try ArchiveExtractor.inflater(.deflate, display: archive.display)
        default: throw archive.bad("entry '\(name)' uses compression method \(member.method), which is not supported")
        }
        var remaining = member.compressedSize
        do {
            while remaining > 0 {
                let chunk = try read(offset, Int(min(remaining, 128 * 1024)))
                offset += Int64(chunk.count)
                remaining -= Int64(chunk.count)
                try chunk.withUnsafeBytes { raw in
                    if let inflater {
                        try inflater.inflate(raw) { (out) throws(ImageStoreError) in try check.pass(out, to: writer) }
                    } else {
                        try check.pass(raw, to: writer)
                    }
                }
            }
            try inflater?.finish()
        } catch {
            if let failure = check.failure { throw failure }
            throw ArchiveExtractor.translate(error, display: archive.display, format: "zip")
        }
        guard check.crc == member.crc, check.bytes == member.entry.size else {
            throw archive.bad("entry '\(name)' does not match its CRC-32 or size")
        }
    }

    /// Sizes and offset from a ZIP64 extra field (header 0x0001): each present only when the
    /// central directory's field holds 0xffffffff, in this order.
    static func applyZip64(_ extra: [UInt8], size: inout Int64, compressedSize: inout Int64, offset: inout Int64) {
        var index = 0
        while index + 4 <= extra.count {
            let id = Bytes.le16(extra, index)
            let length = Int(Bytes.le16(extra, index + 2))
            guard index + 4 + length <= extra.count else { return }
            if id == 1 {
                var field = index + 4
                if size == 0xffff_ffff, field + 8 <= index + 4 + length { size = Int64(Bytes.le64(extra, field)); field += 8 }
                if compressedSize == 0xffff_ffff, field + 8 <= index + 4 + length {
                    compressedSize = Int64(Bytes.le64(extra, field)); field += 8
                }
                if offset == 0xffff_ffff, field + 8 <= index + 4 + length { offset = Int64(Bytes.le64(extra, field)) }
                return
            }
            index += 4 + length
        }
    }

    /// The modification time of an extended timestamp field (0x5455), as unzip prefers it.
    static func unixTime(_ extra: [UInt8]) -> Int64? {
        var index = 0
        while index + 4 <= extra.count {
            let id = Bytes.le16(extra, index)
            let length = Int(Bytes.le16(extra, index + 2))
            if id == 0x5455, length >= 5, index + 9 <= extra.count, extra[index + 4] & 1 != 0 {
                return Int64(Int32(bitPattern: Bytes.le32(extra, index + 5)))
            }
            index += 4 + length
        }
        return nil
    }

    /// An MS-DOS date and time (2-second steps), taken as UTC.
    static func dosTime(date: UInt16, time: UInt16) -> Int64? {
        Timestamp(year: 1980 + Int(date >> 9), month: Int(date >> 5 & 0xF), day: Int(date & 0x1F),
                  hour: Int(time >> 11), minute: Int(time >> 5 & 0x3F), second: Int(time & 0x1F) * 2)?.epochSeconds
    }
}

/// The CRC-32 and length of a member's data as it passes to the writer.
private struct ZipCheck {
    var crc: UInt32
    var bytes: Int64
    var failure: FetchError?

    mutating func pass(_ data: UnsafeRawBufferPointer, to writer: ArchiveWriter) throws(ImageStoreError) {
        if let base = data.baseAddress, data.count > 0 {
            crc = UInt32(truncatingIfNeeded: CZlib.crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(data.count)))
        }
        bytes += Int64(data.count)
        do {
            try writer.write(data)
        } catch {
            failure = error
            throw ImageStoreError(.policy, error.message)
        }
    }
}

/// Little-endian integers in a byte array (the caller has checked the bounds).
enum Bytes {
    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
}
