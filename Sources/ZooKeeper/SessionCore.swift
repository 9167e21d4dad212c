import CZooKeeper
import Foundation
import Logging
import Synchronization

/// The C handle of one session and what hangs off it. The C client holds it retained as the
/// handle's context from `zookeeper_init2` until `zookeeper_close` has returned (which joins
/// the client's threads, so no callback can come later).
final class SessionCore: Sendable {
    let key: UInt64
    let logger: Logger

    /// The `zhandle_t *`.
    private struct Handle: @unchecked Sendable {
        // Safe: the C client's API is thread-safe, and `withHandle` and `close` make sure the
        // pointer is used only before `zookeeper_close`, which is called once every user is done.
        let pointer: OpaquePointer
    }

    private struct State {
        var handle: Handle?
        var users = 0
        var closing = false
        var closed = false
        var usersGone: CheckedContinuation<Void, Never>?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var session: ZooKeeperSession.State = .connecting
        var identity: ZooKeeperSessionIdentity?
        var negotiatedTimeout: Duration?
        var subscribers: [UInt64: AsyncStream<ZooKeeperSession.State>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
    }
    private let state = Mutex(State())

    init(key: UInt64, logger: Logger) {
        self.key = key
        self.logger = logger
    }

    func attach(_ handle: OpaquePointer) {
        state.withLock { $0.handle = Handle(pointer: handle) }
    }

    var sessionState: ZooKeeperSession.State { state.withLock { $0.session } }
    var identity: ZooKeeperSessionIdentity? { state.withLock { $0.identity } }
    var negotiatedTimeout: Duration? { state.withLock { $0.negotiatedTimeout } }

    /// Runs `body` with the live handle, or returns nil once the session is closing. A close
    /// waits until no body runs, so the handle outlives every use.
    func withHandle<T>(_ body: (OpaquePointer) -> T) -> T? {
        let handle: Handle? = state.withLock { s in
            guard !s.closing, let handle = s.handle else { return nil }
            s.users += 1
            return handle
        }
        guard let handle else { return nil }
        let result = body(handle.pointer)
        let gone: CheckedContinuation<Void, Never>? = state.withLock { s in
            s.users -= 1
            guard s.users == 0, let waiter = s.usersGone else { return nil }
            s.usersGone = nil
            return waiter
        }
        gone?.resume()
        return result
    }

    /// The code a call gets when the handle is no longer usable.
    var endCode: ZooKeeperError.Code {
        switch sessionState {
        case .expired: .sessionExpired
        case .authFailed: .authFailed
        default: .closing
        }
    }

    // MARK: - Session state

    /// A stream of the session's state: the current one first, then every change; it ends
    /// after a final state.
    func states() -> AsyncStream<ZooKeeperSession.State> {
        let (stream, continuation) = AsyncStream<ZooKeeperSession.State>.makeStream(bufferingPolicy: .unbounded)
        let current: ZooKeeperSession.State = state.withLock { s in
            if !s.session.isFinal {
                s.nextSubscriber += 1
                let id = s.nextSubscriber
                s.subscribers[id] = continuation
                continuation.onTermination = { [weak self] _ in
                    _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
                }
            }
            return s.session
        }
        continuation.yield(current)
        if current.isFinal { continuation.finish() }
        return stream
    }

    /// The session watcher: every session event of the handle, on the C client's completion
    /// thread.
    func sessionEvent(handle: OpaquePointer?, state cState: Int32) {
        var connected = false
        let (changed, subscribers): (ZooKeeperSession.State?, [AsyncStream<ZooKeeperSession.State>.Continuation]) = state.withLock { s in
            guard !s.session.isFinal else { return (nil, []) }
            let next: ZooKeeperSession.State
            switch cState {
            case ZOO_CONNECTED_STATE, ZOO_READONLY_STATE:
                next = .connected
                connected = true
                if let handle, let id = zoo_client_id(handle) {
                    s.identity = ZooKeeperSessionIdentity(id.pointee)
                    s.negotiatedTimeout = .milliseconds(zoo_recv_timeout(handle))
                }
            case ZOO_EXPIRED_SESSION_STATE: next = .expired
            case ZOO_AUTH_FAILED_STATE: next = .authFailed
            default: next = s.session == .connecting ? .connecting : .disconnected
            }
            guard next != s.session else { return (nil, []) }
            s.session = next
            let subscribers = Array(s.subscribers.values)
            if next.isFinal { s.subscribers.removeAll() }
            return (next, subscribers)
        }
        guard let changed else { return }
        for subscriber in subscribers {
            subscriber.yield(changed)
            if changed.isFinal { subscriber.finish() }
        }
        log(changed, connected: connected)
        if changed.isFinal {
            // A session that ended is dead: free the handle and its threads now.
            Task { await self.close() }
        }
    }

