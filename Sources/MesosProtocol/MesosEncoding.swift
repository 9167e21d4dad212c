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
        if accepts(accept, MesosEncoding.json.rawValue) { return .json }
        if accepts(accept, MesosEncoding.protobuf.rawValue) { return .protobuf }
        return nil
    }

    /// libprocess' `Request::acceptsMediaType`: no header accepts everything; otherwise
    /// the candidates `type/subtype`, `type/*`, `*/*` are tried in that order, and the
    /// first header entry naming the first candidate that appears decides alone: accepted
    /// unless it carries exactly one `q` parameter that is not a number > 0. So
    /// `application/json;q=0, */*` does not accept JSON, and an empty header accepts nothing.
    static func accepts(_ accept: String?, _ mediaType: String) -> Bool {
        guard let accept else { return true }
        let cleaned = accept.filter { $0 != " " && $0 != "\t" && $0 != "\n" }
        let entries = cleaned.split(separator: ",")
        let type = mediaType.split(separator: "/")[0]
        for candidate in [mediaType, type + "/*", "*/*"] {
            for entry in entries {
                let tokens = entry.split(separator: ";")
                guard let range = tokens.first, range.lowercased() == candidate.lowercased() else { continue }
                let qs = tokens.compactMap { token -> Substring? in
                    let pair = token.split(separator: "=")
                    return pair.count == 2 && pair[0] == "q" ? pair[1] : nil
                }
                guard qs.count == 1 else { return true }  // no q, or several: accepted
                guard let q = Double(qs[0]), q.isFinite else { return false }
                return q > 0
            }
        }
        return false
    }

    /// Serializes a message in this encoding. JSON uses proto field names (Mesos matches
    /// keys by proto name), enums as names and bytes as padded base64.
    public func encode(_ message: some SwiftProtobuf.Message) throws -> [UInt8] {
        switch self {
        case .protobuf:
            return try message.serializedBytes()
        case .json:
            // Mesos rejects uninitialized messages in either encoding; swift-protobuf's
            // JSON encoder does not check `required` fields, so check like `serializedBytes()`.
            guard message.isInitialized else {
                throw MesosEncodingError.missingRequiredFields(messageName: type(of: message).protoMessageName)
            }
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
            let cleaned = MesosJSON.ignoringJSONNames(MesosJSON.quoteNonFiniteNumbers(Array(bytes)))
            let message = try M(jsonUTF8Bytes: cleaned, options: options)
            // swift-protobuf's JSON decoder does not enforce proto2 `required` fields.
            guard message.isInitialized else {
                throw MesosEncodingError.missingRequiredFields(messageName: M.protoMessageName)
            }
            return message
        }
    }
}

/// Errors of `MesosEncoding` beyond those of swift-protobuf.
public enum MesosEncodingError: Error, Equatable {
    /// A JSON message lacks a proto2 `required` field (Mesos: "Missing required fields").
    /// The protobuf encoding reports this as `BinaryDecodingError/BinaryEncodingError.missingRequiredFields`.
    case missingRequiredFields(messageName: String)
}

/// Mesos' own JSON dialect beyond what swift-protobuf reads.
public enum MesosJSON {
    /// Names of the `map<>` fields of the Mesos v1 protos: the keys of these JSON objects
    /// are map keys (data), not field names.
    static let mapFieldNames: Set<[UInt8]> = Set([
        "limits", "offer_filters", "quantities", "guarantees", "role_constraints",
        "node_stage_secrets", "node_publish_secrets", "volume_context",
    ].map { Array($0.utf8) })

    /// Mesos matches JSON keys against proto field names only; swift-protobuf also
    /// accepts the lowerCamelCase JSON names (`executorId`). The field names of our protos
    /// are lower-case snake_case (upstream has upper-case ones only in the operator API's
    /// `*Statistics` messages; `tools/check_protos.py` checks our subset), so a key with an
    /// upper-case ASCII letter (also one written as a `\u` escape) is never one: rename such
    /// keys so that they are ignored as unknown, as Mesos ignores them. Keys of `map<>`
    /// fields are left alone. Input that is not JSON is passed on for the parser to reject.
    public static func ignoringJSONNames(_ bytes: [UInt8]) -> [UInt8] {
        // Fast path: no key-like upper-case letter or escape at all.
        guard bytes.contains(where: { ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x5C }) else { return bytes }
        struct Frame { var isObject: Bool; var isMap: Bool; var expectKey: Bool }
        var stack: [Frame] = []
        var lastKey: ArraySlice<UInt8> = []
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""):
                // Copy the whole string, remembering whether it is a key.
                var j = i + 1
                var needsRename = false
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\") {
                        // `\u0041`-style escapes of upper-case letters count as such.
                        if j + 5 < bytes.count, bytes[j + 1] == UInt8(ascii: "u"),
                           let unit = UInt16(String(decoding: bytes[(j + 2)..<(j + 6)], as: UTF8.self), radix: 16),
                           unit >= 0x41 && unit <= 0x5A {
                            needsRename = true
                        }
                        j += 1
                    } else if bytes[j] >= 0x41 && bytes[j] <= 0x5A {
                        needsRename = true
                    }
                    j += 1
                }
                let end = min(j + 1, bytes.count)
                if let top = stack.last, top.isObject, top.expectKey {
                    lastKey = bytes[(i + 1)..<max(i + 1, min(j, bytes.count))]
                    if needsRename && !top.isMap {
                        out.append(UInt8(ascii: "\""))
                        out.append(contentsOf: "mesos-ignored:".utf8)
                        out.append(contentsOf: bytes[(i + 1)..<end])
                        i = end
                        continue
                    }
                }
                out.append(contentsOf: bytes[i..<end])
                i = end
                continue
            case UInt8(ascii: "{"):
                let parentIsMap = stack.last?.isMap ?? false
                let isMap = !parentIsMap && stack.last?.isObject == true && mapFieldNames.contains(Array(lastKey))
                stack.append(Frame(isObject: true, isMap: isMap, expectKey: true))
            case UInt8(ascii: "["):
                stack.append(Frame(isObject: false, isMap: false, expectKey: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                lastKey = []
            case UInt8(ascii: ":"):
                if !stack.isEmpty { stack[stack.count - 1].expectKey = false }
            case UInt8(ascii: ","):
                if !stack.isEmpty, stack[stack.count - 1].isObject { stack[stack.count - 1].expectKey = true }
            default:
                break
            }
            out.append(b)
            i += 1
        }
        return out
    }

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
