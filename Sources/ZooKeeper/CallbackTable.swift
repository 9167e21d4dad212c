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
/// watches, each under a token, and the C memory of each call. The C client gets the token
/// (an integer in the `void *`), never a Swift pointer. An entry is taken out exactly once (by
/// its callback, by a failed submission, or by the close of its session), so no continuation
/// is resumed twice, and a callback that comes after its session was closed finds nothing.
///
/// The C memory of a call (`CallMemory`) is kept apart from its continuation: a close resumes
/// the caller at once, but the C client may write into a `multi`'s results until it let go of
/// the handle. It does not always call back the calls it had when the handle is closed (the
/// multi-threaded client drops queued completions), so the session releases what is left
/// once `zookeeper_close` has returned.
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

    /// What the C client may still use of one call.
    struct CallMemory: Sendable {
        let session: UInt64
        let buffers: MultiBuffers?
    }

    private struct State {
        var next: UInt64 = 0
        var calls: [UInt64: Call] = [:]
        var memory: [UInt64: CallMemory] = [:]
        var watches: [UInt64: Watch] = [:]
    }
    private let state = Mutex(State())

    /// A new number, for tokens and session keys alike (never 0).
    func nextNumber() -> UInt64 {
        state.withLock { s in
            s.next += 1
            return s.next
        }
    }

    /// Registers a call about to be handed to the C client, with the memory it will use.
    func register(_ call: Call, buffers: MultiBuffers?) -> UInt64 {
        state.withLock { s in
            s.next += 1
            s.calls[s.next] = call
            s.memory[s.next] = CallMemory(session: call.session, buffers: buffers)
            return s.next
        }
    }

    /// The C client is done with the call `token`: its memory goes, and its caller (unless a
    /// close resumed it already) is returned to be resumed.
    func finish(_ token: UInt64) -> Call? {
        let (call, memory) = state.withLock { s in
            (s.calls.removeValue(forKey: token), s.memory.removeValue(forKey: token))
        }
        _ = memory  // Freed here, outside the lock.
        return call
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

    /// The callers and watches still pending for `session`, removed from the table (their C
    /// memory stays until `releaseMemory`).
    func drain(session: UInt64) -> (calls: [Call], watches: [Watch]) {
        state.withLock { s in
            let calls = s.calls.filter { $0.value.session == session }
            let watches = s.watches.filter { $0.value.session == session }
            for token in calls.keys { s.calls.removeValue(forKey: token) }
            for token in watches.keys { s.watches.removeValue(forKey: token) }
            return (Array(calls.values), Array(watches.values))
        }
    }

    /// Frees the C memory of `session`'s calls the C client never called back. Only once its
    /// handle is closed.
    func releaseMemory(session: UInt64) {
        let released = state.withLock { s in
            let tokens = s.memory.filter { $0.value.session == session }.keys
            return tokens.compactMap { s.memory.removeValue(forKey: $0) }
        }
        _ = released
    }

    /// How many callers, watches and call memories `session` has in the table (tests check
    /// that nothing is left behind).
    func count(session: UInt64) -> (calls: Int, watches: Int, memory: Int) {
        state.withLock { s in
            (s.calls.values.count { $0.session == session }, s.watches.values.count { $0.session == session },
             s.memory.values.count { $0.session == session })
        }
    }

    // MARK: - The C callbacks

    /// The C client's `data` for the call `token`.
    static func data(_ token: UInt64) -> UnsafeRawPointer? {
        UnsafeRawPointer(bitPattern: UInt(token))
    }

    /// Called from the C completions with the `data` given to the call.
    static func complete(_ data: UnsafeRawPointer?, _ reply: Reply) {
        let token = UInt64(UInt(bitPattern: data))
        shared.finish(token)?.deliver(reply)
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
            guard let entry = shared.takeWatch(token) else { return }
            entry.watch.resolve(.failure(ZooKeeperError(code, operation: "watch", path: entry.watch.path)))
            return
        }
        guard let entry = shared.takeWatch(token) else { return }
        let watchedPath = entry.watch.path
        if let event = ZooKeeperWatchEvent(type: type, path: path.map { String(cString: $0) } ?? watchedPath) {
            entry.watch.resolve(.success(event))
        } else {
            entry.watch.resolve(.failure(ZooKeeperError(.noWatcher, operation: "watch", path: watchedPath,
                                                        detail: "the server removed the watch")))
        }
    }
}
