import Foundation
import SwiftProtobuf

/// The two encodings every Mesos v1 HTTP API speaks. The media types are compared by
/// string equality, exactly as the agent and master do (`application/json; charset=utf-8`
/// is a 415 there).
public enum MesosEncoding: String, Sendable, CaseIterable {
    case json = "application/json"
    case protobuf = "application/x-protobuf"

    /// The `Content-Type`/`Accept` value.
    public var mediaType: String { rawValue }

    /// Parses an exact media type; anything else is nil.
    public init?(mediaType: String) {
        self.init(rawValue: mediaType)
    }

    /// Chooses the stream encoding from an `Accept` header the way the agent does:
    /// JSON when acceptable (also when the header is absent or `*/*`), else protobuf,
    /// else nil (406).
    public static func negotiate(accept: String?) -> MesosEncoding? {
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return .json }
        var ranges: [(String, Double)] = []
        for part in accept.split(separator: ",") {
            let pieces: [String] = part.split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) }
            var q: Double = 1.0
            for p in pieces.dropFirst() where p.hasPrefix("q=") {
                q = Double(String(p.dropFirst(2))) ?? 1.0
            }
            let range: String = pieces.first?.lowercased() ?? ""
            ranges.append((range, q))
        }
        func accepts(_ type: String) -> Bool {
            ranges.contains { range, q in
                q > 0 && (range == type || range == "*/*" || range == "application/*")
            }
        }
        if accepts(MesosEncoding.json.rawValue) { return .json }
        if accepts(MesosEncoding.protobuf.rawValue) { return .protobuf }
        return nil
    }

    /// Serializes a message in this encoding. JSON uses proto field names (Mesos matches
    /// keys by proto name), enums as names and bytes as padded base64.
    public func encode(_ message: some SwiftProtobuf.Message) throws -> [UInt8] {
        switch self {
        case .protobuf:
            return try message.serializedBytes()
        case .json:
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            return try message.jsonUTF8Bytes(options: options)
        }
    }

    /// Parses a message in this encoding. Unknown JSON keys are ignored as Mesos does;
    /// `required` fields must be present.
    public func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from bytes: some Collection<UInt8>) throws -> M {
        switch self {
        case .protobuf:
            return try M(serializedBytes: Array(bytes))
        case .json:
            var options = JSONDecodingOptions()
            options.ignoreUnknownFields = true
            let cleaned = MesosJSON.quoteNonFiniteNumbers(Array(bytes))
            return try M(jsonUTF8Bytes: cleaned, options: options)
        }
    }
}

/// Mesos' own JSON dialect beyond what swift-protobuf reads.
public enum MesosJSON {
    /// Mesos writes infinite doubles as bare `Infinity`/`-Infinity` tokens (rapidjson's
    /// kWriteNanAndInfFlag), which is not JSON. Turn them, and `NaN`, into the quoted
    /// forms the protobuf JSON parser accepts. Strings are left untouched.
    public static func quoteNonFiniteNumbers(_ bytes: [UInt8]) -> [UInt8] {
        // Fast path: no capital I or N outside strings means nothing to do.
        guard bytes.contains(UInt8(ascii: "I")) || bytes.contains(UInt8(ascii: "N")) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var inString = false
        var escaped = false
        var i = 0
        let infinity = Array("Infinity".utf8)
        let nan = Array("NaN".utf8)
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                out.append(b)
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") {
                inString = true
                out.append(b)
                i += 1
                continue
            }
            var token: [UInt8]?
            var negative = false
            if b == UInt8(ascii: "-"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "I") {
                negative = true
            }
            let start = negative ? i + 1 : i
            if start + infinity.count <= bytes.count, Array(bytes[start..<start + infinity.count]) == infinity {
                token = infinity
            } else if !negative, start + nan.count <= bytes.count, Array(bytes[start..<start + nan.count]) == nan {
                token = nan
            }
            if let token {
                out.append(UInt8(ascii: "\""))
                if negative { out.append(UInt8(ascii: "-")) }
                out.append(contentsOf: token)
                out.append(UInt8(ascii: "\""))
                i = start + token.count
                continue
            }
            out.append(b)
            i += 1
        }
        return out
    }
}
