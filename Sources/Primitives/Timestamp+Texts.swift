/// The other texts of an instant in Marathon's answers, and the one podctl shows people.
extension Timestamp {
    /// Status documents (`::status`): ISO-8601 in UTC with seconds and the fraction in
    /// groups of three digits, none when it is zero (`12:00:05Z`, `12:00:05.123Z`,
    /// `12:00:05.123456Z`), like the Java offset format Marathon's Play writer uses.
    public var statusText: String {
        dateTimeText + ":" + Self.pad(Int(epochSeconds.modulo(60)), 2) + fractionText + "Z"
    }

    /// Java's `OffsetDateTime.toString()`: drops zero seconds and a zero fraction
    /// (`…T12:00Z`, `…T12:00:01Z`, `…T12:00:01.500Z`). Used in `specReference`.
    public var offsetDateTimeText: String {
        let seconds = Int(epochSeconds.modulo(60))
        var text = dateTimeText
        if seconds != 0 || nanoseconds != 0 {
            text += ":" + Self.pad(seconds, 2) + fractionText
        }
        return text + "Z"
    }

    /// UTC to the second (`2020-04-01T12:00:05Z`), for people.
    public var secondsText: String {
        String(description.prefix(19)) + "Z"
    }

    /// A timestamp text for people: UTC to the second; text that is not an ISO-8601 instant
    /// is shown as it is.
    public static func display(_ text: String) -> String {
        Timestamp(iso8601: text)?.secondsText ?? text
    }

    /// `yyyy-MM-ddTHH:mm`: the first 16 characters of `description` for every four-digit year.
    private var dateTimeText: String {
        String(description.prefix(16))
    }

    private var fractionText: String {
        let nanos = Int(nanoseconds)
        if nanos == 0 { return "" }
        if nanos % 1_000_000 == 0 { return "." + Self.pad(nanos / 1_000_000, 3) }
        if nanos % 1000 == 0 { return "." + Self.pad(nanos / 1000, 6) }
        return "." + Self.pad(nanos, 9)
    }
}

extension Int64 {
    /// The non-negative remainder.
    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
