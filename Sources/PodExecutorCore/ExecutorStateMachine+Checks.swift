import Foundation
import MesosProtocol

/// Mesos checks (`TaskInfo.check`, docs/reference/mesos-cluster-operations.md §6.2), as the
/// default executor runs them: the executor neither interprets nor acts on a result. Every
/// update of a checked task carries `check_status` (its type, and an empty result until
/// there is one); a new result is sent only when it differs from the last one, as a copy of
/// the task's last status with `REASON_TASK_CHECK_STATUS_UPDATED`; checking starts at
/// TASK_RUNNING and stops when the task is being killed or has ended.
extension ExecutorStateMachine {
    /// The status of a check with no result yet: its type and an empty matching member.
    static func emptyCheckStatus(_ type: Mesos_V1_CheckInfo.TypeEnum) -> Mesos_V1_CheckStatusInfo {
        var status = Mesos_V1_CheckStatusInfo()
        status.type = type
        switch type {
        case .command: status.command = .init()
        case .http: status.http = .init()
        case .tcp: status.tcp = .init()
        default: break
        }
        return status
    }

    /// A fresh status of a task, from this executor.
    func baseStatus(_ id: String, state: Mesos_V1_TaskState) -> Mesos_V1_TaskStatus {
        var status = Mesos_V1_TaskStatus()
        status.taskID = Mesos_V1_TaskID(id)
        status.state = state
        status.source = .executor
        status.executorID = configuration.executorID
        status.uuid = Data(makeUUID())
        status.timestamp = now()
        return status
    }

    /// Puts the task's last check status (or the empty one) on a new status of a checked task.
    func carryCheckStatus(_ status: inout Mesos_V1_TaskStatus, of task: Task) {
        guard task.info.hasCheck else { return }
        if let last = task.lastStatus, last.hasCheckStatus {
            status.checkStatus = last.checkStatus
        } else {
            status.checkStatus = Self.emptyCheckStatus(task.info.check.type)
        }
    }

    mutating func startCheck(_ id: String, _ actions: inout [Action]) {
        guard let task = tasks[id], task.info.hasCheck, !task.checkRunning else { return }
        tasks[id]?.checkRunning = true
        actions.append(.startCheck(taskID: id))
    }

    mutating func stopCheck(_ id: String, _ actions: inout [Action]) {
        guard tasks[id]?.checkRunning == true else { return }
        tasks[id]?.checkRunning = false
        actions.append(.stopCheck(taskID: id))
    }

    mutating func onCheckResult(_ id: String, _ result: Mesos_V1_CheckStatusInfo, _ actions: inout [Action]) {
        guard let task = tasks[id], task.phase == .running, task.checkRunning else { return }
        if PodReadinessContract.isReady(result, httpStatusCodes: PodReadinessContract.statusCodes(in: task.info.labels)) {
            // A READY dependency holds from the first ready result on (as HEALTHY does).
            tasks[id]?.everReady = true
        }
        // Results are dropped while disconnected (they could not be reported), as health results.
        guard connection == .subscribed, var status = task.lastStatus, status.checkStatus != result else { return }
        status.uuid = Data(makeUUID())
        status.timestamp = now()
        status.reason = .taskCheckStatusUpdated
        status.checkStatus = result
        tasks[id]?.lastStatus = status
        enqueue(status, &actions)
    }
}
