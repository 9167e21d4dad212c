#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An instant to the nanosecond, as Marathon keeps and writes them (its `Timestamp`, which is
/// also what a pod version is): rendered as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (always three
/// fractional digits), read from the ISO-8601 forms of Java's `OffsetDateTime.parse`
/// (`Timestamp+ISO8601.swift`), and written in the other forms Marathon's answers use
/// (`Timestamp+Texts.swift`). The calendar arithmetic is done here, without a `Calendar` or a
/// date formatter, so a process that only names an instant pays for neither.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64
    /// Nanoseconds within the second (0..<1_000_000_000).
    public let nanoseconds: Int32

    /// 1970-01-01T00:00:00.000Z.
    public static let epoch = Timestamp(epochSeconds: 0, nanoseconds: 0)

    /// An instant; nanoseconds outside one second carry into the seconds.
    public init(epochSeconds: Int64, nanoseconds: Int32 = 0) {
        let carry = Int64(nanoseconds).quotientAndRemainder(dividingBy: 1_000_000_000)
        var seconds = epochSeconds + carry.quotient
        var nanos = carry.remainder
        if nanos < 0 {
            nanos += 1_000_000_000
            seconds -= 1
        }
        self.epochSeconds = seconds
        self.nanoseconds = Int32(nanos)
    }

    /// The instant of `date`, truncated to whole microseconds (a `Date` holds no more).
    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        let micros = ((interval - seconds) * 1_000_000).rounded()
        self.init(epochSeconds: Int64(exactly: seconds) ?? 0, nanoseconds: Int32(exactly: micros).map { $0 * 1000 } ?? 0)
    }

    /// The instant `milliseconds` after the epoch.
    public init(epochMilliseconds milliseconds: Int64) {
        let split = milliseconds.quotientAndRemainder(dividingBy: 1000)
        self.init(epochSeconds: split.quotient, nanoseconds: Int32(split.remainder) * 1_000_000)
    }

    /// The current time.
    public static func now() -> Timestamp { Timestamp(Date()) }

    /// This instant as a `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: Double(epochSeconds) + Double(nanoseconds) / 1e9)
    }

    /// Milliseconds since the epoch (truncated).
    public var epochMilliseconds: Int64 {
        epochSeconds * 1000 + Int64(nanoseconds / 1_000_000)
    }

    /// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
    public var description: String {
        let days = epochSeconds.floorDivided(by: 86_400)
        let secondOfDay = epochSeconds - days * 86_400
        let (year, month, day) = Timestamp.civilDate(fromDays: days)
        let millis = Int(nanoseconds / 1_000_000)
        return Timestamp.pad(year, 4) + "-" + Timestamp.pad(month, 2) + "-" + Timestamp.pad(day, 2)
            + "T" + Timestamp.pad(Int(secondOfDay / 3600), 2) + ":" + Timestamp.pad(Int(secondOfDay % 3600 / 60), 2)
            + ":" + Timestamp.pad(Int(secondOfDay % 60), 2) + "." + Timestamp.pad(millis, 3) + "Z"
    }

    /// Orders by instant.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.epochSeconds, lhs.nanoseconds) < (rhs.epochSeconds, rhs.nanoseconds)
    }

    /// Decodes from the ISO-8601 text form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let version = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "Invalid timestamp '\(text)'"))
        }
        self = version
    }

    /// Encodes as ISO-8601 text with nanosecond precision.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(preciseDescription)
    }

    /// ISO-8601 with all nine fractional digits (lossless).
    public var preciseDescription: String {
        let base = description.dropLast(5)  // ".SSSZ"
        return base + "." + Timestamp.pad(Int(nanoseconds), 9) + "Z"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromYear year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civilDate(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
