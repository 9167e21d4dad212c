import Foundation
import PodSchedulerCore
import PodSpec
import Primitives

/// Turns what the scheduler knows about a pod into Marathon 1.10's `PodStatus` document
/// (docs/reference/marathon-pods-api.md §12). Pure: the same snapshot and `now` give the same JSON.
public struct PodStatusRenderer: Sendable {
    /// The status of one pod instance (docs/reference/marathon-pods-api.md §12.3).
    public enum InstanceState: String, Sendable, Equatable {
        /// Waiting for a launch or relaunch.
        case pending = "PENDING"
        /// Launched, not yet running.
        case staging = "STAGING"
        /// Running, and every health-checked container is healthy.
        case stable = "STABLE"
        /// Running with an unhealthy container, or unreachable.
        case degraded = "DEGRADED"
        /// Finished, failed, killed, or stopped for good.
        case terminal = "TERMINAL"
    }

    /// The status of a pod (docs/reference/marathon-pods-api.md §12.4).
    public enum PodState: String, Sendable, Equatable {
        /// At least `scaling.instances` instances are STABLE.
        case stable = "STABLE"
        /// Fewer instances than wanted are STABLE.
        case degraded = "DEGRADED"
        /// A running deployment is deleting the pod.
        case terminal = "TERMINAL"
    }

    /// Marathon's default executor resources, the base of every instance's `resources`
    /// (the pod's own `executorResources` are not used here, as in Marathon).
    static let defaultExecutorResources = (cpus: 0.1, mem: 32.0, disk: 10.0, gpus: 0)

    static let unreachableMessage = "pod instance has become unreachable"
    static let unhealthyMessage = "at least one container is not healthy"

    /// The time the status is computed (`lastUpdated`; `statusSince` when no instance is listed).
    public var now: Date

    /// A renderer for a status taken at `now`.
    public init(now: Date) {
        self.now = now
    }

    /// The `PodStatus` document of one pod.
    public func render(_ snapshot: PodStatusSnapshot) -> JSONValue {
        let listed = snapshot.instances.filter(Self.isListed)
        let rendered = listed.map { render(instance: $0, spec: snapshot.spec(of: $0)) }
        let statusSince = listed.map(\.since).max() ?? now
        var object = JSONObject()
        object["id"] = .string(snapshot.spec.id.absolute)
        object["spec"] = Self.statusSpec(snapshot.spec)
        object["status"] = .string(podState(snapshot).rawValue)
        object["statusSince"] = .string(MarathonTimestamp.status(statusSince))
        object["instances"] = .array(rendered)
        object["terminationHistory"] = .array(terminationHistory(snapshot).map { [$0] } ?? [])
        object["lastUpdated"] = .string(MarathonTimestamp.status(now))
        object["lastChanged"] = .string(MarathonTimestamp.status(statusSince))
        return .object(object)
    }

    /// The pod's status: TERMINAL while a deployment deletes it, STABLE once enough listed
    /// instances are STABLE (so a pod scaled to 0 is STABLE), DEGRADED otherwise.
    public func podState(_ snapshot: PodStatusSnapshot) -> PodState {
        if snapshot.terminating { return .terminal }
        let stable = snapshot.instances.filter(Self.isListed)
            .filter { instanceState($0, spec: snapshot.spec(of: $0)).state == .stable }.count
        return stable >= snapshot.spec.instances ? .stable : .degraded
    }

    /// Marathon 1.8/1.10 leave out instances that are scheduled and were never placed; one
    /// waiting for its relaunch (a later incarnation) is listed, as PENDING.
    /// One waiting for a secret is listed too, with why.
    static func isListed(_ instance: InstanceSnapshot) -> Bool {
        instance.waitingReason != nil || !(instance.condition == .scheduled && instance.agentHostname == nil && instance.agentID == nil && instance.incarnation <= 1)
    }

    /// The instance status and its message (docs/reference/marathon-pods-api.md §12.3).
    public func instanceState(_ instance: InstanceSnapshot, spec: PodDefinition)
        -> (state: InstanceState, message: String?) {
        let condition = instance.condition
        let waiting = condition == .scheduled || condition == .reserved || condition == .provisioned || condition.isTerminal
        if instance.goal == .running && waiting { return (.pending, instance.waitingReason) }
        switch condition {
        case .scheduled, .reserved, .provisioned:
            return (.terminal, nil)
        case .staging, .starting:
            return (.staging, nil)
        case .error, .failed, .finished, .killed, .killing, .gone, .dropped, .unknown:
            return (.terminal, nil)
        case .unreachable, .unreachableInactive:
            return (.degraded, Self.unreachableMessage)
        case .running:
            let unhealthy = instance.tasks.contains { task in
                healthCondition(task, instance: instance, spec: spec)?.healthy == false
            }
            return unhealthy ? (.degraded, Self.unhealthyMessage) : (.stable, nil)
        }
    }

    /// The spec inside a status: Marathon's Play writer drops an empty `placement`.
    static func statusSpec(_ spec: PodDefinition) -> JSONValue {
        guard case .object(var object) = spec.renderJSONValue() else { return spec.renderJSONValue() }
        if case .object(var scheduling)? = object["scheduling"],
           case .object(let placement)? = scheduling["placement"], placement.isEmpty {
            scheduling["placement"] = nil
            object["scheduling"] = .object(scheduling)
        }
        return .object(object)
    }

    /// At most one entry, from the pod's last task failure, while the failed task's
    /// instance is still one of the pod's instances (docs/reference/marathon-pods-api.md §12.6).
    func terminationHistory(_ snapshot: PodStatusSnapshot) -> JSONValue? {
        guard let failure = snapshot.lastFailure,
              snapshot.instances.contains(where: { $0.instanceID == failure.instanceID })
        else { return nil }
        var object = JSONObject()
        object["instanceID"] = .string(failure.instanceID)
        object["startedAt"] = .string(MarathonTimestamp.status(failure.startedAt))
        object["terminatedAt"] = .string(MarathonTimestamp.status(failure.terminatedAt))
        object["message"] = .string(failure.message)
        object["containers"] = .array(failure.containers.map { container in
            ["containerId": .string(container.taskID), "lastKnownState": .string(Self.internalStateName(container.state))]
        })
        return .object(object)
    }

    /// Marathon's internal task state names (`TASK_FAILED` → `TaskFailed`).
    static func internalStateName(_ state: String) -> String {
        guard state.hasPrefix("TASK_") else { return state }
        let words = state.dropFirst("TASK_".count).split(separator: "_")
        return "Task" + words.map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined()
    }
}
