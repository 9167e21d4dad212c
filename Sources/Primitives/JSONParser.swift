/// A strict RFC 8259 parser over UTF-8 bytes that reports positions and Jackson-style
/// messages.
///
/// Strict: no comments, no trailing commas, no single quotes, no `NaN`, no leading zeros,
/// no unescaped control characters, nothing but whitespace after the value. Tolerant: a
/// UTF-8 byte-order mark is skipped and duplicate keys keep the last value.
struct JSONParser {
    /// Deeper documents are refused so that a hostile body cannot exhaust the stack.
    static let maximumDepth = 256

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a whole document.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
            lineStart = 3
        }
        skipWhitespace()
        guard index < bytes.count else {
            throw error("No content to map due to end-of-input")
        }
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw error("Unexpected character (\(describeCharacter(at: index))): expected end-of-input after the JSON value")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else {
            throw error("Unexpected end-of-input: expected a value")
        }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"),
             UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return try parseKeyword()
        default:
            throw error("Unexpected character (\(describeCharacter(at: index))): expected a valid value "
                + "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
        }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        let start = position()
        try enterContainer()
        index += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput(container: "OBJECT", start: start) }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("Unexpected character (\(describeCharacter(at: index))): "
                    + "was expecting double-quote to start field name")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput(container: "OBJECT", start: start) }
            guard bytes[index] == UInt8(ascii: ":") else {
                throw error("Unexpected character (\(describeCharacter(at: index))): "
                    + "was expecting a colon to separate field name and value")
            }
            index += 1
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput(container: "OBJECT", start: start) }
            object[key] = try parseValue()
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput(container: "OBJECT", start: start) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(object)
            default:
                throw error("Unexpected character (\(describeCharacter(at: index))): "
                    + "was expecting comma to separate Object entries")
            }
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        let start = position()
        try enterContainer()
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput(container: "ARRAY", start: start) }
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw endOfInput(container: "ARRAY", start: start) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            default:
                throw error("Unexpected character (\(describeCharacter(at: index))): "
                    + "was expecting comma to separate Array entries")
            }
        }
    }

    private mutating func enterContainer() throws(JSONSyntaxError) {
        depth += 1
        if depth > JSONParser.maximumDepth {
            throw error("Document nesting depth (\(depth)) exceeds the maximum allowed (\(JSONParser.maximumDepth))")
        }
    }

    private mutating func parseKeyword() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        while index < bytes.count, isTokenCharacter(bytes[index]) { index += 1 }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        switch token {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default:
            let failure = JSONSyntaxError(
                message: "Unrecognized token '\(token)': was expecting "
                    + "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                line: line, column: start - lineStart + 1, offset: start)
            throw failure
        }
    }

    private func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"),
             UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = index
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw numberError("expected digit (0-9) to follow minus sign, for valid numeric value")
            }
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw error("Invalid numeric value: Leading zeroes not allowed")
            }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw numberError("Decimal point not followed by a digit")
            }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw numberError("Exponent indicator not followed by a digit")
            }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, isTokenCharacter(bytes[index]) {
            throw numberError("expected digit, decimal point or exponent")
        }
        return JSONNumber(parsedLiteral: String(decoding: bytes[start..<index], as: UTF8.self))
    }

    private func numberError(_ problem: String) -> JSONSyntaxError {
        if index < bytes.count {
            return error("Unexpected character (\(describeCharacter(at: index))) in numeric value: \(problem)")
        }
        return error("Unexpected end-of-input in numeric value: \(problem)")
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: - Strings

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flush(_ parser: JSONParser, upTo end: Int) {
            if end > runStart {
                scalars.append(contentsOf: String(decoding: parser.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard index < bytes.count else {
                throw error("Unexpected end-of-input: was expecting closing quote for a string value")
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                flush(self, upTo: index)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(self, upTo: index)
                index += 1
                scalars.append(try parseEscape())
                runStart = index
            case 0..<0x20:
                throw error("Illegal unquoted character ((CTRL-CHAR, code \(byte))): "
                    + "has to be escaped using backslash to be included in string value")
            case 0x80...:
                try skipUTF8Sequence()
            default:
                index += 1
            }
        }
    }

    private mutating func parseEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        guard index < bytes.count else {
            throw error("Unexpected end-of-input in character escape sequence")
        }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try parseHexQuad()
            if (0xD800...0xDBFF).contains(first) {
                // A high surrogate combines with a following \uDC00-\uDFFF escape.
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    let save = index
                    index += 2
                    let second = try parseHexQuad()
                    if (0xDC00...0xDFFF).contains(second) {
                        let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                        return Unicode.Scalar(combined) ?? "\u{FFFD}"
                    }
                    index = save
                }
                return "\u{FFFD}"
            }
            return Unicode.Scalar(first) ?? "\u{FFFD}"
        default:
            index -= 1
            throw error("Unrecognized character escape \(describeCharacter(at: index))")
        }
    }

    private mutating func parseHexQuad() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else {
                throw error("Unexpected end-of-input in character escape sequence")
            }
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default:
                throw error("Unexpected character (\(describeCharacter(at: index))): "
                    + "expected a hex-digit for character escape sequence")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Checks one multi-byte UTF-8 sequence starting at `index` and steps over it.
    private mutating func skipUTF8Sequence() throws(JSONSyntaxError) {
        let lead = bytes[index]
        let length: Int
        let minimum: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80
        case 0xE0...0xEF: length = 3; minimum = 0x800
        case 0xF0...0xF4: length = 4; minimum = 0x10000
        default:
            throw error("Invalid UTF-8 start byte 0x\(String(lead, radix: 16))")
        }
        var scalar = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            guard index + offset < bytes.count else {
                throw error("Unexpected end-of-input in UTF-8 character")
            }
            let next = bytes[index + offset]
            guard next & 0xC0 == 0x80 else {
                throw error("Invalid UTF-8 middle byte 0x\(String(next, radix: 16))")
            }
            scalar = scalar << 6 | UInt32(next & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
            throw error("Invalid UTF-8 character 0x\(String(scalar, radix: 16))")
        }
        index += length
    }

    // MARK: - Whitespace and errors

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            default:
                return
            }
        }
    }

    private func position() -> (line: Int, column: Int) {
        (line, index - lineStart + 1)
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, line: line, column: index - lineStart + 1, offset: index)
    }

    private func endOfInput(container: String, start: (line: Int, column: Int)) -> JSONSyntaxError {
        error("Unexpected end-of-input: expected close marker for \(container) "
            + "(start marker at [Source: (request body); line: \(start.line), column: \(start.column)])")
    }

    /// Jackson's rendering of an offending character: `'}' (code 125)`.
    private func describeCharacter(at position: Int) -> String {
        let byte = bytes[position]
        if byte < 0x20 || byte == 0x7F {
            return "(CTRL-CHAR, code \(byte))"
        }
        if byte < 0x80 {
            return "'\(Character(Unicode.Scalar(byte)))' (code \(byte))"
        }
        let end = min(bytes.count, position + 4)
        let decoded = String(decoding: bytes[position..<end], as: UTF8.self)
        if let scalar = decoded.unicodeScalars.first, scalar != "\u{FFFD}" {
            return "'\(Character(scalar))' (code \(scalar.value) / 0x\(String(scalar.value, radix: 16)))"
        }
        return "(code 0x\(String(byte, radix: 16)))"
    }
}
