/// Durations as Mesos (stout) writes them in flags and environment variables:
/// `<decimal><unit>` with unit `ns us ms secs mins hrs days weeks` (e.g. `5secs`,
/// `1.5mins`, `100ms`).
public enum MesosDuration {
    /// The units, smallest first, with their length in nanoseconds.
    private static let units: [(name: String, nanos: Int64)] = [
        ("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("secs", 1_000_000_000),
        ("mins", 60_000_000_000), ("hrs", 3_600_000_000_000), ("days", 86_400_000_000_000),
        ("weeks", 604_800_000_000_000),
    ]

    /// Parses a duration, or returns nil when the text is not one. The grammar is
    /// stout's: decimal digits and `.` (no sign, exponent or hex), then exactly one unit.
    /// Surrounding whitespace is tolerated.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unitName = trimmed.dropFirst(number.count)
        guard !number.isEmpty, number.contains(where: { $0 != "." }),
              let unit = units.first(where: { $0.name == unitName }),
              let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let nanos = value * Double(unit.nanos)
        guard nanos < 9.2e18 else { return nil }
        return .nanoseconds(Int64(nanos.rounded()))
    }

    /// Formats a duration the way stout prints it: in the largest unit not larger than
    /// the duration, unless the value is fractional there and whole one unit down
    /// (`90secs`, not `1.5mins`); a fractional value gets up to 15 significant digits
    /// (`1.234567ms`, not a value rounded to 3 decimals). Negative: a leading `-`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        // Whole nanoseconds, as stout keeps them (saturating like Duration::max()).
        let (secNanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = secNanos.addingReportingOverflow(attoseconds / 1_000_000_000)
        var nanos: Int64 = overflow || overflow2 ? (seconds < 0 ? Int64.min : Int64.max) : total
        var sign = ""
        if nanos < 0 {
            sign = "-"
            nanos = nanos == Int64.min ? Int64.max : -nanos
        }
        // The bucket: the largest unit <= the duration (ns for anything below 1us).
        var index = units.count - 1
        while index > 0 && nanos < units[index].nanos { index -= 1 }
        if index > 0 && nanos % units[index].nanos != 0 && nanos % units[index - 1].nanos == 0 {
            index -= 1
        }
        return sign + decimal(nanos, dividedBy: units[index].nanos) + units[index].name
    }

    /// `numerator / denominator` (both > 0, quotient >= 1) in decimal with 15 significant
    /// digits at most, rounded half up, trailing zeros dropped: C++'s default output of
    /// the double at `digits10` precision, computed exactly.
    private static func decimal(_ numerator: Int64, dividedBy denominator: Int64) -> String {
        var integer = numerator / denominator
        var remainder = numerator % denominator
        guard remainder != 0 else { return String(integer) }
        var fraction: [Int64] = []
        for _ in 0..<max(0, 15 - String(integer).count) {
            remainder *= 10  // remainder < denominator <= 1 week in ns: no overflow
            fraction.append(remainder / denominator)
            remainder %= denominator
        }
        if remainder * 2 >= denominator {
            var i = fraction.count - 1
            while i >= 0 && fraction[i] == 9 { fraction[i] = 0; i -= 1 }
            if i >= 0 { fraction[i] += 1 } else { integer += 1 }
        }
        while fraction.last == 0 { fraction.removeLast() }
        return fraction.isEmpty ? String(integer) : String(integer) + "." + fraction.map(String.init).joined()
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: CharacterSetLike) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

/// A tiny stand-in for Foundation's CharacterSet so this file needs no Foundation.
fileprivate struct CharacterSetLike {
    static let whitespaces = CharacterSetLike()
    func contains(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
}
