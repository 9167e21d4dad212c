import Foundation
import MesosProtocol

extension ExecutorStateMachine {
    // MARK: Updates

    /// Sends a non-terminal state for a task (a fresh status).
    mutating func send(_ id: String, state: Mesos_V1_TaskState, _ actions: inout [Action]) {
        guard var task = tasks[id] else { return }
        var status = baseStatus(id, state: state)
        if let previous = task.lastStatus, previous.hasContainerStatus {
            status.containerStatus = previous.containerStatus
        }
        carryCheckStatus(&status, of: task)
        task.lastStatus = status
        tasks[id] = task
        enqueue(status, &actions)
    }

    mutating func sendTerminal(_ id: String, state: Mesos_V1_TaskState, reason: Mesos_V1_TaskStatus.Reason?, message: String, _ actions: inout [Action]) {
        guard var task = tasks[id], task.phase.isLive else { return }
        var status = baseStatus(id, state: state)
        status.message = message
        if let reason { status.reason = reason }
        if let previous = task.lastStatus, previous.hasContainerStatus {
            status.containerStatus = previous.containerStatus
        }
        if task.hasHealthCheck, groups[task.group]?.unhealthyKill == true {
            status.healthy = false
        }
        carryCheckStatus(&status, of: task)
        task.lastStatus = status
        task.phase = .terminal(state)
        tasks[id] = task
        enqueue(status, &actions)
    }

    mutating func enqueue(_ status: Mesos_V1_TaskStatus, _ actions: inout [Action]) {
        var update = Mesos_V1_Executor_Call.Update()
        update.status = status
        let uuid = Array(status.uuid)
        unacknowledged.append((uuid, update))
        if connection == .subscribed {
            actions.append(.sendUpdate(uuid: uuid))
        }
    }
}
