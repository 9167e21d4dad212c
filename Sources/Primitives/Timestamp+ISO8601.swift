extension Timestamp {
    /// Parses the ISO-8601 forms that Java's `OffsetDateTime.parse` accepts:
    /// `yyyy-MM-ddTHH:mm[:ss[.f…]]` (1–9 fractional digits) followed by `Z`, `±HH:MM` or
    /// `±HH:MM:SS`; `T` and `Z` in either case.
    public init?(iso8601 text: String) {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.take("-"),
              let month = scanner.number(digits: 2), scanner.take("-"),
              let day = scanner.number(digits: 2), scanner.take("T") || scanner.take("t"),
              let hour = scanner.number(digits: 2), scanner.take(":"),
              let minute = scanner.number(digits: 2)
        else { return nil }
        var second = 0
        var nanos = 0
        if scanner.take(":") {
            guard let parsedSecond = scanner.number(digits: 2) else { return nil }
            second = parsedSecond
            if scanner.take(".") {
                var count = 0
                while let digit = scanner.digit() {
                    guard count < 9 else { return nil }
                    nanos = nanos * 10 + digit
                    count += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<9 { nanos *= 10 }
            }
        }
        var offsetSeconds = 0
        if scanner.take("Z") || scanner.take("z") {
        } else if let sign = scanner.sign() {
            guard let offsetHours = scanner.number(digits: 2), scanner.take(":"),
                  let offsetMinutes = scanner.number(digits: 2), offsetHours <= 18, offsetMinutes <= 59
            else { return nil }
            var offset = offsetHours * 3600 + offsetMinutes * 60
            if scanner.take(":") {
                guard let offsetSecs = scanner.number(digits: 2), offsetSecs <= 59 else { return nil }
                offset += offsetSecs
            }
            guard offset <= 18 * 3600 else { return nil }
            offsetSeconds = sign * offset
        } else {
            return nil
        }
        guard scanner.atEnd,
              let local = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                                    nanoseconds: Int32(nanos))
        else { return nil }
        self.init(epochSeconds: local.epochSeconds - Int64(offsetSeconds), nanoseconds: local.nanoseconds)
    }

    /// A UTC calendar date and time; nil when it is not one (month 13, February 30, …).
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanoseconds: Int32 = 0) {
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysInMonth(year: year, month: month),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let days = Timestamp.days(fromYear: year, month: month, day: day)
        self.init(epochSeconds: days * 86_400 + Int64(hour * 3600 + minute * 60 + second), nanoseconds: nanoseconds)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }
}

/// A cursor over ASCII digits and separators.
private struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int? {
        guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else {
            return nil
        }
        defer { index += 1 }
        return Int(bytes[index] - UInt8(ascii: "0"))
    }

    mutating func number(digits count: Int) -> Int? {
        var value = 0
        for _ in 0..<count {
            guard let next = digit() else { return nil }
            value = value * 10 + next
        }
        return value
    }

    mutating func sign() -> Int? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}
