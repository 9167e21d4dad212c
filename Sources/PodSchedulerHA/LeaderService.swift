import PodSchedulerCore
import PodSpec
import Synchronization

/// The REST layer's `PodService` of an instance that may lead: the scheduler of the current
/// term while this instance leads, none otherwise. The API proxies every request of a follower
/// to the leader, so a call reaches a missing scheduler only in the instant leadership changes
/// during a request: changes are then refused (503), and the API's term check turns any answer
/// of that instant into a 503 too. One event bus outlives the schedulers, so `/v2/events`
/// streams stay open across terms.
public final class LeaderService: PodService {
    private let current = Mutex<Scheduler?>(nil)
    public let events: EventBus
    private let name: String

    public init(events: EventBus = EventBus(), name: String = "pod-scheduler") {
        self.events = events
        self.name = name
    }

    /// The scheduler of the term that starts, or nil when it ends.
    public func serve(_ scheduler: Scheduler?) {
        current.withLock { $0 = scheduler }
    }

    private var scheduler: Scheduler? { current.withLock { $0 } }

    private func leading() throws(PodServiceError) -> Scheduler {
        guard let scheduler else { throw .unavailable("this pod-scheduler instance does not lead (any more); retry") }
        return scheduler
    }

    public func create(_ pod: PodDefinition, force: Bool) async throws(PodServiceError) -> PodChange {
        try await leading().create(pod, force: force)
    }

    public func update(_ pod: PodDefinition, force: Bool) async throws(PodServiceError) -> PodChange {
        try await leading().update(pod, force: force)
    }

    public func delete(_ id: PodId, force: Bool) async throws(PodServiceError) -> String {
        try await leading().delete(id, force: force)
    }

    public func pod(_ id: PodId) async -> PodDefinition? { await scheduler?.pod(id) }

    public func pods() async -> [PodDefinition] { await scheduler?.pods() ?? [] }

    public func versions(_ id: PodId) async -> [PodVersion]? { await scheduler?.versions(id) }

    public func pod(_ id: PodId, version: PodVersion) async -> PodDefinition? { await scheduler?.pod(id, version: version) }

    public func statusSnapshot(_ id: PodId) async -> PodStatusSnapshot? { await scheduler?.statusSnapshot(id) }

    public func statusSnapshots() async -> [PodStatusSnapshot] { await scheduler?.statusSnapshots() ?? [] }

    public func killInstances(_ id: PodId, instanceIds: [String], wipe: Bool) async throws(PodServiceError) -> [InstanceSnapshot] {
        try await leading().killInstances(id, instanceIds: instanceIds, wipe: wipe)
    }

    public func deployments() async -> [DeploymentSnapshot] { await scheduler?.deployments() ?? [] }

    public func cancelDeployment(_ id: String, force: Bool) async throws(PodServiceError) -> PodChange? {
        try await leading().cancelDeployment(id, force: force)
    }

    public func info() async -> SchedulerInfo {
        if let scheduler { return await scheduler.info() }
        return SchedulerInfo(name: name, version: Scheduler.version, frameworkID: nil, leader: "", masterURL: "", httpPort: 0,
                             elected: false)
    }

    public func redeemSecrets(token: String, instanceID: String, names: [String]) async throws(SecretAccessError) -> [String: [UInt8]] {
        guard let scheduler else { throw .unavailable("this pod-scheduler instance does not lead (any more); retry") }
        return try await scheduler.redeemSecrets(token: token, instanceID: instanceID, names: names)
    }

    public func queue(embedLastUnusedOffers: Bool) async -> [QueueItemSnapshot] {
        await scheduler?.queue(embedLastUnusedOffers: embedLastUnusedOffers) ?? []
    }

    public func resetDelay(_ id: PodId) async -> Bool { await scheduler?.resetDelay(id) ?? false }
}
