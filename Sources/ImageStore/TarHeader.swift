/// Decoding of a single 512-byte tar header block (ustar, GNU and v7) and of PAX records.
enum TarHeader {
    static let blockSize = 512

    /// The parts of a header that the reader needs before PAX/GNU overrides are applied.
    struct Raw {
        var name: [UInt8]
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var size: Int64
        var mtime: Int64
        var typeflag: UInt8
        var linkName: [UInt8]
        var devMajor: UInt32
        var devMinor: UInt32
    }

    static func isZeroBlock(_ block: UnsafeRawBufferPointer) -> Bool {
        block.allSatisfy { $0 == 0 }
    }

    /// Parses a non-zero header block; validates the checksum.
    static func parse(_ block: UnsafeRawBufferPointer) throws(ImageStoreError) -> Raw {
        let stored = try number(block, 148, 8, field: "chksum")
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for index in 0..<blockSize {
            let byte = (148..<156).contains(index) ? UInt8(ascii: " ") : block[index]
            unsigned += Int64(byte)
            signed += Int64(Int8(bitPattern: byte))
        }
        guard stored == unsigned || stored == signed else {
            throw unsafe("tar header checksum mismatch (stored \(stored), computed \(unsigned))")
        }
        let magic = Array(block[257..<263])
        let isUstar = magic == Array("ustar\u{0}".utf8)  // POSIX ustar has a prefix field; GNU "ustar  " does not
        var name = cString(block, 0, 100)
        if isUstar {
            let prefix = cString(block, 345, 155)
            if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
        }
        let size = try number(block, 124, 12, field: "size")
        let mtime = try number(block, 136, 12, field: "mtime")
        return Raw(
            name: name,
            mode: UInt32(truncatingIfNeeded: try number(block, 100, 8, field: "mode") & 0o7777),
            uid: try id(block, 108, field: "uid"),
            gid: try id(block, 116, field: "gid"),
            size: size,
            mtime: mtime,
            typeflag: block[156],
            linkName: cString(block, 157, 100),
            devMajor: UInt32(truncatingIfNeeded: try number(block, 329, 8, field: "devmajor")),
            devMinor: UInt32(truncatingIfNeeded: try number(block, 337, 8, field: "devminor"))
        )
    }

    static func id(_ block: UnsafeRawBufferPointer, _ offset: Int, field: String) throws(ImageStoreError) -> UInt32 {
        let value = try number(block, offset, 8, field: field)
        guard value <= Int64(UInt32.max) else { throw unsafe("tar \(field) \(value) out of range") }
        return UInt32(value)
    }

    /// A NUL-terminated field.
    static func cString(_ block: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for index in offset..<(offset + length) {
            let byte = block[index]
            if byte == 0 { break }
            bytes.append(byte)
        }
        return bytes
    }

    /// An octal field (spaces/NULs around it allowed) or a GNU base-256 field. Negative or
    /// absurd values are refused.
    static func number(_ block: UnsafeRawBufferPointer, _ offset: Int, _ length: Int, field: String)
        throws(ImageStoreError) -> Int64
    {
        let first = block[offset]
        if first & 0x80 != 0 {
            guard first == 0x80 else { throw unsafe("tar \(field): negative base-256 number") }
            var value: UInt64 = 0
            for index in (offset + 1)..<(offset + length) {
                guard value >> 55 == 0 else { throw unsafe("tar \(field): base-256 number too large") }
                value = value << 8 | UInt64(block[index])
            }
            guard value <= UInt64(Int64.max) else { throw unsafe("tar \(field): base-256 number too large") }
            return Int64(value)
        }
        var value: Int64 = 0
        var index = offset
        let end = offset + length
        while index < end, block[index] == 0x20 || block[index] == 0 { index += 1 }
        if index == end { return 0 }
        while index < end {
            let byte = block[index]
            if byte == 0x20 || byte == 0 { break }
            guard byte >= 0x30, byte <= 0x37 else { throw unsafe("tar \(field): invalid octal digit") }
            guard value >> 60 == 0 else { throw unsafe("tar \(field): octal number too large") }
            value = value * 8 + Int64(byte - 0x30)
            index += 1
        }
        // Only padding may follow.
        while index < end {
            guard block[index] == 0x20 || block[index] == 0 else { throw unsafe("tar \(field): garbage after number") }
            index += 1
        }
        return value
    }

    /// Parses PAX extended header records: `"<len> <key>=<value>\n"`, where `len` counts the
    /// whole record. Values stay raw bytes (xattr values are binary).
    static func paxRecords(_ bytes: [UInt8]) throws(ImageStoreError) -> [(key: String, value: [UInt8])] {
        var records: [(String, [UInt8])] = []
        var position = 0
        while position < bytes.count {
            if bytes[position] == 0 { break }  // NUL padding at the end
            var lengthEnd = position
            var length = 0
            while lengthEnd < bytes.count, bytes[lengthEnd] >= 0x30, bytes[lengthEnd] <= 0x39 {
                length = length * 10 + Int(bytes[lengthEnd] - 0x30)
                guard length <= bytes.count else { throw unsafe("PAX record length exceeds header") }
                lengthEnd += 1
            }
            guard lengthEnd > position, lengthEnd < bytes.count, bytes[lengthEnd] == 0x20 else {
                throw unsafe("malformed PAX record length")
            }
            let recordEnd = position + length
            guard recordEnd <= bytes.count, recordEnd > lengthEnd + 1, bytes[recordEnd - 1] == 0x0a else {
                throw unsafe("malformed PAX record")
            }
            let body = bytes[(lengthEnd + 1)..<(recordEnd - 1)]
            guard let equals = body.firstIndex(of: UInt8(ascii: "=")) else { throw unsafe("PAX record without '='") }
            guard let key = String(validating: body[body.startIndex..<equals], as: UTF8.self) else {
                throw unsafe("PAX key is not UTF-8")
            }
            records.append((key, Array(body[(equals + 1)...])))
            position = recordEnd
        }
        return records
    }

    /// A PAX decimal time `seconds[.fraction]` as seconds and nanoseconds.
    static func paxTime(_ value: [UInt8]) throws(ImageStoreError) -> (Int64, Int64) {
        guard let text = String(validating: value, as: UTF8.self) else { throw unsafe("PAX mtime is not UTF-8") }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let secondsText = parts.first, let seconds = Int64(secondsText) else { throw unsafe("PAX mtime malformed") }
        var nanoseconds: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1].prefix(9)
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw unsafe("PAX mtime malformed") }
            nanoseconds = Int64(digits.padding(toLength: 9, withPad: "0", startingAt: 0)) ?? 0
        }
        return (seconds, nanoseconds)
    }

    static func unsafe(_ message: String) -> ImageStoreError {
        ImageStoreError(.unsafeLayer, message)
    }
}
