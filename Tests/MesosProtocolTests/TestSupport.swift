import Foundation
import SwiftProtobuf
import Testing

import MesosProtocol

// MARK: - Golden files

/// The recorded fixtures (copies of `fixtures/mesos-1.12/*.json`) and the reference's JSON
/// examples (`Golden/reference/`), bundled with `.copy("Golden")`.
enum Golden {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "golden file \(name) is not in the test bundle" }
    }

    static var directory: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "Golden", withExtension: nil) else { throw Missing(name: "Golden/") }
            return url
        }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(name: name) }
        return Array(try Data(contentsOf: url))
    }

    static func json(_ name: String) throws -> JSON {
        try JSON(parsing: bytes(name))
    }

    /// Fixture files that hold recorded events (`raw`).
    static let fixtureFiles = [
        "executor-subscribed.json", "executor-launch-group.json", "executor-acknowledged.json",
        "executor-kill.json", "executor-shutdown.json", "executor-message.json",
        "executor-resubscribe.json", "executor-agent-restart.json", "executor-reregistration-timeout.json",
        "scheduler-subscribed.json", "scheduler-offers.json", "scheduler-updates-default-executor.json",
        "scheduler-updates-custom-executor.json", "scheduler-failover.json", "scheduler-errors.json",
        "scheduler-executor-killed.json",
    ]
}

// MARK: - A plain JSON value (read with swift-protobuf's google.protobuf.Value parser)

/// Generic JSON, for reading fixtures and comparing our JSON output with Mesos'.
indirect enum JSON: Equatable, CustomStringConvertible, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(parsing bytes: some Collection<UInt8>) throws {
        self.init(try Google_Protobuf_Value(jsonUTF8Bytes: Array(bytes)))
    }

    init(parsing text: String) throws {
        try self.init(parsing: Array(text.utf8))
    }

    init(_ value: Google_Protobuf_Value) {
        switch value.kind {
        case .nullValue, nil: self = .null
        case .boolValue(let b): self = .bool(b)
        case .numberValue(let n): self = .number(n)
        case .stringValue(let s): self = .string(s)
        case .listValue(let l): self = .array(l.values.map(JSON.init))
        case .structValue(let s): self = .object(s.fields.mapValues(JSON.init))
        }
    }

    subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    subscript(index: Int) -> JSON? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var number: Double? { if case .number(let n) = self { return n }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    var object: [String: JSON]? { if case .object(let o) = self { return o }; return nil }

    /// Compact JSON with sorted keys (for messages and for writing test inputs).
    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
            return "\(n)"
        case .string(let s): return JSON.quote(s)
        case .array(let a): return "[" + a.map(\.description).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSON.quote($0) + ":" + o[$0]!.description }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Every object in this value that has a string member `key`, with its path.
    func objects(havingString key: String, path: String = "$") -> [(path: String, object: [String: JSON])] {
        switch self {
        case .object(let o):
            var found: [(String, [String: JSON])] = []
            if o[key]?.string != nil { found.append((path, o)) }
            for k in o.keys.sorted() {
                found += o[k]!.objects(havingString: key, path: path + "." + k)
            }
            return found
        case .array(let a):
            return a.enumerated().flatMap { i, v in v.objects(havingString: key, path: path + "[\(i)]") }
        default:
            return []
        }
    }
}

