import Foundation

extension JSONValue {
    /// The value as indented JSON text with sorted keys (two spaces per level, as
    /// `dcos marathon pod show` prints), without a trailing newline.
    public var prettyText: String {
        var text = ""
        write(to: &text, indent: 0)
        return text
    }

    /// The value as compact JSON text with sorted keys.
    public var compactText: String {
        var text = ""
        writeCompact(to: &text)
        return text
    }

    private func write(to text: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent + 2)
        let closingPad = String(repeating: " ", count: indent)
        switch self {
        case .array(let array) where !array.isEmpty:
            text += "[\n"
            for (index, element) in array.enumerated() {
                text += pad
                element.write(to: &text, indent: indent + 2)
                text += index < array.count - 1 ? ",\n" : "\n"
            }
            text += closingPad + "]"
        case .object(let object) where !object.isEmpty:
            text += "{\n"
            let keys = object.keys.sorted()
            for (index, key) in keys.enumerated() {
                text += pad + Self.quoted(key) + ": "
                object[key]?.write(to: &text, indent: indent + 2)
                text += index < keys.count - 1 ? ",\n" : "\n"
            }
            text += closingPad + "}"
        default:
            writeCompact(to: &text)
        }
    }

    private func writeCompact(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let bool): text += bool ? "true" : "false"
        case .number(let number):
            if let int = intValue {
                text += String(int)
            } else {
                text += number.isFinite ? String(number) : "null"
            }
        case .string(let string): text += Self.quoted(string)
        case .array(let array):
            text += "["
            for (index, element) in array.enumerated() {
                if index > 0 { text += "," }
                element.writeCompact(to: &text)
            }
            text += "]"
        case .object(let object):
            text += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                text += Self.quoted(key) + ":"
                object[key]?.writeCompact(to: &text)
            }
            text += "}"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
