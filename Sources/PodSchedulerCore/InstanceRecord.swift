import Foundation
import PodSpec

/// An instance as the scheduler stores it: its goal, where it runs, and each container's
/// task as Mesos last reported it.
struct InstanceRecord: Codable, Sendable, Equatable {
    struct Task: Codable, Sendable, Equatable {
        var taskID: String
        var containerName: String
        var state: String
        var healthy: Bool?
        var stagedAt: Date
        var startedAt: Date?
        var addresses: [TaskAddress]
        var message: String?
        var lastUUID: Data?
        /// A container with a readiness check: whether its last check status said ready
        /// (false until one does); nil for a container without one (and in older records).
        var ready: Bool? = nil
        /// Restarts in place, from the executor's restart updates (absent: none).
        var restartCount: Int?
        var lastTermination: ContainerTermination?
    }

    var instanceID: String
    var podID: PodId
    var specVersion: PodVersion
    var goal: InstanceGoal
    /// Condition when no task is launched (Scheduled/Provisioned); otherwise derived.
    var baseCondition: InstanceCondition
    var since: Date
    var activeSince: Date?
    var createdAt: Date
    var incarnation: Int
    var agentID: String?
    var agentHostname: String?
    var role: String
    var tasks: [Task]
    var hostPorts: [Int]
    var launchedAt: Date?
    /// Killed on request (kill endpoint without wipe): relaunch without a backoff delay.
    var relaunchWithoutDelay: Bool
    /// When the instance entered the launch queue (`since` of `/v2/queue`): set when it
    /// is scheduled, kept while it is provisioned, cleared when it leaves the queue.
    /// Absent in records of older stores.
    var queuedSince: Date?
    /// A resident instance's reservation and persistent volumes, once RESERVE + CREATE were
    /// sent; kept while no task runs, and after the instance stopped until they are freed.
    /// Absent in records of older stores and for non-resident pods.
    var reservation: ReservationRecord? = nil

    var executorID: String? { InstanceId.parseOrNil(instanceID)?.executorId }

    /// Marathon's instance condition: the worst task condition by priority (docs/reference/marathon-pods-api.md §12.3).
    var condition: InstanceCondition {
        guard !tasks.isEmpty else { return baseCondition == .scheduled && reservation != nil ? .reserved : baseCondition }
        let order: [InstanceCondition] = [.error, .failed, .gone, .dropped, .unreachable, .killing, .starting, .staging,
                                          .unknown, .provisioned, .running, .finished, .killed]
        let conditions = tasks.map { InstanceCondition(taskState: $0.state) }
        for c in order where conditions.contains(c) { return c }
        return baseCondition
    }

    /// Every task ended.
    var allTasksTerminal: Bool { !tasks.isEmpty && tasks.allSatisfy { InstanceCondition(taskState: $0.state).isTerminal } }

    /// Running with all health checks (if any) passing and every container with a readiness
    /// check ready (its own spec's checks: `ready` is set at launch): counts towards deployments.
    func isReady(_ pod: PodDefinition?) -> Bool {
        isReady(healthChecked: Self.healthChecked(pod))
    }

    /// `isReady` with the names of the pod's health-checked containers worked out once.
    func isReady(healthChecked checked: Set<String>) -> Bool {
        guard condition == .running, !tasks.isEmpty else { return false }
        return tasks.allSatisfy { t in (!checked.contains(t.containerName) || t.healthy == true) && t.ready != false }
    }

    /// The names of the pod's containers that have a health check.
    static func healthChecked(_ pod: PodDefinition?) -> Set<String> {
        Set(pod?.containers.filter { $0.healthCheck != nil }.map(\.name) ?? [])
    }

    /// Marathon's `isScheduled`: meant to run, waiting for an offer (or for its relaunch).
    var isScheduled: Bool {
        goal == .running && (tasks.isEmpty ? baseCondition == .scheduled : allTasksTerminal)
    }

    /// Marathon's `isProvisioned`: launched, and Mesos has not reported on any task yet.
    var isProvisioned: Bool {
        goal == .running && baseCondition == .provisioned && !tasks.isEmpty
            && tasks.allSatisfy { $0.state == "TASK_STAGING" && $0.lastUUID == nil }
    }

    /// In Marathon's launch queue (`/v2/queue`): scheduled or provisioned.
    var isQueued: Bool { isScheduled || isProvisioned }

    /// Stopped (scaled down, wiped, its pod deleted) with a reservation still to free: kept
    /// until an offer shows the reservation and DESTROY + UNRESERVE are sent.
    var isReleasingReservation: Bool { goal != .running && reservation != nil && !hasLiveTasks }

    /// A task is still (or may be) alive on the agent.
    var hasLiveTasks: Bool { tasks.contains { !InstanceCondition(taskState: $0.state).isTerminal } }

    var snapshot: InstanceSnapshot {
        var snapshot = InstanceSnapshot(instanceID: instanceID, podID: podID, specVersion: specVersion, condition: condition, since: since,
                         activeSince: activeSince, goal: goal, agentHostname: agentHostname, agentID: agentID, agentRegion: nil,
                         agentZone: nil, role: role,
                         tasks: tasks.map { TaskSnapshot(taskID: $0.taskID, containerName: $0.containerName, state: $0.state,
                                                         healthy: $0.healthy, stagedAt: $0.stagedAt, startedAt: $0.startedAt,
                                                         addresses: $0.addresses, message: $0.message,
                                                         restartCount: $0.restartCount ?? 0, lastTermination: $0.lastTermination) },
                         hostPorts: hostPorts,
                         // Resident instances wait for their agent (Marathon's default for them).
                         unreachableStrategy: reservation == nil ? .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0) : .disabled,
                         incarnation: incarnation, reservation: reservation?.snapshot)
        for index in snapshot.tasks.indices where tasks.indices.contains(index) { snapshot.tasks[index].ready = tasks[index].ready }
        return snapshot
    }

    /// Whether any container of this launch has a readiness check.
    var hasReadinessChecks: Bool { tasks.contains { $0.ready != nil } }

    /// The instance's `ready` condition: running, and every container with a readiness check ready.
    var isReadinessReady: Bool { condition == .running && tasks.allSatisfy { $0.ready != false } }
}

extension InstanceId {
    static func parseOrNil(_ text: String) -> InstanceId? {
        do { return try InstanceId.parse(text) } catch { return nil }
    }
}