/// Compares JSON as Mesos and swift-protobuf write it: the same keys and values, where a
/// numeric string equals the number (swift-protobuf writes 64-bit integers as strings,
/// Mesos as numbers; both read either). Returns the first difference, or nil.
func mesosJSONDifference(_ a: JSON, _ b: JSON, path: String = "$") -> String? {
    switch (a, b) {
    case let (.object(x), .object(y)):
        let onlyX = Set(x.keys).subtracting(y.keys).sorted()
        let onlyY = Set(y.keys).subtracting(x.keys).sorted()
        if !onlyX.isEmpty || !onlyY.isEmpty {
            return "\(path): keys only on the left \(onlyX), only on the right \(onlyY)"
        }
        for k in x.keys.sorted() {
            if let d = mesosJSONDifference(x[k]!, y[k]!, path: path + "." + k) { return d }
        }
        return nil
    case let (.array(x), .array(y)):
        guard x.count == y.count else { return "\(path): \(x.count) elements vs \(y.count)" }
        for i in x.indices {
            if let d = mesosJSONDifference(x[i], y[i], path: path + "[\(i)]") { return d }
        }
        return nil
    case let (.number(x), .string(y)), let (.string(y), .number(x)):
        return Double(y) == x ? nil : "\(path): \(x) vs \"\(y)\""
    default:
        return a == b ? nil : "\(path): \(a) vs \(b)"
    }
}

// MARK: - Messages

extension SwiftProtobuf.Message {
    /// Our JSON encoding, parsed back into generic JSON.
    func mesosJSON() throws -> JSON {
        try JSON(parsing: MesosEncoding.json.encode(self))
    }
}

extension MesosEncoding {
    func decode<M: SwiftProtobuf.Message>(_ type: M.Type, text: String) throws -> M {
        try decode(type, from: Array(text.utf8))
    }
}

// MARK: - Bytes

func base64Bytes(_ text: String) -> [UInt8]? {
    Data(base64Encoded: text).map(Array.init)
}

/// SplitMix64: a small deterministic generator, so every "random" test is reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Removes HTTP/1.1 chunked framing (`hex-size CRLF data CRLF`, ending with a 0 chunk or
/// at the end of the text). Throws on any inconsistency, so it checks the framing too.
func dechunk(_ wire: [UInt8]) throws -> (body: [UInt8], chunkSizes: [Int]) {
    struct BadChunking: Error, CustomStringConvertible {
        let offset: Int
        let why: String
        var description: String { "bad HTTP chunking at \(offset): \(why)" }
    }
    var body: [UInt8] = []
    var sizes: [Int] = []
    var i = 0
    while i < wire.count {
        guard let cr = wire[i...].firstIndex(of: 0x0D), cr + 1 < wire.count, wire[cr + 1] == 0x0A else {
            throw BadChunking(offset: i, why: "no CRLF after the chunk size")
        }
        guard let size = Int(String(decoding: wire[i..<cr], as: UTF8.self), radix: 16) else {
            throw BadChunking(offset: i, why: "chunk size is not hex")
        }
        if size == 0 { break }
        let start = cr + 2
        guard start + size + 2 <= wire.count else { throw BadChunking(offset: start, why: "chunk of \(size) bytes is cut short") }
        guard wire[start + size] == 0x0D, wire[start + size + 1] == 0x0A else {
            throw BadChunking(offset: start + size, why: "chunk data not followed by CRLF")
        }
        body += wire[start..<start + size]
        sizes.append(size)
        i = start + size + 2
    }
    return (body, sizes)
}

/// Feeds `stream` to a fresh decoder in the given pieces and collects every record, draining
/// after each piece; then `finish()`.
func decodeRecords(_ pieces: [ArraySlice<UInt8>], maxRecordSize: Int = 64 << 20) throws(RecordIOError) -> [[UInt8]] {
    var decoder = RecordIODecoder(maxRecordSize: maxRecordSize)
    var records: [[UInt8]] = []
    for piece in pieces {
        decoder.append(piece)
        while let record = try decoder.next() { records.append(record) }
    }
    try decoder.finish()
    return records
}

/// Splits `bytes` at the given cut offsets.
func split(_ bytes: [UInt8], at cuts: [Int]) -> [ArraySlice<UInt8>] {
    var pieces: [ArraySlice<UInt8>] = []
    var start = 0
    for cut in cuts.sorted() where cut > start && cut < bytes.count {
        pieces.append(bytes[start..<cut])
        start = cut
    }
    pieces.append(bytes[start...])
    return pieces
}
