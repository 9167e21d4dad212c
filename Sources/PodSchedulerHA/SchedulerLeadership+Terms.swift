import Foundation
import PodSchedulerCore
import ZooKeeper

extension SchedulerLeadership {
    // MARK: Session and election

    /// A new session, tried again (up to every 5 s) until one connects; nil once stopping.
    func connect() async -> ZooKeeperSession? {
        var backoff = Duration.milliseconds(250)
        while machine.state != .stopped {
            do {
                let session = try await ZooKeeperSession.connect(.init(
                    url: configuration.url, sessionTimeout: configuration.sessionTimeout,
                    connectTimeout: configuration.connectTimeout, logger: logger))
                logger.info("ZooKeeper session for the election", metadata: [
                    "zk.url": "\(configuration.url)", "zk.session.id": "\(session.identity.map(String.init(describing:)) ?? "-")",
                    "zk.session.timeout": "\(session.negotiatedTimeout.map(String.init(describing:)) ?? "-")",
                ])
                return session
            } catch {
                logger.error("cannot reach ZooKeeper; trying again", metadata: ["zk.url": "\(configuration.url)", "error": "\(error)"])
            }
            if await stopRequested(within: backoff) { return nil }
            backoff = min(backoff * 2, .seconds(5))
        }
        return nil
    }

    /// Sleeps, unless a stop arrives meanwhile (true).
    private func stopRequested(within delay: Duration) async -> Bool {
        let deadline = ContinuousClock.now + delay
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
            if stopPending { return true }
        }
        return stopPending
    }

    /// Joins the election (again) and reports where this instance stands.
    func join() async {
        guard let latch else { return }
        do {
            try await latch.start()
            post.yield((generation, .joined))
            if let own = await latch.ownMember {
                logger.info("joined the election", metadata: ["zk.path": "\(own.path)"])
            }
            post.yield((generation, Self.event(await latch.currentStatus) ?? .joined))
        } catch {
            logger.warning("cannot join the election", metadata: ["error": "\(error)"])
            post.yield((generation, .sessionLost))
        }
    }

    static func event(_ status: ZooKeeperLeaderLatch.Status) -> LeadershipStateMachine.Event? {
        switch status {
        case .idle: nil
        case .leader: .elected
        case .follower: .following
        case .suspended: .disconnected(at: .now)
        case .lost: .sessionLost
        }
    }

    // MARK: Watchers of one session

    /// The latch's news, who leads (for the proxy), and the heartbeat that confirms leadership
    /// and lets time pass.
    func startWatchers(session: ZooKeeperSession, latch: ZooKeeperLeaderLatch, generation: Int) {
        let post = post
        watchers.append(Task {
            for await status in await latch.statusUpdates() {
                if let event = Self.event(status) { post.yield((generation, event)) }
            }
        })
        let group = latch.group
        watchers.append(Task { [weak self] in
            do {
                for try await members in group.memberUpdates() {
                    await self?.learnLeader(members.first, session: session)
                }
            } catch {}
            self?.published.withLock { $0.leader = nil }
        })
        let interval = configuration.heartbeat
        watchers.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.confirm(session: session, generation: generation)
                post.yield((generation, .tick(now: .now)))
            }
        })
    }

    func stopWatchers() {
        for watcher in watchers { watcher.cancel() }
        watchers.removeAll()
        published.withLock { $0.leader = nil }
    }

    /// The leader's address from its election node.
    private func learnLeader(_ member: ZooKeeperGroupMember?, session: ZooKeeperSession) async {
        var address: LeaderAddress?
        if let member, let data = try? await session.get(member.path).data {
            address = Self.address(data)
            if address == nil { logger.warning("an election node that is not pod-scheduler's", metadata: ["zk.path": "\(member.path)"]) }
        }
        published.withLock { $0.leader = address }
    }

    /// An election node's data: our JSON record, or Marathon's plain `host:port`.
    static func address(_ data: [UInt8]) -> LeaderAddress? {
        if let record = try? JSONDecoder().decode(LeaderAddress.self, from: Data(data)) { return record }
        let text = String(decoding: data, as: UTF8.self)
        return text.contains(":") && !text.contains(" ") && !text.isEmpty ? LeaderAddress(hostPort: text, scheme: "http") : nil
    }

    /// One confirmation: this session still owns its election node. While this instance
    /// leads, the gate opens from when the request was sent; a stale confirmation reports
    /// `.unconfirmed`.
    private func confirm(session: ZooKeeperSession, generation: Int) async {
        guard generation == self.generation, let term = current, let own = await latch?.ownMember else { return }
        let sent = ContinuousClock.now
        if let stat = try? await session.exists(own.path), stat.ephemeralOwner == session.identity?.id {
            term.gate.confirm(sentAt: sent)
            post.yield((generation, .confirmed))
        } else if !term.gate.isOpen {
            post.yield((generation, .unconfirmed(at: .now)))
        }
    }

    // MARK: Terms

    /// Starts a term in the background: it reports `ready` or `failed`.
    func begin(_ number: Int) {
        let gate = LeadershipGate(window: configuration.gateWindow)
        current = Term(number: number, gate: gate)
        let generation = generation
        Task { await self.take(number, gate: gate, generation: generation) }
    }

    private func take(_ number: Int, gate: LeadershipGate, generation: Int) async {
        do {
            guard let session, let own = await latch?.ownMember else { throw StoreError(.fenced, "not in the election any more") }
            let sent = ContinuousClock.now
            guard let stat = try await session.exists(own.path), stat.ephemeralOwner == session.identity?.id else {
                throw StoreError(.fenced, "the election node is gone")
            }
            gate.confirm(sentAt: sent)
            let store = try await ZooKeeperSchedulerStore.open(session: session, layout: layout, fence: own.fence, gate: gate,
                                                               location: configuration.url.description, logger: logger)
            guard current?.number == number else { return await store.close() }
            current?.store = store
            let post = post
            let scheduler = try await duties.load(store, gate, service.events) { post.yield((generation, .frameworkTakenOver(term: number))) }
            guard current?.number == number else { return await scheduler.stop() }
            current?.scheduler = scheduler
            if await scheduler.lacksFrameworkID {
                let reason = "the state holds instances but no framework id: a new framework id would orphan their tasks; "
                    + "store the framework id in \(layout.path(StoreKey(.frameworkID, "id"))) and restart (docs/operations.md)"
                logger.error("refusing to lead", metadata: ["reason": "\(reason)"])
                post.yield((generation, .failed(term: number, reason: reason, refuse: true)))
                return
            }
            await duties.start(scheduler)
            guard current?.number == number else { return }
            service.serve(scheduler)
            logger.info("leading", metadata: ["ha.term": "\(number)", "zk.path": "\(own.path)"])
            post.yield((generation, .ready(term: number)))
        } catch {
            logger.error("cannot take up leadership", metadata: ["ha.term": "\(number)", "error": "\(error)"])
            post.yield((generation, .failed(term: number, reason: "\(error)", refuse: false)))
        }
    }

    /// Ends a term: the gate closes for good, the API stops serving, the scheduler and the
    /// store are torn down.
    func end(_ number: Int) async {
        guard let term = current, term.number == number else { return }
        current = nil
        term.gate.revoke()
        service.serve(nil)
        await term.scheduler?.stop()
        await term.store?.close()
        logger.info("leadership ended", metadata: ["ha.term": "\(number)"])
    }
}
