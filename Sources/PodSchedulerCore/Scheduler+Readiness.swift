import Foundation
import MesosProtocol
import PodSpec
import Primitives

extension Scheduler {
    /// A task update's `check_status` decides its container's readiness, by the readiness
    /// check of the spec the instance runs (a container launched without one has no `ready`).
    func applyReadiness(_ status: Mesos_V1_TaskStatus, to record: inout InstanceRecord, task index: Int) {
        guard status.hasCheckStatus, record.tasks[index].ready != nil else { return }
        let name = record.tasks[index].containerName
        let check = spec(of: record)?.containers.first { $0.name == name }?.readinessCheck
        record.tasks[index].ready = check?.isReady(status.checkStatus) ?? false
    }

    /// The instance events of an update: Marathon's `instance_changed_event` when the
    /// instance's condition changed, and ours, `instance_readiness_changed_event`, when an
    /// instance with readiness checks became ready or stopped being ready.
    func publishInstanceChanges(from before: InstanceRecord, to after: InstanceRecord) {
        if before.condition != after.condition {
            var fields = JSONObject()
            fields["instanceId"] = .string(after.instanceID)
            fields["condition"] = .string(after.condition.rawValue)
            fields["runSpecId"] = .string(after.podID.absolute)
            fields["agentId"] = .string(after.agentID ?? "")
            fields["host"] = .string(after.agentHostname ?? "")
            fields["runSpecVersion"] = .string(after.specVersion.description)
            events.publish(SchedulerEvent(type: "instance_changed_event", fields: fields, podIDs: [after.podID]))
        }
        guard after.hasReadinessChecks, before.isReadinessReady != after.isReadinessReady else { return }
        var fields = JSONObject()
        fields["instanceId"] = .string(after.instanceID)
        fields["runSpecId"] = .string(after.podID.absolute)
        fields["runSpecVersion"] = .string(after.specVersion.description)
        fields["ready"] = .bool(after.isReadinessReady)
        fields["containers"] = .array(after.tasks.filter { $0.ready != nil }.map { task in
            ["name": .string(task.containerName), "ready": .bool(task.ready == true)]
        })
        events.publish(SchedulerEvent(type: "instance_readiness_changed_event", fields: fields, podIDs: [after.podID]))
        logger.info("instance readiness changed", metadata: ["pod.instance": "\(after.instanceID)", "pod.ready": "\(after.isReadinessReady)"])
    }
}
