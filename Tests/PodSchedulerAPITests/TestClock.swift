import Foundation
import Synchronization

/// A settable clock for tests that need time to move between requests (request handlers
/// read it from other tasks, hence the mutex).
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ date: Date) {
        current = Mutex(date)
    }

    func read() -> Date { current.withLock { $0 } }

    func set(_ date: Date) { current.withLock { $0 = date } }
}
