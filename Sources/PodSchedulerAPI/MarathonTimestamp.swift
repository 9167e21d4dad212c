import Foundation
import PodSpec

/// The timestamp texts of Marathon's responses.
enum MarathonTimestamp {
    /// Status documents (`::status`): ISO-8601 in UTC with seconds and the fraction in
    /// groups of three digits, none when it is zero (`12:00:05Z`, `12:00:05.123Z`,
    /// `12:00:05.123456Z`), like the Java offset format Marathon's Play writer uses.
    static func status(_ date: Date) -> String {
        let version = PodVersion(date)
        return dateTime(version) + ":" + two(Int(version.epochSeconds.modulo(60))) + fraction(version) + "Z"
    }

    /// Java's `OffsetDateTime.toString()`: drops zero seconds and a zero fraction
    /// (`…T12:00Z`, `…T12:00:01Z`, `…T12:00:01.500Z`). Used in `specReference`.
    static func offsetDateTime(_ version: PodVersion) -> String {
        let seconds = Int(version.epochSeconds.modulo(60))
        var text = dateTime(version)
        if seconds != 0 || version.nanoseconds != 0 {
            text += ":" + two(seconds) + fraction(version)
        }
        return text + "Z"
    }

    /// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (pod versions, the instance document).
    static func version(_ date: Date) -> String {
        PodVersion(date).description
    }

    /// `yyyy-MM-ddTHH:mm`, taken from the version's canonical text.
    private static func dateTime(_ version: PodVersion) -> String {
        // `description` is `yyyy-MM-ddTHH:mm:ss.SSSZ`; the first 16 characters are the
        // date, hour and minute for every four-digit year.
        String(version.description.prefix(16))
    }

    private static func fraction(_ version: PodVersion) -> String {
        let nanos = Int(version.nanoseconds)
        if nanos == 0 { return "" }
        if nanos % 1_000_000 == 0 { return "." + pad(nanos / 1_000_000, 3) }
        if nanos % 1000 == 0 { return "." + pad(nanos / 1000, 6) }
        return "." + pad(nanos, 9)
    }

    private static func two(_ value: Int) -> String { pad(value, 2) }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension Int64 {
    /// The non-negative remainder.
    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
