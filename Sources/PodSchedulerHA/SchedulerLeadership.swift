import Foundation
import Logging
import PodSchedulerCore
import Synchronization
import ZooKeeper

/// High availability for pod-scheduler (`--zk`): this instance takes part in the election under
/// `<path>/leader`, and while it leads, runs a `Scheduler` over the ZooKeeper store with every
/// write fenced and every call to Mesos gated (`LeadershipGate`). It drives
/// `LeadershipStateMachine` with the election's news, its own confirmations of leadership and
/// the passing of time, and performs its actions: start a term (open the store, load, refuse a
/// state without framework id, start the scheduler), end one (tear everything down), leave and
/// rejoin the election, and replace the session when it ended.
public actor SchedulerLeadership: LeadershipView {
    public struct Configuration: Sendable {
        public var url: ZooKeeperURL
        public var sessionTimeout: Duration
        public var connectTimeout: Duration
        /// This instance's REST API, as others reach it.
        public var ownAddress: LeaderAddress

        public init(url: ZooKeeperURL, sessionTimeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(10),
                    ownAddress: LeaderAddress) {
            self.url = url
            self.sessionTimeout = sessionTimeout
            self.connectTimeout = connectTimeout
            self.ownAddress = ownAddress
        }

        /// How long a confirmation keeps the gate open: well inside the session timeout.
        var gateWindow: Duration { sessionTimeout * 2 / 3 }
        /// How often leadership is confirmed (four times per window).
        var heartbeat: Duration { max(sessionTimeout / 6, .milliseconds(50)) }
    }

    /// What leading takes, from the executable: a scheduler loaded from a store (not started;
    /// its configuration carries the gate and the callback for a framework taken over), and
    /// its start.
    public struct Duties: Sendable {
        public var load: @Sendable (_ store: any SchedulerStateStore, _ gate: LeadershipGate, _ events: EventBus,
                                    _ takenOver: @escaping @Sendable () async -> Void) async throws -> Scheduler
        public var start: @Sendable (Scheduler) async -> Void

        public init(load: @escaping @Sendable (any SchedulerStateStore, LeadershipGate, EventBus,
                                               @escaping @Sendable () async -> Void) async throws -> Scheduler,
                    start: @escaping @Sendable (Scheduler) async -> Void) {
            self.load = load
            self.start = start
        }
    }

    /// One term of leadership: its gate, and its store and scheduler once made.
    struct Term {
        var number: Int
        var gate: LeadershipGate
        var store: ZooKeeperSchedulerStore?
        var scheduler: Scheduler?
    }

    struct Published {
        var state: LeadershipStateMachine.State = .joining
        var leader: LeaderAddress?
        var term = 0
    }

    public nonisolated let configuration: Configuration
    public nonisolated let layout: ZooKeeperStoreLayout
    /// The `PodService` for the REST API: the current term's scheduler.
    public nonisolated let service: LeaderService
    let duties: Duties
    let logger: Logger
    let published = Mutex(Published())
    var machine: LeadershipStateMachine
    var session: ZooKeeperSession?
    var latch: ZooKeeperLeaderLatch?
    var current: Term?
    /// Numbers the sessions: events of an earlier session's watchers are dropped.
    var generation = 0
    var watchers: [Task<Void, Never>] = []
    let events: AsyncStream<(Int?, LeadershipStateMachine.Event)>
    let post: AsyncStream<(Int?, LeadershipStateMachine.Event)>.Continuation
    private var finished: [CheckedContinuation<Void, Never>] = []
    private var done = false
    /// `stop` was called (seen by `connect` while it retries).
    var stopPending = false

    public init(configuration: Configuration, duties: Duties, events: EventBus = EventBus(), frameworkName: String = "pod-scheduler",
                logger: Logger) {
        self.configuration = configuration
        layout = ZooKeeperStoreLayout(root: configuration.url.path)
        service = LeaderService(events: events, name: frameworkName)
        self.duties = duties
        self.logger = logger
        machine = LeadershipStateMachine(sessionTimeout: configuration.sessionTimeout)
        (self.events, post) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    // MARK: LeadershipView

    public nonisolated var ownAddress: LeaderAddress { configuration.ownAddress }

    public nonisolated var snapshot: LeadershipSnapshot {
        published.withLock { p in
            let leading = p.state.name == "leading"
            var refusal: String?
            if case .refused(let reason) = p.state { refusal = reason }
            return LeadershipSnapshot(isLeader: leading, term: p.term, leader: leading ? configuration.ownAddress : p.leader,
                                      state: p.state.name, refusal: refusal)
        }
    }

    /// Abdicates half a second after the answer (as Marathon), when this instance leads.
    public nonisolated func abdicate() async -> Bool {
        guard snapshot.isLeader else { return false }
        let post = post
        Task {
            try? await Task.sleep(for: .milliseconds(500))
            post.yield((nil, .abdicate))
        }
        return true
    }

    // MARK: Running

    /// Takes part in the election until `stop`: a session (made again when one ends), the
    /// latch, and the events, one at a time.
    public func run() async {
        defer { finish() }
        while machine.state != .stopped {
            guard let session = await connect() else { break }
            generation += 1
            self.session = session
            let latch: ZooKeeperLeaderLatch
            do {
                latch = try ZooKeeperLeaderLatch(session: session, path: layout.election, label: "member",
                                                 data: Array(try JSONEncoder().encode(configuration.ownAddress)))
            } catch {
                logger.error("cannot take part in the election", metadata: ["error": "\(error)", "zk.path": "\(layout.election)"])
                await session.close()
                return
            }
            self.latch = latch
            startWatchers(session: session, latch: latch, generation: generation)
            await join()
            let newSession = await handleEvents()
            stopWatchers()
            if newSession || machine.state == .stopped {
                self.latch = nil
                self.session = nil
                await session.close()
            }
        }
    }

    /// Leaves the election (a follower leads at once) and tears the scheduler down; returns
    /// once `run` ended.
    public func stop() async {
        stopPending = true
        post.yield((nil, .stop))
        if done { return }
        await withCheckedContinuation { finished.append($0) }
    }

    private func finish() {
        done = true
        for waiter in finished { waiter.resume() }
        finished.removeAll()
    }

    /// Handles events until the session must be replaced (true) or the instance stops.
    private func handleEvents() async -> Bool {
        for await (from, event) in events {
            if let from, from != generation { continue }
            let before = machine.state
            let actions = machine.handle(event)
            if machine.state != before {
                logger.info("leadership", metadata: ["ha.state": "\(machine.state.name)", "ha.event": "\(Self.name(of: event))",
                                                     "ha.term": "\(machine.state.term.map(String.init) ?? "-")"])
            }
            publishState()
            for action in actions {
                switch action {
                case .startLeading(let term):
                    begin(term)
                case .stopLeading(let term):
                    await end(term)
                case .leaveElection:
                    do { try await latch?.abdicate() } catch {
                        logger.warning("cannot leave the election; the session's end will", metadata: ["error": "\(error)"])
                    }
                case .rejoin(newSession: true):
                    return true
                case .rejoin(newSession: false):
                    await join()
                }
            }
            if machine.state == .stopped { return false }
        }
        return false
    }

    private func publishState() {
        let state = machine.state
        published.withLock { p in
            if p.state.term != state.term || (p.state.name == "leading") != (state.name == "leading") { p.term += 1 }
            p.state = state
        }
    }

    static func name(of event: LeadershipStateMachine.Event) -> String {
        switch event {
        case .joined: "joined"
        case .elected: "elected"
        case .following: "following"
        case .disconnected: "disconnected"
        case .unconfirmed: "unconfirmed"
        case .confirmed: "confirmed"
        case .sessionLost: "session lost"
        case .ready: "ready"
        case .failed(_, let reason, _): "failed: \(reason)"
        case .frameworkTakenOver: "framework taken over"
        case .abdicate: "abdicate"
        case .tick: "tick"
        case .stop: "stop"
        }
    }
}
