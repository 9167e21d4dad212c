import Foundation
import Synchronization

/// Generates RFC 4122 version-1 (time-based) UUIDs, as Marathon does for instance ids.
///
/// The node is random with the multicast bit set (RFC 4122 §4.5) rather than a MAC
/// address; the clock sequence is random. Within one generator the 60-bit timestamps are
/// strictly increasing, so ids never repeat even when the clock stands still or steps back.
public final class TimeBasedUUIDGenerator: Sendable {
    /// A process-wide generator.
    public static let shared = TimeBasedUUIDGenerator()

    /// 100-ns intervals between 1582-10-15 (the Gregorian reform) and 1970-01-01.
    static let gregorianOffset: UInt64 = 0x01B2_1DD2_1381_4000

    private struct State {
        var lastTimestamp: UInt64 = 0
    }

    private let node: [UInt8]
    private let clockSequence: UInt16
    private let clock: @Sendable () -> Date
    private let state = Mutex(State())

    /// A generator.
    ///
    /// - Parameters:
    ///   - node: six node bytes (default: random, multicast bit set).
    ///   - clockSequence: 14-bit clock sequence (default: random).
    ///   - clock: the time source (injectable for tests).
    public init(node: [UInt8]? = nil, clockSequence: UInt16? = nil, clock: @escaping @Sendable () -> Date = { Date() }) {
        if let node, node.count == 6 {
            self.node = node
        } else {
            var random = (0..<6).map { _ in UInt8.random(in: 0...255) }
            random[0] |= 0x01
            self.node = random
        }
        self.clockSequence = (clockSequence ?? UInt16.random(in: 0...0x3FFF)) & 0x3FFF
        self.clock = clock
    }

    /// The next UUID.
    public func next() -> UUID {
        let now = clock().timeIntervalSince1970
        let intervals = UInt64(max(0, now) * 10_000_000) &+ TimeBasedUUIDGenerator.gregorianOffset
        let timestamp = state.withLock { state -> UInt64 in
            let value = max(intervals, state.lastTimestamp &+ 1)
            state.lastTimestamp = value
            return value
        }
        let timeLow = UInt32(truncatingIfNeeded: timestamp)
        let timeMid = UInt16(truncatingIfNeeded: timestamp >> 32)
        let timeHigh = UInt16(truncatingIfNeeded: timestamp >> 48) & 0x0FFF | 0x1000
        let sequenceHigh = UInt8(truncatingIfNeeded: clockSequence >> 8) & 0x3F | 0x80
        let sequenceLow = UInt8(truncatingIfNeeded: clockSequence)
        return UUID(uuid: (
            UInt8(truncatingIfNeeded: timeLow >> 24), UInt8(truncatingIfNeeded: timeLow >> 16),
            UInt8(truncatingIfNeeded: timeLow >> 8), UInt8(truncatingIfNeeded: timeLow),
            UInt8(truncatingIfNeeded: timeMid >> 8), UInt8(truncatingIfNeeded: timeMid),
            UInt8(truncatingIfNeeded: timeHigh >> 8), UInt8(truncatingIfNeeded: timeHigh),
            sequenceHigh, sequenceLow,
            node[0], node[1], node[2], node[3], node[4], node[5]
        ))
    }

    /// The version nibble of `uuid` (1 for time-based UUIDs).
    public static func version(of uuid: UUID) -> Int {
        Int(uuid.uuid.6 >> 4)
    }

    /// The 60-bit timestamp of a version-1 UUID: 100-ns intervals since 1582-10-15.
    public static func timestamp(of uuid: UUID) -> UInt64? {
        guard version(of: uuid) == 1 else { return nil }
        let bytes = uuid.uuid
        let timeLow = UInt64(bytes.0) << 24 | UInt64(bytes.1) << 16 | UInt64(bytes.2) << 8 | UInt64(bytes.3)
        let timeMid = UInt64(bytes.4) << 8 | UInt64(bytes.5)
        let timeHigh = (UInt64(bytes.6) << 8 | UInt64(bytes.7)) & 0x0FFF
        return timeHigh << 48 | timeMid << 32 | timeLow
    }

    /// The creation time encoded in a version-1 UUID.
    public static func date(of uuid: UUID) -> Date? {
        guard let timestamp = timestamp(of: uuid), timestamp >= gregorianOffset else { return nil }
        return Date(timeIntervalSince1970: Double(timestamp - gregorianOffset) / 10_000_000)
    }
}
