/// Where an instance serves its REST API: what the election record of the leader carries, so
/// that other instances can proxy to it and `/v2/leader` can name it.
public struct LeaderAddress: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `host:port` (Marathon's `hostPort`).
    public var hostPort: String
    /// `http`, or `https` when the instance serves HTTPS only.
    public var scheme: String

    public init(hostPort: String, scheme: String) {
        self.hostPort = hostPort
        self.scheme = scheme
    }

    /// `scheme://host:port` (`X-Marathon-Leader`).
    public var url: String { "\(scheme)://\(hostPort)" }
    public var description: String { url }
}

/// This instance's part in the leadership, as the REST layer sees it at one moment.
public struct LeadershipSnapshot: Sendable, Equatable {
    /// This instance leads and its scheduler is ready: requests are served here.
    public var isLeader: Bool
    /// Changes whenever this instance starts or stops leading: a request that began under
    /// another term than the one it ends under may have met a scheduler being torn down.
    public var term: Int
    /// The leader (this instance included), nil when none is known.
    public var leader: LeaderAddress?
    /// `leading`, `loading`, `suspended`, `following`, `joining`, `refused`, `stopped`.
    public var state: String
    /// Why this instance refuses to lead, when it does.
    public var refusal: String?

    public init(isLeader: Bool, term: Int, leader: LeaderAddress?, state: String, refusal: String? = nil) {
        self.isLeader = isLeader
        self.term = term
        self.leader = leader
        self.state = state
        self.refusal = refusal
    }
}

/// Who leads, for the REST layer (the proxy, `/v2/leader`, `/v2/info`, `X-Marathon-Leader`).
public protocol LeadershipView: Sendable {
    /// The state now.
    var snapshot: LeadershipSnapshot { get }
    /// This instance itself.
    var ownAddress: LeaderAddress { get }
    /// Gives leadership up (`DELETE /v2/leader`), after the answer went out; false when this
    /// instance does not lead.
    func abdicate() async -> Bool
}

/// The single instance (no `--zk`): always the leader, and abdicating is refused.
public struct SingleInstanceLeadership: LeadershipView {
    public let ownAddress: LeaderAddress

    public init(ownAddress: LeaderAddress) {
        self.ownAddress = ownAddress
    }

    public var snapshot: LeadershipSnapshot {
        LeadershipSnapshot(isLeader: true, term: 1, leader: ownAddress, state: "leading")
    }

    public func abdicate() async -> Bool { false }
}
