#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How ``JSONValue`` writes itself.
public struct JSONWriting: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Object members in key order instead of their own order (stable text to compare or cache).
    public static let sortedKeys = JSONWriting(rawValue: 1 << 0)
    /// Two spaces per level, `"key": value`, one member or element a line; empty containers
    /// stay `{}` and `[]`.
    public static let prettyPrinted = JSONWriting(rawValue: 1 << 1)
    /// Integral numbers as integers (`1.0` → `1`) and other numbers in Swift's shortest form,
    /// instead of their literal text.
    public static let plainNumbers = JSONWriting(rawValue: 1 << 2)
}

extension JSONValue {
    /// Parses a JSON document.
    ///
    /// - Throws: `JSONSyntaxError` for anything that is not a single well-formed JSON value.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try JSONParser.parse(bytes)
    }

    /// Parses a JSON document.
    public static func parse(_ data: Data) throws(JSONSyntaxError) -> JSONValue {
        try JSONParser.parse(Array(data))
    }

    /// Parses a JSON document from text.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    /// Compact JSON text (no insignificant whitespace), members in order.
    public var jsonString: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// Compact JSON as UTF-8 bytes.
    public var jsonData: Data { Data(jsonBytes) }

    /// Compact JSON as UTF-8 bytes (written byte-wise: large documents such as
    /// `/v2/pods/::status` with a thousand pods are rendered per request).
    public var jsonBytes: [UInt8] { jsonBytes([]) }

    /// JSON as UTF-8 bytes, written as `options` say.
    public func jsonBytes(_ options: JSONWriting) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output, options: options, indent: 0)
        return output
    }

    /// JSON text, written as `options` say.
    public func jsonString(_ options: JSONWriting) -> String {
        String(decoding: jsonBytes(options), as: UTF8.self)
    }

    private func write(to output: inout [UInt8], options: JSONWriting, indent: Int) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let number):
            output.append(contentsOf: (options.contains(.plainNumbers) ? number.plainText : number.literal).utf8)
        case .string(let string):
            JSONValue.writeString(string, to: &output)
        case .array(let elements):
            writeContainer(elements, open: "[", close: "]", to: &output, options: options, indent: indent) { element, output in
                element.write(to: &output, options: options, indent: indent + 2)
            }
        case .object(let object):
            let members = options.contains(.sortedKeys) ? object.members.sorted { $0.key < $1.key } : object.members
            let separator: [UInt8] = options.contains(.prettyPrinted) ? [UInt8(ascii: ":"), UInt8(ascii: " ")] : [UInt8(ascii: ":")]
            writeContainer(members, open: "{", close: "}", to: &output, options: options, indent: indent) { member, output in
                JSONValue.writeString(member.key, to: &output)
                output.append(contentsOf: separator)
                member.value.write(to: &output, options: options, indent: indent + 2)
            }
        }
    }

    private func writeContainer<Element>(_ elements: [Element], open: Unicode.Scalar, close: Unicode.Scalar,
                                         to output: inout [UInt8], options: JSONWriting, indent: Int,
                                         element write: (Element, inout [UInt8]) -> Void) {
        output.append(UInt8(ascii: open))
        let pretty = options.contains(.prettyPrinted) && !elements.isEmpty
        for (position, element) in elements.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            if pretty {
                output.append(0x0A)
                output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent + 2))
            }
            write(element, &output)
        }
        if pretty {
            output.append(0x0A)
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
        }
        output.append(UInt8(ascii: close))
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Writes `string` as a JSON string literal: quotes, backslashes and control characters
    /// escaped, everything else (multi-byte UTF-8 included) as it is.
    static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

extension JSONNumber {
    /// An integer when the value is integral and fits in 64 bits, else Swift's shortest text of
    /// the double (`null` for what JSON cannot hold).
    var plainText: String {
        if let exactInteger { return String(exactInteger) }
        return doubleValue.isFinite ? "\(doubleValue)" : "null"
    }
}
