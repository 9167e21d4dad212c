/// Leader election over a `ZooKeeperGroup` (ZooKeeper's election recipe, as Curator's
/// `LeaderLatch` and Mesos' contender do it): each participant joins with an ephemeral
/// sequential node; the one with the smallest sequence leads. Each participant watches only
/// the node just before its own (no herd effect when a node goes), and the leader watches its
/// own node.
///
/// The status changes at once: to `.suspended` when the connection is lost (leadership is
/// unknown until the session reconnects, when the election is looked at again) and to
/// `.lost` when the session ends (expired or closed), which is final: a latch needs a live
/// session, so make a new session and a new latch. A leader fences its writes with
/// `ownMember.fence` in a `multi`, so a write can never land after the node is gone.
///
/// If the own node disappears while the session lives (an operator deleted it), the latch
/// joins again at the end of the queue.
public actor ZooKeeperLeaderLatch {
    public enum Status: Sendable, Hashable {
        /// Not taking part: not started, or abdicated.
        case idle
        /// This participant leads; the member is its own node.
        case leader(ZooKeeperGroupMember)
        /// Another participant leads; `predecessor` is the member this one waits for.
        case follower(ZooKeeperGroupMember, predecessor: ZooKeeperGroupMember)
        /// The connection is lost: whether this participant still leads is unknown.
        case suspended(ZooKeeperGroupMember)
        /// The session ended; the latch is done.
        case lost(ZooKeeperError)

        public var isLeader: Bool {
            if case .leader = self { return true }
            return false
        }

        var isLost: Bool {
            if case .lost = self { return true }
            return false
        }
    }

    public nonisolated let group: ZooKeeperGroup
    public nonisolated let label: String
    private let data: [UInt8]
    private var member: ZooKeeperGroupMember?
    private var status: Status = .idle
    private var generation = 0
    private var runner: Task<Void, Never>?
    private var subscribers: [Int: AsyncStream<Status>.Continuation] = [:]
    private var nextSubscriber = 0

    /// A latch on the group at `path` of `session`, whose node will be `<path>/<label>_N`
    /// holding `data` (what followers learn about the leader, e.g. its `host:port`).
    public init(session: ZooKeeperSession, path: String, label: String = "member", data: [UInt8] = []) throws(ZooKeeperError) {
        group = try ZooKeeperGroup(session: session, path: path)
        self.label = label
        self.data = data
    }

    /// The status now.
    public var currentStatus: Status { status }

    /// This participant's node while it takes part: the fencing node of the leader's writes.
    public var ownMember: ZooKeeperGroupMember? { member }

    /// The status now, then every change.
    public func statusUpdates() -> AsyncStream<Status> {
        let (stream, continuation) = AsyncStream<Status>.makeStream(bufferingPolicy: .unbounded)
        continuation.yield(status)
        if status.isLost {
            continuation.finish()
            return stream
        }
        nextSubscriber += 1
        let id = nextSubscriber
        subscribers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    /// The current leader of the group and its data (read now), or nil when there is none.
    public nonisolated func leader() async throws(ZooKeeperError) -> (member: ZooKeeperGroupMember, data: [UInt8])? {
        try await group.leader()
    }

    /// Joins the election (again, after `abdicate`) and returns once this participant knows
    /// whether it leads. Does nothing while it takes part. Throws `ZooKeeperError` (the
    /// session ended: `SESSIONEXPIRED`, `CLOSING`) or `CancellationError`.
    public func start() async throws {
        if case .lost(let error) = status { throw error }
        guard member == nil else { return }
        let joined = try await group.join(label: label, data: data)
        guard member == nil else {
            try? await group.leave(joined)  // A concurrent start won.
            return
        }
        member = joined
        generation += 1
        let updates = statusUpdates()
        let current = generation
        runner = Task { await self.run(generation: current) }
        for await update in updates where update != .idle { break }
        try Task.checkCancellation()
        if case .lost(let error) = status { throw error }
    }

    /// Leaves the election: deletes the own node, so the next participant leads at once.
    /// The status becomes `.idle`; `start` joins again (at the end of the queue).
    public func abdicate() async throws(ZooKeeperError) {
        guard let own = member else { return }
        generation += 1
        runner?.cancel()
        runner = nil
        do {
            try await group.leave(own)
        } catch {
            // The node may still be there: keep taking part.
            if member == own, !status.isLost {
                generation += 1
                let current = generation
                runner = Task { await self.run(generation: current) }
            }
            throw error
        }
        if member == own {
            member = nil
            publish(.idle)
        }
    }

    private func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)
    }

    private func publish(_ next: Status) {
        guard next != status else { return }
        status = next
        for subscriber in subscribers.values {
            subscriber.yield(next)
            if next.isLost { subscriber.finish() }
        }
        if next.isLost { subscribers.removeAll() }
    }

    // MARK: - The election

    private enum Wake: Sendable {
        case watch
        case state(ZooKeeperSession.State)
    }

    /// What one look at the election found.
    private enum Outcome {
        /// The status, and the node watched until the next look.
        case settled(Status, ZooKeeperWatch)
        /// The predecessor went between the listing and the watch: look again.
        case again
        /// The own node is gone: join again.
        case rejoin
    }

    /// Looks at the election after every change of the watched node and of the session, until
    /// the generation changes (abdicate) or the session ends.
    private func run(generation current: Int) async {
        let session = group.session
        let (wakes, wake) = AsyncStream<Wake>.makeStream(bufferingPolicy: .unbounded)
        let states = Task {
            for await state in session.stateUpdates() { wake.yield(.state(state)) }
        }
        var watched: ZooKeeperWatch?
        var watcher: Task<Void, Never>?
        defer {
            states.cancel()
            watcher?.cancel()
        }
        var pending = true
        var iterator = wakes.makeAsyncIterator()
        while generation == current {
            if pending, session.state == .connected, let own = member {
                pending = false
                do {
                    switch try await look(own: own, reusing: watched) {
                    case .settled(let next, let watch):
                        guard generation == current else { return }
                        publish(next)
                        if watch !== watched {
                            watcher?.cancel()
                            watched = watch
                            watcher = Task {
                                do { _ = try await watch.event() } catch is CancellationError { return } catch {}
                                wake.yield(.watch)
                            }
                        }
                    case .again:
                        pending = true
                        continue
                    case .rejoin:
                        let joined = try await group.join(label: label, data: data)
                        guard generation == current else {
                            try? await group.leave(joined)
                            return
                        }
                        member = joined
                        pending = true
                        continue
                    }
                } catch let error as ZooKeeperError where error.code.isConnectionProblem {
                    pending = true  // Looked at again once connected.
                } catch let error as ZooKeeperError {
                    return end(error, generation: current)
                } catch {
                    return  // Cancelled: abdicated.
                }
            }
            guard let next = await iterator.next(), generation == current else { return }
            switch next {
            case .watch:
                pending = true
            case .state(.connected):
                if case .suspended = status { pending = true }
            case .state(.disconnected), .state(.connecting):
                if let own = member, !status.isLost, status != .idle { publish(.suspended(own)) }
            case .state(let final):
                let code: ZooKeeperError.Code = final == .expired ? .sessionExpired : final == .authFailed ? .authFailed : .closing
                return end(ZooKeeperError(code, operation: "leader election", path: member?.path ?? group.path), generation: current)
            }
        }
    }

    private func end(_ error: ZooKeeperError, generation current: Int) {
        guard generation == current else { return }
        member = nil
        publish(.lost(error))
    }

    /// One look: the members, this participant's place, and the watch to wait on (the own
    /// node for the leader, the predecessor for a follower). An unfired watch on the same node
    /// is kept rather than set again.
    private func look(own: ZooKeeperGroupMember, reusing watched: ZooKeeperWatch?) async throws(ZooKeeperError) -> Outcome {
        let members = try await group.session.children(group.path)
            .compactMap { ZooKeeperGroupMember(name: $0, group: group.path) }.sorted()
        guard let index = members.firstIndex(of: own) else { return .rejoin }
        let target = index == 0 ? own : members[index - 1]
        let next: Status = index == 0 ? .leader(own) : .follower(own, predecessor: target)
        if let watched, watched.path == target.path, watched.result == nil {
            return .settled(next, watched)
        }
        // A data watch, so no watch stays behind when the node is already gone.
        do {
            let (_, _, watch) = try await group.session.getAndWatch(target.path)
            return .settled(next, watch)
        } catch where error.code == .noNode {
            return index == 0 ? .rejoin : .again
        }
    }
}
