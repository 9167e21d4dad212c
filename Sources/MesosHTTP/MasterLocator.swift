import MesosProtocol

/// The leading master as a detector reports it: where to reach its scheduler API, and its
/// `MasterInfo` when the detector read one.
public struct LeadingMaster: Sendable, Equatable, CustomStringConvertible {
    public var endpoint: MesosEndpoint
    public var info: Mesos_V1_MasterInfo?

    public init(endpoint: MesosEndpoint, info: Mesos_V1_MasterInfo? = nil) {
        self.endpoint = endpoint
        self.info = info
    }

    public var description: String {
        guard let info, !info.id.isEmpty else { return endpoint.description }
        return "\(endpoint) (master \(info.id))"
    }
}

/// Where a scheduler learns which master leads (`--master zk://…`: a ZooKeeper detector).
/// The scheduler subscribes only to the leader it reports, and when the leader changes it
/// ends its subscription and subscribes to the new one, as Mesos' scheduler library does
/// with its `MasterDetector` (`mesos:src/scheduler/scheduler.cpp`).
public protocol MasterLocator: Sendable {
    /// The leading master once known, then after every change; nil while no master leads
    /// (none registered, or the leader's node could not be read). Every call makes a new
    /// stream; it ends when the locator stops.
    func leaders() -> AsyncStream<LeadingMaster?>
}
