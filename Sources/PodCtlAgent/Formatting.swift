import Foundation
import Primitives

/// Numbers for people, as `ps` and `docker stats` print them.
enum Formatting {
    /// `512B`, `1.5KiB`, `12.3MiB`, `2.0GiB`.
    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024 && unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value)B" : String(format: "%.1f", amount) + units[unit]
    }

    /// `45s`, `5m3s`, `2h5m`, `3d4h`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        if s < 86400 { return "\(s / 3600)h\((s % 3600) / 60)m" }
        return "\(s / 86400)d\((s % 86400) / 3600)h"
    }

    /// `3m ago` for a time in seconds since 1970; `-` for none.
    static func ago(_ time: Double?, now: Double = Date().timeIntervalSince1970) -> String {
        guard let time, time > 0 else { return "-" }
        return duration(max(0, now - time)) + " ago"
    }

    /// An ISO-8601 UTC time to the second.
    static func timestamp(_ time: Double?) -> String {
        guard let time, time > 0 else { return "-" }
        return Timestamp(Date(timeIntervalSince1970: time)).secondsText
    }

    /// CPU seconds: `0.05s`, `12.3s`, `2m5s`.
    static func cpu(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.2fs", seconds) : duration(seconds)
    }

    /// A digest shortened for tables: the first 12 hex digits.
    static func shortDigest(_ digest: String) -> String {
        let hex = digest.split(separator: ":").last.map(String.init) ?? digest
        return String(hex.prefix(12))
    }

    /// argv as a shell would read it back (quoted where needed).
    static func commandLine(_ argv: [String]) -> String {
        argv.map { arg in
            let safe = !arg.isEmpty && arg.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@%+".contains($0) }
            return safe ? arg : "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
