/// One `WWW-Authenticate` challenge (RFC 7235): a case-insensitive scheme and its parameters.
///
/// The parser never splits on `,` blindly: quoted values may contain commas
/// (`scope="repository:a/b:pull,push"`) and backslash escapes, one header may carry several
/// challenges, and several headers may appear.
public struct AuthChallenge: Sendable, Equatable {
    /// The scheme, lowercased (`basic`, `bearer`).
    public let scheme: String
    /// Parameter names lowercased; values unquoted and unescaped.
    public let parameters: [String: String]
    /// A `token68` value when the challenge carried one instead of parameters.
    public let token68: String?

    /// Creates a challenge; the scheme is lowercased.
    public init(scheme: String, parameters: [String: String], token68: String? = nil) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
        self.token68 = token68
    }

    /// The `realm` parameter.
    public var realm: String? { parameters["realm"] }
    /// The `service` parameter (Bearer).
    public var service: String? { parameters["service"] }
    /// The `scope` parameter (Bearer).
    public var scope: String? { parameters["scope"] }
    /// The `error` parameter, e.g. `insufficient_scope`.
    public var error: String? { parameters["error"] }

    /// Parses every challenge in every header value, in order. Malformed input yields what
    /// could be parsed before the damage; it never traps.
    public static func parse(_ headerValues: [String]) -> [AuthChallenge] {
        headerValues.flatMap { parse(header: $0) }
    }

    static func parse(header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == 0x20 || $0 == 0x09 || $0 == 0x2c }
            guard let scheme = scanner.token(), !scheme.isEmpty else { break }
            var parameters: [String: String] = [:]
            var token68: String?
            scanner.skipSpaces()
            // token68 or the first auth-param, or nothing (next challenge / end).
            paramLoop: while !scanner.atEnd {
                let mark = scanner.position
                scanner.skipSpaces()
                if scanner.peek == 0x2c {  // separator: either another param or another challenge
                    scanner.skip { $0 == 0x20 || $0 == 0x09 || $0 == 0x2c }
                }
                let afterSeparator = scanner.position
                guard let name = scanner.token(), !name.isEmpty else {
                    if parameters.isEmpty, token68 == nil, let value = scanner.token68() {
                        token68 = value
                        continue paramLoop
                    }
                    scanner.position = mark
                    break paramLoop
                }
                scanner.skipSpaces()
                guard scanner.peek == 0x3d else {  // no "=": this token starts the next challenge
                    scanner.position = afterSeparator
                    break paramLoop
                }
                // "name=" could also be token68 padding ("abc=="); treat a run of "=" then end/comma as token68.
                scanner.advance()
                scanner.skipSpaces()
                let value: String
                if scanner.peek == 0x22 {
                    value = scanner.quotedString()
                } else if scanner.peek == 0x3d || scanner.atEnd || scanner.peek == 0x2c {
                    if parameters.isEmpty, token68 == nil {
                        let padStart = scanner.position
                        scanner.skip { $0 == 0x3d }
                        token68 = name + String(repeating: "=", count: 1 + scanner.position - padStart)
                        continue paramLoop
                    }
                    value = ""
                } else {
                    value = scanner.token() ?? ""
                }
                parameters[name.lowercased()] = value
            }
            challenges.append(AuthChallenge(scheme: scheme, parameters: parameters, token68: token68))
            if scanner.atEnd { break }
        }
        return challenges
    }

    /// A byte scanner over one header value.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[position] }
        mutating func advance() { position += 1 }

        mutating func skip(while predicate: (UInt8) -> Bool) {
            while let byte = peek, predicate(byte) { position += 1 }
        }

        mutating func skipSpaces() { skip { $0 == 0x20 || $0 == 0x09 } }

        /// RFC 7230 `tchar`.
        static func isTokenChar(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x30...0x39, 0x41...0x5a, 0x61...0x7a: true
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                 UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): true
            default: false
            }
        }

        mutating func token() -> String? {
            let start = position
            skip(while: Self.isTokenChar)
            return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
        }

        /// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
        mutating func token68() -> String? {
            let start = position
            skip { byte in
                switch byte {
                case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                     UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"): true
                default: false
                }
            }
            guard position > start else { return nil }
            skip { $0 == 0x3d }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// A quoted-string starting at `"`; backslash escapes any byte. An unterminated string
        /// ends at the end of the header.
        mutating func quotedString() -> String {
            advance()
            var value: [UInt8] = []
            while let byte = peek {
                advance()
                if byte == 0x22 { break }
                if byte == 0x5c, let escaped = peek {
                    value.append(escaped)
                    advance()
                    continue
                }
                value.append(byte)
            }
            return String(decoding: value, as: UTF8.self)
        }
    }
}
