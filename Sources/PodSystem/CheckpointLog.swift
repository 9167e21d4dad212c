#if canImport(Glibc)
import Glibc
#endif

/// A state file kept as an append-only log of whole snapshots, each framed with its length
/// and a checksum; the newest whole record is the state. Saving appends one record and
/// syncs it, so a save neither creates nor frees an inode, where a temporary file plus
/// `rename` does both at every save. (On an ext4 without a journal every freed inode is
/// skipped by later allocations for a while, and the agent saves at every status update
/// and acknowledgement.) A crash during an append leaves a torn last record, which
/// `latest` ignores and cuts off; once the log outgrows `compactAbove` the next save
/// replaces it atomically with one record.
///
/// Record layout: `PCK1`, payload length (UInt32, little endian), FNV-1a 64 of the payload
/// (UInt64, little endian), the payload.
public struct CheckpointLog: Sendable {
    public let path: String
    public let compactAbove: Int

    static let magic: [UInt8] = Array("PCK1".utf8)
    static let headerSize = 16

    public init(path: String, compactAbove: Int = 64 << 10) {
        self.path = path
        self.compactAbove = compactAbove
    }

    /// Saves `payload` as the newest state. `fresh` starts a new log (a new run of the
    /// same executor must not inherit an old one's records); `durable` syncs the data
    /// before returning.
    public func save(_ payload: [UInt8], fresh: Bool = false, durable: Bool = true) throws(SystemError) {
        let record = Self.frame(payload)
        var info = stat()
        let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
        if fresh || size == 0 || size + record.count > compactAbove {
            try FileContents.writeAtomically(path, record, mode: 0o600, durable: durable)
            return
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        do {
            try FileContents.writeAll(fd, record, path: path)
        } catch {
            // Leave no partial record behind for the next append to follow.
            _ = ftruncate(fd, off_t(size))
            throw error
        }
        if durable && fdatasync(fd) != 0 { throw SystemError.last("fdatasync", path) }
    }

    /// The newest whole record's payload, or nil when the log is missing or holds none.
    /// A torn or corrupt tail (a crash mid-append) is cut off, so later appends follow the
    /// last good record.
    public func latest() throws(SystemError) -> [UInt8]? {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.bytes(path, limit: 64 << 20)
        } catch where error.errno == ENOENT {
            return nil
        }
        let (payload, goodEnd) = Self.scan(bytes)
        if goodEnd < bytes.count {
            truncate(path, off_t(goodEnd))
        }
        return payload
    }

    /// The newest whole record in `bytes` and where the whole records end.
    static func scan(_ bytes: [UInt8]) -> (payload: [UInt8]?, goodEnd: Int) {
        var offset = 0
        var newest: Range<Int>?
        while bytes.count - offset >= headerSize, Array(bytes[offset..<offset + 4]) == magic {
            let length = Int(readLE(bytes, offset + 4, 4))
            let sum = readLE(bytes, offset + 8, 8)
            let start = offset + headerSize
            guard length <= bytes.count - start else { break }
            let body = start..<start + length
            guard fnv1a(bytes[body]) == sum else { break }
            newest = body
            offset = body.upperBound
        }
        return (newest.map { Array(bytes[$0]) }, offset)
    }

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out = magic
        out.reserveCapacity(headerSize + payload.count)
        appendLE(&out, UInt64(payload.count), 4)
        appendLE(&out, fnv1a(payload[...]), 8)
        out.append(contentsOf: payload)
        return out
    }

    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    private static func readLE(_ bytes: [UInt8], _ at: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        return value
    }

    private static func appendLE(_ out: inout [UInt8], _ value: UInt64, _ count: Int) {
        for i in 0..<count { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}
