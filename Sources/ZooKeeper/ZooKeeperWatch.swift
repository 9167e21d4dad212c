import Synchronization

/// A one-shot ZooKeeper watch, returned by `getAndWatch`, `childrenAndWatch` and
/// `existsAndWatch`. It fires once, with the first change of the node (or its children)
/// after the read; a watch survives disconnections (the client sets it again on the server it
/// reconnects to) and fails with `SESSIONEXPIRED` when the session expires, or `CLOSING` when
/// it is closed. To keep watching, read again with a new watch after it fired.
public final class ZooKeeperWatch: Sendable {
    /// The node the watch is on.
    public let path: String

    private struct State {
        var result: Result<ZooKeeperWatchEvent, ZooKeeperError>?
        var waiters: [UInt64: CheckedContinuation<Result<ZooKeeperWatchEvent, ZooKeeperError>, any Error>] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())

    init(path: String) {
        self.path = path
    }

    /// The event, once the watch fired (or its error); nil while it is armed.
    public var result: Result<ZooKeeperWatchEvent, ZooKeeperError>? {
        state.withLock { $0.result }
    }

    /// Waits until the watch fires and returns the event. Throws the `ZooKeeperError` that
    /// ended the watch (`SESSIONEXPIRED`, `CLOSING`), or `CancellationError` when the waiting
    /// task is cancelled (the watch itself stays armed and can be awaited again).
    public func event() async throws -> ZooKeeperWatchEvent {
        let id = state.withLock { s in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        let result = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result<ZooKeeperWatchEvent, ZooKeeperError>, any Error>) in
                let immediate: Result<Result<ZooKeeperWatchEvent, ZooKeeperError>, any Error>? = state.withLock { s in
                    if let result = s.result { return .success(result) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    s.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
        return try result.get()
    }

    /// Fires the watch (first call wins).
    func resolve(_ result: Result<ZooKeeperWatchEvent, ZooKeeperError>) {
        let waiters: [CheckedContinuation<Result<ZooKeeperWatchEvent, ZooKeeperError>, any Error>] = state.withLock { s in
            guard s.result == nil else { return [] }
            s.result = result
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }
}
