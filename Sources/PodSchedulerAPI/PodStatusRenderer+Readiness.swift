import PodSchedulerCore
import Primitives

extension PodStatusRenderer {
    /// The `ready` condition of a container with a readiness check (ours): whether its last
    /// check status said ready. Containers without one have none, as in Marathon.
    static func readyCondition(task: TaskSnapshot, instance: InstanceSnapshot, since: JSONValue) -> JSONValue? {
        guard let ready = task.ready else { return nil }
        return condition(ready, since: since)
    }

    /// The `ready` condition of an instance whose containers have readiness checks: running,
    /// and every such container ready. What deployments count (with health).
    static func readyCondition(instance: InstanceSnapshot, since: JSONValue) -> JSONValue? {
        guard instance.tasks.contains(where: { $0.ready != nil }) else { return nil }
        return condition(instance.condition == .running && instance.tasks.allSatisfy { $0.ready != false }, since: since)
    }

    private static func condition(_ ready: Bool, since: JSONValue) -> JSONValue {
        [
            "name": "ready",
            "value": .string(ready ? "true" : "false"),
            "reason": .string(ready ? "readiness-check-passed" : "readiness-check-not-passed"),
            "lastChanged": since,
            "lastUpdated": since,
        ]
    }
}