    private func log(_ changed: ZooKeeperSession.State, connected: Bool) {
        var metadata: Logger.Metadata = ["zk.session.state": "\(changed)"]
        if let identity { metadata["zk.session.id"] = "\(identity)" }
        if connected, let timeout = negotiatedTimeout { metadata["zk.session.timeout"] = "\(timeout)" }
        switch changed {
        case .connected: logger.info("ZooKeeper session connected", metadata: metadata)
        case .disconnected: logger.warning("ZooKeeper session disconnected", metadata: metadata)
        case .expired: logger.error("ZooKeeper session expired", metadata: metadata)
        case .authFailed: logger.error("ZooKeeper authentication failed", metadata: metadata)
        case .connecting, .closed: logger.debug("ZooKeeper session state", metadata: metadata)
        }
    }

    // MARK: - Close

    /// Closes the handle: no new call starts, every pending call and watch is ended with
    /// `CLOSING` (or `SESSIONEXPIRED` after an expiry), and `zookeeper_close` runs on a thread
    /// of its own (it may wait up to 4.5 s for the server). Returns once it is done.
    func close() async {
        let first: Bool = state.withLock { s in
            defer { s.closing = true }
            return !s.closing
        }
        guard first else {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { s in
                    if !s.closed { s.closeWaiters.append(continuation) }
                    return s.closed
                }
                if done { continuation.resume() }
            }
            return
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { s in
                if s.users > 0 { s.usersGone = continuation }
                return s.users == 0
            }
            if idle { continuation.resume() }
        }
        // The C client may know that the session ended before its session event reached us: a
        // watch hears the expiry first and its owner closes at once. The session then ended
        // expired (or refused), not closed by us, and says so.
        let clientState: Int32? = state.withLock { s in s.handle.map { zoo_state($0.pointer) } }
        if let clientState, clientState == ZOO_EXPIRED_SESSION_STATE || clientState == ZOO_AUTH_FAILED_STATE {
            sessionEvent(handle: nil, state: clientState)
        }
        let code = endCode
        let (calls, watches) = CallbackTable.shared.drain(session: key)
        for call in calls { call.deliver(.failure(code.rawValue)) }
        for entry in watches {
            entry.watch.resolve(.failure(ZooKeeperError(code, operation: "watch", path: entry.watch.path)))
        }
        let (handle, subscribers) = state.withLock { s in
            let subscribers = Array(s.subscribers.values)
            s.subscribers.removeAll()
            if !s.session.isFinal { s.session = .closed }
            defer { s.handle = nil }
            return (s.handle, subscribers)
        }
        for subscriber in subscribers {
            subscriber.yield(.closed)
            subscriber.finish()
        }
        if let handle {
            let identity = identity
            // A thread of its own: zookeeper_close blocks (up to 4.5 s for a server that does
            // not answer), which must not hold a thread of Swift's cooperative pool.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    zookeeper_close(handle.pointer)
                    // The C client's threads are gone: no callback comes any more. Drop the
                    // reference it held and the memory of calls it never called back.
                    CallbackTable.shared.releaseMemory(session: self.key)
                    Unmanaged.passUnretained(self).release()
                    continuation.resume()
                }
            }
            logger.debug("ZooKeeper session closed", metadata: identity.map { ["zk.session.id": "\($0)"] } ?? [:])
        }
        let waiters = state.withLock { s in
            s.closed = true
            defer { s.closeWaiters.removeAll() }
            return s.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
