import Synchronization

/// Whether a leader may act now: call Mesos, write state. One gate per term of leadership.
///
/// The gate is open while leadership was confirmed (an answer from ZooKeeper showing this
/// instance's election node) less than `window` ago, measured from when the confirming request
/// was sent, on the monotonic clock. It keeps running while the process is frozen (SIGSTOP),
/// so a leader that resumes finds its confirmation stale and acts on nothing before it learns
/// whether it still leads. The window is shorter than the session timeout: a session can only
/// expire once the server heard nothing for that long. `revoke` ends the term for good.
public final class LeadershipGate: Sendable {
    /// The gate of a term that ended.
    public struct Revoked: Error, CustomStringConvertible {
        public var description: String { "this instance no longer leads" }
    }

    private struct State {
        var confirmedAt: ContinuousClock.Instant?
        var revoked = false
    }

    private let state = Mutex(State())
    /// How long a confirmation keeps the gate open.
    public let window: Duration

    public init(window: Duration) {
        self.window = window
    }

    /// Records a confirmation of leadership whose request was sent at `sentAt`.
    public func confirm(sentAt: ContinuousClock.Instant) {
        state.withLock { state in
            if state.confirmedAt.map({ sentAt > $0 }) ?? true { state.confirmedAt = sentAt }
        }
    }

    /// Ends the term: the gate never opens again, and `wait` throws.
    public func revoke() {
        state.withLock { $0.revoked = true }
    }

    public var isRevoked: Bool { state.withLock { $0.revoked } }

    /// Open now: confirmed within the window, and not revoked.
    public var isOpen: Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard !state.revoked, let confirmed = state.confirmedAt else { return false }
            return now - confirmed < window
        }
    }

    /// Returns once the gate is open; throws `Revoked` once the term ended (or the task was
    /// cancelled). A leader that lost touch with ZooKeeper waits here until it is confirmed
    /// again or loses leadership.
    public func wait() async throws(Revoked) {
        while !isOpen {
            if isRevoked || Task.isCancelled { throw Revoked() }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
