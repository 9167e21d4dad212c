import CZooKeeper
import Synchronization

/// What a completion of the C client delivers, copied out of the C client's memory (which is
/// valid only during the callback).
enum Reply: Sendable {
    case failure(Int32)
    case done
    case path(String)
    case data([UInt8], ZooKeeperStat)
    case stat(ZooKeeperStat)
    case children([String])
}

/// The process-wide table of what the C client will call back: pending calls and armed
/// watches, each under a token. An entry is taken out exactly once (by its callback, by a
/// failed submission, or by the close of its session), so no continuation is resumed twice,
/// and a callback that comes after its session was closed finds nothing and does nothing.
final class CallbackTable: Sendable {
    static let shared = CallbackTable()

    struct Call: Sendable {
        let session: UInt64
        let deliver: @Sendable (Reply) -> Void
    }

    struct Watch: Sendable {
        let session: UInt64
        let watch: ZooKeeperWatch
    }

    private struct State {
        var next: UInt64 = 0
        var calls: [UInt64: Call] = [:]
        var watches: [UInt64: Watch] = [:]
    }
    private let state = Mutex(State())

    /// A new number, for tokens and session keys alike.
    func nextNumber() -> UInt64 {
        state.withLock { s in
            s.next += 1
            return s.next
        }
    }

    func register(_ call: Call) -> UInt64 {
        state.withLock { s in
            s.next += 1
            s.calls[s.next] = call
            return s.next
        }
    }

    func takeCall(_ token: UInt64) -> Call? {
        state.withLock { $0.calls.removeValue(forKey: token) }
    }

    func register(_ watch: Watch) -> UInt64 {
        state.withLock { s in
            s.next += 1
            s.watches[s.next] = watch
            return s.next
        }
    }

    func takeWatch(_ token: UInt64) -> Watch? {
        state.withLock { $0.watches.removeValue(forKey: token) }
    }

    /// Everything still pending for `session`, removed from the table.
    func drain(session: UInt64) -> (calls: [Call], watches: [Watch]) {
        state.withLock { s in
            let calls = s.calls.filter { $0.value.session == session }
            let watches = s.watches.filter { $0.value.session == session }
            for token in calls.keys { s.calls.removeValue(forKey: token) }
            for token in watches.keys { s.watches.removeValue(forKey: token) }
            return (Array(calls.values), Array(watches.values))
        }
    }

    /// How many entries `session` has (tests check that nothing is left behind).
    func count(session: UInt64) -> (calls: Int, watches: Int) {
        state.withLock { s in
            (s.calls.values.count { $0.session == session }, s.watches.values.count { $0.session == session })
        }
    }
}

/// The `data` of one C call: the call's token and, for a `multi`, the memory the C client
/// writes the results into. Passed to C retained (`Unmanaged`) and released by the one
/// completion the C client makes for every call it accepted (a real answer, or a faked one
/// with CONNECTIONLOSS/SESSIONEXPIRED/CLOSING when the connection or handle goes), or right
/// away when the C client refused the call.
final class CallContext: Sendable {
    let token: UInt64
    let buffers: MultiBuffers?

    init(token: UInt64, buffers: MultiBuffers?) {
        self.token = token
        self.buffers = buffers
    }

    /// Called from the C completions: releases the context and delivers the reply.
    static func complete(_ data: UnsafeRawPointer?, _ reply: Reply) {
        guard let data else { return }
        let context = Unmanaged<CallContext>.fromOpaque(data).takeRetainedValue()
        CallbackTable.shared.takeCall(context.token)?.deliver(reply)
    }

    /// The watcher of every watch: `context` is the watch's token.
    static func watchFired(type: Int32, state: Int32, path: UnsafePointer<CChar>?, context: UnsafeMutableRawPointer?) {
        let token = UInt64(UInt(bitPattern: context))
        if type == ZOO_SESSION_EVENT {
            // Every watch hears every session event; only the end of the session ends it.
            let code: ZooKeeperError.Code
            switch state {
            case ZOO_EXPIRED_SESSION_STATE: code = .sessionExpired
            case ZOO_AUTH_FAILED_STATE: code = .authFailed
            default: return
            }
            guard let entry = CallbackTable.shared.takeWatch(token) else { return }
            entry.watch.resolve(.failure(ZooKeeperError(code, operation: "watch", path: entry.watch.path)))
            return
        }
        guard let entry = CallbackTable.shared.takeWatch(token) else { return }
        let watchedPath = entry.watch.path
        if let event = ZooKeeperWatchEvent(type: type, path: path.map { String(cString: $0) } ?? watchedPath) {
            entry.watch.resolve(.success(event))
        } else {
            entry.watch.resolve(.failure(ZooKeeperError(.noWatcher, operation: "watch", path: watchedPath,
                                                        detail: "the server removed the watch")))
        }
    }
}
