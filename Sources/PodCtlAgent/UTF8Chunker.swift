/// Turns a byte stream into text for an `OutputSink` without splitting a UTF-8 sequence
/// across two writes (a read can end in the middle of one).
struct UTF8Chunker: Sendable {
    private var pending: [UInt8] = []

    /// The text of `bytes` up to the last complete character; the rest waits.
    mutating func text(_ bytes: some Collection<UInt8>) -> String {
        pending.append(contentsOf: bytes)
        let cut = Self.completePrefixLength(pending)
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is left (invalid sequences become U+FFFD).
    mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of `bytes` without a trailing incomplete sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        var continuation = 0
        while i >= 0 && continuation < 3 && bytes[i] & 0xC0 == 0x80 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return bytes.count }
        let lead = bytes[i]
        let needed: Int
        switch lead {
        case 0xC0...0xDF: needed = 1
        case 0xE0...0xEF: needed = 2
        case 0xF0...0xF7: needed = 3
        default: return bytes.count
        }
        return continuation < needed ? i : bytes.count
    }
}
