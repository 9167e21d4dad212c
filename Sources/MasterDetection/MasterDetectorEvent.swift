import MesosHTTP
import MesosProtocol
import ZooKeeper

/// The leading master as read from its group node.
public struct DetectedMaster: Sendable, Equatable, CustomStringConvertible {
    /// Its node (`/mesos/json.info_0000000003`).
    public var member: ZooKeeperGroupMember
    public var info: Mesos_V1_MasterInfo
    /// Where its scheduler API is (``MasterInfoCodec/endpoint(of:scheme:)``).
    public var endpoint: MesosEndpoint

    public init(member: ZooKeeperGroupMember, info: Mesos_V1_MasterInfo, endpoint: MesosEndpoint) {
        self.member = member
        self.info = info
        self.endpoint = endpoint
    }

    public var description: String { "\(endpoint) (master \(info.id), \(member.name))" }
}

/// What a `MasterDetector` reports: the leader, or why there is none.
public enum MasterDetectorEvent: Sendable, Equatable, CustomStringConvertible {
    /// The member with the smallest sequence leads, and this is what its node says.
    case leader(DetectedMaster)
    /// No master leads: the group is empty (or missing), its leading node vanished before it
    /// could be read, or the detector's ZooKeeper session was lost (detection goes on).
    case noLeader
    /// The leading member's node cannot be used (garbage, an unknown label, no address): no
    /// leader until the group changes. `reason` says what is wrong with it.
    case unreadable(member: ZooKeeperGroupMember, reason: String)

    /// The leader, when there is one.
    public var leader: DetectedMaster? {
        if case .leader(let master) = self { return master }
        return nil
    }

    /// What a scheduler subscribes to (nil: wait).
    public var leadingMaster: LeadingMaster? {
        leader.map { LeadingMaster(endpoint: $0.endpoint, info: $0.info) }
    }

    public var description: String {
        switch self {
        case .leader(let master): "leader \(master)"
        case .noLeader: "no leader"
        case .unreadable(let member, let reason): "leading node \(member.path) unreadable: \(reason)"
        }
    }
}
