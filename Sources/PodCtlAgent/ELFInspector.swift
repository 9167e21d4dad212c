import PodSystem

/// Reads just enough of an ELF file to tell a static executable from a dynamic one.
enum ELFInspector {
    /// True for a 64-bit little-endian ELF without a program interpreter (`PT_INTERP`),
    /// false with one, nil for anything else.
    static func isStaticExecutable(_ path: String) -> Bool? {
        guard let bytes = try? FileContents.bytes(path, limit: 64 << 20), bytes.count >= 64,
              bytes[0] == 0x7F, bytes[1] == UInt8(ascii: "E"), bytes[2] == UInt8(ascii: "L"), bytes[3] == UInt8(ascii: "F"),
              bytes[4] == 2, bytes[5] == 1 else { return nil }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u64(_ at: Int) -> Int {
            var value = 0
            for i in 0..<8 { value |= Int(bytes[at + i]) << (8 * i) }
            return value
        }
        let phoff = u64(32)
        let phentsize = u16(54)
        let phnum = u16(56)
        guard phentsize >= 4, phoff > 0, phoff < bytes.count, phnum < 65536 else { return nil }
        for i in 0..<phnum {
            let at = phoff + i * phentsize
            guard at + 4 <= bytes.count else { return nil }
            let type = Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
            if type == 3 { return false }  // PT_INTERP
        }
        return true
    }
}
