import Synchronization

/// One write handed to a `SchedulerStateStore`: pending until the backend says it is durable
/// or failed. A backend that writes synchronously (SQLite) returns it completed, so waiting
/// for it costs nothing.
public final class StoreWrite: Sendable {
    private enum State {
        case pending([CheckedContinuation<Result<Void, StoreError>, Never>])
        case done(Result<Void, StoreError>)
    }

    private let state: Mutex<State>

    /// A pending write.
    public init() {
        state = Mutex(.pending([]))
    }

    /// A write that is already durable (`.success`) or failed.
    public init(completed result: Result<Void, StoreError>) {
        state = Mutex(.done(result))
    }

    /// The outcome, nil while pending.
    public var result: Result<Void, StoreError>? {
        state.withLock { state in
            if case .done(let result) = state { return result }
            return nil
        }
    }

    /// Records the outcome and wakes the waiters; later calls are ignored.
    public func complete(_ result: Result<Void, StoreError>) {
        let waiters: [CheckedContinuation<Result<Void, StoreError>, Never>] = state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Waits until the write is durable; throws what made it fail.
    public func durable() async throws(StoreError) {
        if let result { return try result.get() }
        let result: Result<Void, StoreError> = await withCheckedContinuation { continuation in
            let done: Result<Void, StoreError>? = state.withLock { state in
                switch state {
                case .done(let result):
                    return result
                case .pending(var waiters):
                    waiters.append(continuation)
                    state = .pending(waiters)
                    return nil
                }
            }
            if let done { continuation.resume(returning: done) }
        }
        try result.get()
    }
}
