/// Hand-written matchers for the regular expressions of Marathon's RAML types (exactly the
/// same languages, without backtracking).
enum TextPatterns {
    /// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` (RAML `Name`).
    static func isName(_ text: String) -> Bool {
        isLabel(text, allowUnderscore: false)
    }

    /// `^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$` (RAML `NetworkName`).
    static func isNetworkName(_ text: String) -> Bool {
        isLabel(text, allowUnderscore: true)
    }

    /// `^[a-zA-Z_][a-zA-Z0-9_]{0,253}?$` (environment variable names).
    static func isEnvVarName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 254, isLetter(first) || first == UInt8(ascii: "_") else {
            return false
        }
        return bytes.dropFirst().allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// The RAML `PathId` pattern
    /// `^(\/?((\.\.)|(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9]))?($|\/))+$`:
    /// slash-separated pieces, each empty, `..`, or dot-separated names.
    static func isPathId(_ text: String) -> Bool {
        text.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { piece in
            piece.isEmpty || piece == ".." || isDottedName(Substring(piece))
        }
    }

    /// Marathon's id segment rule: dot-separated names, or `.` / `..`.
    static func isIdSegment(_ segment: String) -> Bool {
        segment == "." || segment == ".." || isDottedName(Substring(segment))
    }

    /// `(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])`.
    private static func isDottedName(_ text: Substring) -> Bool {
        text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            isLabel(String(part), allowUnderscore: false)
        }
    }

    /// IS constraint values: `^[a-zA-Z0-9_/.-]*$`.
    static func isMesosTextOrFloat(_ text: String) -> Bool {
        text.utf8.allSatisfy { byte in
            isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "/")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }

    /// Java's `Integer.parseInt` (optional sign, decimal digits, 32-bit range).
    static func isJavaInt(_ text: String) -> Bool {
        var digits = Substring(text)
        if let first = digits.first, first == "+" || first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return false }
        return Int32(text.hasPrefix("+") ? String(text.dropFirst()) : text) != nil
    }

    private static func isLabel(_ text: String, allowUnderscore: Bool) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last,
              isLowerAlphanumeric(first), isLowerAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy { byte in
            isLowerAlphanumeric(byte) || byte == UInt8(ascii: "-") || (allowUnderscore && byte == UInt8(ascii: "_"))
        }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || isDigit(byte)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
