/// Reads GNU tar's verbose listing (`tar --list --verbose --numeric-owner
/// --quoting-style=c --absolute-names`), whose names are C-quoted so that spaces,
/// newlines and ` -> ` inside names cannot be confused with the layout:
///
///     -rw-r--r-- 0/0     6 2024-01-01 00:00 "a b.txt"
///     lrwxrwxrwx 0/0     0 2024-01-01 00:00 "link" -> "target"
///     hrw-r--r-- 0/0     0 2024-01-01 00:00 "b" link to "a b.txt"
enum TarListing {
    static func parse(_ text: String) throws(PodNetworkingError) -> [ArchiveEntry] {
        var entries: [ArchiveEntry] = []
        for line in text.split(separator: "\n") where !line.isEmpty {
            entries.append(try parseLine(Array(line.utf8), original: String(line)))
        }
        return entries
    }

    static func parseLine(_ bytes: [UInt8], original: String) throws(PodNetworkingError) -> ArchiveEntry {
        func bad() -> PodNetworkingError {
            PodNetworkingError(.unsafeArchive, "unreadable tar listing line: \(original.prefix(200))")
        }
        guard let quote = bytes.firstIndex(of: UInt8(ascii: "\"")), let type = bytes.first else { throw bad() }
        let fields = bytes[..<quote].split(separator: UInt8(ascii: " "))
        guard fields.count >= 5 else { throw bad() }
        let size = Int64(String(decoding: fields[2], as: UTF8.self)) ?? 0
        var index = quote
        let name = try quoted(bytes, &index, bad)
        let rest = String(decoding: bytes[index...], as: UTF8.self)
        let kind: ArchiveEntry.Kind
        switch type {
        case UInt8(ascii: "-"), UInt8(ascii: "C"):
            kind = .file
        case UInt8(ascii: "d"):
            kind = .directory
        case UInt8(ascii: "l"):
            guard rest.hasPrefix(" -> ") else { throw bad() }
            index += 4
            kind = .symlink(target: try quoted(bytes, &index, bad))
        case UInt8(ascii: "h"):
            guard rest.hasPrefix(" link to ") else { throw bad() }
            index += 9
            kind = .hardLink(target: try quoted(bytes, &index, bad))
        case UInt8(ascii: "c"): kind = .other("character device")
        case UInt8(ascii: "b"): kind = .other("block device")
        case UInt8(ascii: "p"): kind = .other("FIFO")
        case UInt8(ascii: "s"): kind = .other("socket")
        default: kind = .other("tar entry of type '\(Character(Unicode.Scalar(type)))'")
        }
        return ArchiveEntry(name: name, kind: kind, size: kind == .file ? size : 0)
    }

    /// Decodes a C-quoted string starting at `index` (the opening quote); leaves `index`
    /// after the closing quote.
    static func quoted(_ bytes: [UInt8], _ index: inout Int, _ bad: () -> PodNetworkingError) throws(PodNetworkingError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw bad() }
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard index < bytes.count else { throw bad() }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "v"): out.append(0x0b)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escape - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[index]) {
                    value = value * 8 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            default: out.append(escape)
            }
        }
        throw bad()
    }
}
