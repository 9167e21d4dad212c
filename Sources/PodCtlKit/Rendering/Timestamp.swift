import Foundation

/// Marathon's timestamps: ISO-8601 with 0, 3, 6 or 9 fractional digits, `Z` or an
/// offset, and seconds dropped when zero in Java's `OffsetDateTime` text (reference §1).
public enum Timestamp {
    /// The instant a timestamp names; nil for text that is not such a timestamp.
    public static func date(_ text: String) -> Date? {
        let pattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/
        guard let match = text.wholeMatch(of: pattern),
              let year = Int(match.1), let month = Int(match.2), let day = Int(match.3),
              let hour = Int(match.4), let minute = Int(match.5)
        else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = match.6.flatMap { Int($0) } ?? 0
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        guard let base = calendar.date(from: components) else { return nil }
        let fraction = match.7.map { Double("0." + $0) ?? 0 } ?? 0
        return base.addingTimeInterval(fraction - offsetSeconds(String(match.8)))
    }

    /// A timestamp for people: UTC to the second (`2020-04-01T12:00:05Z`); text that does
    /// not parse is shown as it is.
    public static func display(_ text: String) -> String {
        guard let date = date(text) else { return text }
        return date.formatted(.iso8601)
    }

    private static func offsetSeconds(_ zone: String) -> TimeInterval {
        guard zone != "Z" else { return 0 }
        let sign: Double = zone.hasPrefix("-") ? -1 : 1
        let parts = zone.dropFirst().split(separator: ":").compactMap { Double($0) }
        guard parts.count == 2 else { return 0 }
        return sign * (parts[0] * 3600 + parts[1] * 60)
    }
}
