/// Durations as Mesos (stout) writes them in flags and environment variables:
/// `<decimal><unit>` with unit `ns us ms secs mins hrs days weeks` (e.g. `5secs`,
/// `1.5mins`, `100ms`).
public enum MesosDuration {
    private static let units: [(String, Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("secs", 1), ("mins", 60),
        ("hrs", 3600), ("days", 86400), ("weeks", 604800),
    ]

    /// Parses a duration, or returns nil when the text is not one.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Longest units first: "15mins" also ends in "ns".
        for (unit, seconds) in units.sorted(by: { $0.0.count > $1.0.count }) where trimmed.hasSuffix(unit) {
            let number = trimmed.dropLast(unit.count)
            guard !number.isEmpty, let value = Double(number), value.isFinite, value >= 0 else { return nil }
            let nanos = value * seconds * 1e9
            guard nanos < 9.2e18 else { return nil }
            return .nanoseconds(Int64(nanos.rounded()))
        }
        return nil
    }

    /// Formats a duration the way stout prints it (`5secs`, `100ms`, `15mins`).
    public static func format(_ duration: Duration) -> String {
        let nanos = Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
        for (unit, seconds) in units.reversed() where nanos >= seconds * 1e9 {
            let value = nanos / (seconds * 1e9)
            if value == value.rounded() { return "\(Int64(value))\(unit)" }
            if unit == "ns" { return "\(Int64(value))ns" }
            let rounded = (value * 1000).rounded() / 1000
            return "\(rounded)\(unit)"
        }
        return "0ns"
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
