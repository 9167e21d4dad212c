/// A JSON number that keeps its literal text, so integers stay exact and doubles render
/// the way the Marathon API renders them (Jackson / Java `Double.toString`: `32.0`, `1.15`,
/// `1.0E-4`).
public struct JSONNumber: Sendable, CustomStringConvertible {
    /// The literal text (as parsed, or as it will be rendered).
    public let literal: String
    /// The value as a double (may be infinite for literals beyond the double range).
    public let doubleValue: Double
    /// The exact integer value when the literal is integral and fits in 64 bits.
    public let exactInteger: Int64?

    /// An integer number.
    public init(_ value: Int) {
        literal = String(value)
        doubleValue = Double(value)
        exactInteger = Int64(value)
    }

    /// An integer number.
    public init(_ value: Int64) {
        literal = String(value)
        doubleValue = Double(value)
        exactInteger = value
    }

    /// A double, rendered like Java's `Double.toString`.
    public init(_ value: Double) {
        literal = JSONNumber.javaString(value)
        doubleValue = value
        exactInteger = nil
    }

    /// A number parsed from a JSON literal (the caller has checked the grammar).
    init(parsedLiteral text: String) {
        literal = text
        doubleValue = Double(text) ?? .nan
        exactInteger = JSONNumber.integralValue(of: text)
    }

    /// The literal text.
    public var description: String { literal }

    /// The value as a 32-bit integer, if it is integral and in range (Play's `isValidInt`,
    /// which also accepts `1.0` and `1e2`).
    public var int32Value: Int32? {
        guard let exact = exactInteger else { return nil }
        return Int32(exactly: exact)
    }

    /// The value as a 64-bit integer, if it is integral and in range.
    public var int64Value: Int64? { exactInteger }

    /// The exact integral value of a literal such as `5`, `-5`, `5.0` or `5e2`, if it has one
    /// that fits in 64 bits.
    private static func integralValue(of text: String) -> Int64? {
        if let plain = Int64(text) { return plain }
        guard let double = Double(text), double.isFinite, double.rounded() == double,
              abs(double) < 9.2e18
        else { return nil }
        return Int64(exactly: double)
    }

    /// Java's `Double.toString` layout over the shortest round-trip digits: plain notation
    /// with at least one fractional digit for magnitudes in [1e-3, 1e7), otherwise
    /// `d.dddE±n`.
    public static func javaString(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let sign = value < 0 ? "-" : ""
        let magnitude = Swift.abs(value)
        var (digits, pointPosition) = decimalDigits(of: magnitude)
        if digits.isEmpty { digits = "0"; pointPosition = 1 }
        if magnitude >= 1e-3 && magnitude < 1e7 {
            if pointPosition <= 0 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
            }
            if pointPosition >= digits.count {
                return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            }
            let split = digits.index(digits.startIndex, offsetBy: pointPosition)
            return sign + digits[..<split] + "." + digits[split...]
        }
        let first = digits.prefix(1)
        let rest = digits.dropFirst()
        return sign + first + "." + (rest.isEmpty ? "0" : rest) + "E" + String(pointPosition - 1)
    }

    /// The shortest significant digits of a positive finite double and the position of the
    /// decimal point relative to them (value = 0.DIGITS × 10^pointPosition).
    private static func decimalDigits(of magnitude: Double) -> (digits: String, pointPosition: Int) {
        let text = "\(magnitude)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits = ""
        var pointPosition = 0
        var seenPoint = false
        for character in mantissa {
            if character == "." { seenPoint = true; continue }
            digits.append(character)
            if !seenPoint { pointPosition += 1 }
        }
        pointPosition += exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, pointPosition)
    }
}

extension JSONNumber: Equatable {
    /// Numeric equality (`32` == `32.0`).
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let a = lhs.exactInteger, let b = rhs.exactInteger { return a == b }
        return lhs.doubleValue == rhs.doubleValue
    }
}
