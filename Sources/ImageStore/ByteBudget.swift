import Synchronization

/// A byte budget shared by the layers of one pull (the per-image uncompressed cap).
final class ByteBudget: Sendable {
    private let remaining: Mutex<Int64>
    init(_ limit: Int64) { remaining = Mutex(limit) }

    /// Takes `count` bytes; false when the budget would go negative.
    func take(_ count: Int64) -> Bool {
        remaining.withLock { value in
            guard value >= count else { value = -1; return false }
            value -= count
            return true
        }
    }
}
