/// The leadership lifecycle of one pod-scheduler instance, as a pure state machine: the
/// election's news, the scheduler's start and the passing of time go in; what to do comes out.
///
/// ```
/// joining ─joined─► following ─elected─► loading ─ready─► leading ⇄ suspended ─(session timeout)─┐
///    ▲                  ▲                   │ failed            │ abdicate / taken over            │
///    │                  └───────────────────┴───────────────────┴──── session lost ─────────────────┤
///    └──────────────────────────────────────────────────────────────────────────────────────────────┘
/// loading ─failed (refuse)─► refused        any ─stop─► stopped
/// ```
///
/// A leader that loses the connection to ZooKeeper, or whose leadership was not confirmed for
/// a while, is suspended: its gate (`LeadershipGate`) is closed, so it calls Mesos and writes
/// nothing, and after the session timeout it is lost (Marathon and Curator treat a suspension
/// that long as lost too, and a ZooKeeper client cut off from every server never learns that
/// its session expired). Lost leadership tears the scheduler down completely and rejoins the
/// election as a follower, on a new session when the old one ended.
public struct LeadershipStateMachine: Sendable {
    public enum State: Sendable, Equatable {
        case joining
        case following
        case loading(term: Int)
        case leading(term: Int)
        case suspended(term: Int, since: ContinuousClock.Instant)
        /// Out of the election until restarted: the stored state cannot be led.
        case refused(reason: String)
        case stopped

        public var name: String {
            switch self {
            case .joining: "joining"
            case .following: "following"
            case .loading: "loading"
            case .leading: "leading"
            case .suspended: "suspended"
            case .refused: "refused"
            case .stopped: "stopped"
            }
        }

        /// The term while this instance holds (or takes up) leadership.
        public var term: Int? {
            switch self {
            case .loading(let term), .leading(let term), .suspended(let term, _): term
            default: nil
            }
        }
    }

    public enum Event: Sendable, Equatable {
        /// This instance's election node exists.
        case joined
        /// The election says this instance leads.
        case elected
        /// The election says another instance leads.
        case following
        /// The connection to ZooKeeper is lost (the session may live on).
        case disconnected(at: ContinuousClock.Instant)
        /// The leadership was not confirmed within the gate's window.
        case unconfirmed(at: ContinuousClock.Instant)
        /// The leadership was confirmed (the gate is open).
        case confirmed
        /// The session ended (expired, or closed).
        case sessionLost
        /// The term's scheduler loaded its state and started.
        case ready(term: Int)
        /// The term's scheduler could not start; with `refuse`, no instance should try again
        /// before an operator acts.
        case failed(term: Int, reason: String, refuse: Bool)
        /// Mesos gave the framework to another scheduler (`Framework failed over`).
        case frameworkTakenOver(term: Int)
        /// `DELETE /v2/leader`.
        case abdicate
        /// Time passes.
        case tick(now: ContinuousClock.Instant)
        /// SIGTERM.
        case stop
    }

    public enum Action: Sendable, Equatable {
        /// Open the fenced store, load the state, start the scheduler; report `ready`/`failed`.
        case startLeading(term: Int)
        /// Revoke the term's gate and tear its scheduler down.
        case stopLeading(term: Int)
        /// Delete this instance's election node (the next instance leads at once).
        case leaveElection
        /// Join the election again: on a new session when the old one ended.
        case rejoin(newSession: Bool)
    }

    public private(set) var state: State = .joining
    private var lastTerm = 0
    /// How long a leader may stay suspended before its leadership counts as lost.
    public let sessionTimeout: Duration

    public init(sessionTimeout: Duration) {
        self.sessionTimeout = sessionTimeout
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch (state, event) {
        case (.stopped, _), (.refused, .joined), (.refused, .elected), (.refused, .following), (.refused, .tick):
            return []
        case (_, .stop):
            let actions: [Action] = (state.term.map { [.stopLeading(term: $0)] } ?? []) + [.leaveElection]
            state = .stopped
            return actions
        case (.refused, _):
            return []
        case (_, .sessionLost):
            return lose(newSession: true)
        case (.joining, .joined), (.joining, .following):
            state = .following
            return []
        case (.joining, .elected), (.following, .elected):
            lastTerm += 1
            state = .loading(term: lastTerm)
            return [.startLeading(term: lastTerm)]
        case (.loading(let term), .ready(let ready)) where term == ready:
            state = .leading(term: term)
            return []
        case (.loading(let term), .failed(let failed, let reason, let refuse)) where term == failed:
            if refuse {
                state = .refused(reason: reason)
                return [.stopLeading(term: term), .leaveElection]
            }
            return stepDown(term)
        case (.leading(let term), .disconnected(let at)), (.leading(let term), .unconfirmed(let at)):
            state = .suspended(term: term, since: at)
            return []
        case (.suspended(let term, _), .elected), (.suspended(let term, _), .confirmed):
            state = .leading(term: term)
            return []
        case (.suspended(_, let since), .tick(let now)) where now - since >= sessionTimeout:
            return lose(newSession: true)
        case (.loading, .following), (.leading, .following), (.suspended, .following):
            // The own node is no longer first: another instance leads.
            return lose(newSession: false)
        case (.loading(let term), .abdicate), (.leading(let term), .abdicate), (.suspended(let term, _), .abdicate):
            return stepDown(term)
        case (.loading(let term), .frameworkTakenOver(let taken)) where term == taken,
             (.leading(let term), .frameworkTakenOver(let taken)) where term == taken,
             (.suspended(let term, _), .frameworkTakenOver(let taken)) where term == taken:
            return stepDown(term)
        default:
            return []
        }
    }

    /// Gives up the term and lets the next instance lead: this one joins again at the end.
    private mutating func stepDown(_ term: Int) -> [Action] {
        state = .joining
        return [.stopLeading(term: term), .leaveElection, .rejoin(newSession: false)]
    }

    private mutating func lose(newSession: Bool) -> [Action] {
        let actions: [Action] = (state.term.map { [.stopLeading(term: $0)] } ?? []) + [.rejoin(newSession: newSession)]
        state = .joining
        return actions
    }
}
