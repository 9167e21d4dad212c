import Foundation
import Testing
import Primitives
import Synchronization

@Suite struct TimestampTests {
    @Test func marathonTexts() {
        let noon = Timestamp(epochSeconds: 1_585_742_400)
        #expect(noon.description == "2020-04-01T12:00:00.000Z")
        #expect(noon.statusText == "2020-04-01T12:00:00Z")
        #expect(noon.offsetDateTimeText == "2020-04-01T12:00Z")
        #expect(noon.secondsText == "2020-04-01T12:00:00Z")
        let fraction = Timestamp(epochSeconds: 1_585_742_405, nanoseconds: 250_000)
        #expect(fraction.statusText == "2020-04-01T12:00:05.000250Z")
        #expect(fraction.offsetDateTimeText == "2020-04-01T12:00:05.000250Z")
        #expect(fraction.preciseDescription == "2020-04-01T12:00:05.000250000Z")
        #expect(Timestamp(epochSeconds: 1_585_742_400, nanoseconds: 7).offsetDateTimeText == "2020-04-01T12:00:00.000000007Z")
        #expect(Timestamp(epochSeconds: -1).statusText == "1969-12-31T23:59:59Z")
    }

    @Test(arguments: [
        ("2020-04-01T12:00:05Z", Int64(1_585_742_405), Int32(0)),
        ("2020-04-01T12:00:05.123456789Z", 1_585_742_405, 123_456_789),
        ("2020-04-01T14:00:05+02:00", 1_585_742_405, 0),
        ("2020-04-01T07:00:05.5-05:00", 1_585_742_405, 500_000_000),
        ("2020-04-01T12:00Z", 1_585_742_400, 0),
    ])
    func readsISO8601(_ text: String, _ seconds: Int64, _ nanos: Int32) throws {
        let timestamp = try #require(Timestamp(iso8601: text))
        #expect(timestamp == Timestamp(epochSeconds: seconds, nanoseconds: nanos))
    }

    @Test func displayShowsWhatIsNoTimestampAsItIs() {
        #expect(Timestamp.display("2020-04-01T14:00:05.9+02:00") == "2020-04-01T12:00:05Z")
        #expect(Timestamp.display("soon") == "soon")
    }

    @Test func dateRoundTripToTheMicrosecond() {
        let date = Date(timeIntervalSince1970: 1_585_742_405.123456)
        #expect(Timestamp(date).nanoseconds == 123_456_000)
        #expect(abs(Timestamp(date).date.timeIntervalSince(date)) < 1e-6)
    }
}

@Suite struct HexTests {
    @Test func encodesAndDecodes() {
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.encode([]) == "")
        #expect(Hex.decode("000fA5ff") == [0x00, 0x0f, 0xa5, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}

@Suite struct ThreadTests {
    @Test func blockingWorkRunsOffTheCallingThreadAndReturns() async {
        let value = await BlockingThread.run { 6 * 7 }
        #expect(value == 42)
    }

    @Test func onFirstUseMakesTheValueOnce() async {
        let made = Counter()
        let holder = OnFirstUse { made.increment() }
        #expect(holder.ifMade == nil)
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { holder.value } }
        }
        #expect(holder.value == 1)
        #expect(made.value == 1)
    }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() -> Int { count.withLock { $0 += 1; return $0 } }
    var value: Int { count.withLock { $0 } }
}
