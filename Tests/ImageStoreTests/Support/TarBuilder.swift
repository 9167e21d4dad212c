/// Builds tar streams byte by byte for the reader and unpacker tests.
struct TarBuilder {
    private(set) var bytes: [UInt8] = []

    enum Kind: UInt8 {
        case file = 0x30, hardLink = 0x31, symlink = 0x32, char = 0x33, block = 0x34, directory = 0x35, fifo = 0x36
        case pax = 0x78, gnuLongName = 0x4c, gnuLongLink = 0x4b, sparse = 0x53
    }

    static func header(_ name: String, kind: UInt8, size: Int = 0, mode: Int = 0o644, link: String = "", uid: Int = 0,
                       gid: Int = 0, major: Int = 0, minor: Int = 0, mtime: Int = 1_700_000_000,
                       corruptChecksum: Bool = false, base256Size: Int? = nil) -> [UInt8]
    {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: [UInt8], _ offset: Int, _ length: Int) {
            for (index, byte) in text.prefix(length).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, _ offset: Int, _ length: Int) {
            let digits = String(value, radix: 8)
            let padded = String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits
            put(Array(padded.utf8), offset, length - 1)
        }
        put(Array(name.utf8), 0, 100)
        octal(mode, 100, 8)
        octal(uid, 108, 8)
        octal(gid, 116, 8)
        if let base256Size {
            block[124] = 0x80
            var value = base256Size
            for index in stride(from: 135, through: 125, by: -1) {
                block[index] = UInt8(value & 0xff)
                value >>= 8
            }
        } else {
            octal(size, 124, 12)
        }
        octal(mtime, 136, 12)
        block[156] = kind
        put(Array(link.utf8), 157, 100)
        put(Array("ustar\u{0}00".utf8), 257, 8)
        octal(major, 329, 8)
        octal(minor, 337, 8)
        for index in 148..<156 { block[index] = 0x20 }
        var sum = block.reduce(0) { $0 + Int($1) }
        if corruptChecksum { sum += 1 }
        let digits = String(sum, radix: 8)
        put(Array((String(repeating: "0", count: 6 - digits.count) + digits).utf8) + [0, 0x20], 148, 8)
        return block
    }

    static func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    mutating func file(_ name: String, _ content: String, mode: Int = 0o644, uid: Int = 0, gid: Int = 0) {
        let data = Array(content.utf8)
        bytes += Self.header(name, kind: Kind.file.rawValue, size: data.count, mode: mode, uid: uid, gid: gid) + Self.padded(data)
    }

    mutating func directory(_ name: String, mode: Int = 0o755) {
        bytes += Self.header(name, kind: Kind.directory.rawValue, mode: mode)
    }

    mutating func symlink(_ name: String, to target: String) {
        bytes += Self.header(name, kind: Kind.symlink.rawValue, mode: 0o777, link: target)
    }

    mutating func hardLink(_ name: String, to target: String) {
        bytes += Self.header(name, kind: Kind.hardLink.rawValue, link: target)
    }

    mutating func node(_ name: String, kind: Kind, major: Int = 0, minor: Int = 0) {
        bytes += Self.header(name, kind: kind.rawValue, mode: 0o600, major: major, minor: minor)
    }

    /// A PAX extended header applying to the next member.
    mutating func pax(_ records: [(String, [UInt8])]) {
        var body: [UInt8] = []
        for (key, value) in records {
            let payload = Array(" \(key)=".utf8) + value + [0x0a]
            var length = payload.count + 1
            while String(length).utf8.count + payload.count != length { length += 1 }
            body += Array(String(length).utf8) + payload
        }
        bytes += Self.header("PaxHeaders/x", kind: Kind.pax.rawValue, size: body.count) + Self.padded(body)
    }

    mutating func gnuLongName(_ name: String) {
        let data = Array(name.utf8) + [0]
        bytes += Self.header("././@LongLink", kind: Kind.gnuLongName.rawValue, size: data.count) + Self.padded(data)
    }

    mutating func raw(_ data: [UInt8]) { bytes += data }

    mutating func end() { bytes += [UInt8](repeating: 0, count: 1024) }
}
