import Foundation
import MesosProtocol
import PodSpec
import Primitives

extension Scheduler {
    /// Marathon's `status_update_event` for a recorded task update (docs/reference/marathon-pods-api.md
    /// §14), with the restart count and last termination of a restart in place
    /// (`lifecycle.restart`, ours) when the update carries them.
    func statusUpdateEvent(_ status: Mesos_V1_TaskStatus, of record: InstanceRecord, task: InstanceRecord.Task) -> SchedulerEvent {
        var fields = JSONObject()
        fields["slaveId"] = .string(record.agentID ?? (status.hasAgentID ? status.agentID.value : ""))
        fields["taskId"] = .string(task.taskID)
        fields["taskStatus"] = .string(status.state.name)
        fields["message"] = .string(status.hasMessage ? status.message : "")
        fields["appId"] = .string(record.podID.absolute)
        fields["instanceId"] = .string(record.instanceID)
        fields["containerName"] = .string(task.containerName)
        fields["host"] = .string(record.agentHostname ?? "")
        fields["ipAddresses"] = .array(task.addresses.map { ["ipAddress": .string($0.ip), "protocol": "IPv4"] })
        fields["ports"] = .array(record.hostPorts.map { .int($0) })
        fields["version"] = .string(record.specVersion.description)
        if status.hasHealthy { fields["healthy"] = .bool(status.healthy) }
        if status.hasTimestamp, status.timestamp.isFinite, status.timestamp > 0 {
            // When the executor saw it: Mesos orders updates per task only, so the order of
            // events across containers is not the order things happened in.
            // Seconds since the epoch, as Mesos renders TaskStatus.timestamp.
            fields["statusTimestamp"] = .double(status.timestamp)
        }
        if let restart = ContainerTermination.restart(in: status.labels) {
            fields["restartCount"] = .int(restart.count)
            fields["restartScope"] = .string(status.labels.labels.last { $0.key == PodRestartContract.StatusLabel.scope }?.value ?? "container")
            if let last = restart.last {
                var termination = JSONObject()
                if let code = last.exitCode { termination["exitCode"] = .int(code) }
                if let signal = last.signal { termination["signal"] = .int(signal) }
                termination["oomKilled"] = .bool(last.oomKilled)
                termination["finishedAt"] = .string(MarathonTimestamp.status(last.finishedAt))
                fields["lastTermination"] = .object(termination)
            }
        }
        return SchedulerEvent(type: "status_update_event", fields: fields, podIDs: [record.podID])
    }
}
