import Foundation
import MesosProtocol
import NIOCore
import PodSystem

extension LocalAgent {
    // MARK: Events to executors

    /// Writes an event on the executor's subscription stream. Without a subscription a
    /// SHUTDOWN waits for the next SUBSCRIBE; other events are lost, as on the real agent
    /// (it writes them to a dead stream).
    func send(_ event: Mesos_V1_Executor_Event, to key: ExecutorKey) {
        guard let record = executors[key] else { return }
        guard let subscription = record.subscription else {
            if event.type == .shutdown {
                executors[key]?.pendingEvents.append(event)
            } else {
                logger.warning("event for an unsubscribed executor lost",
                               metadata: ["mesos.executor_id": "\(key.executorID)", "mesos.event": "\(event.type)"])
            }
            return
        }
        guard let bytes = try? subscription.encoding.encode(event) else {
            logger.error("cannot encode event", metadata: ["mesos.event": "\(event.type)"])
            return
        }
        subscription.continuation.yield(ByteBuffer(bytes: RecordIO.encode(bytes)))
    }

    // MARK: Updates

    /// Takes a status update from an executor (already validated): acknowledges it on the
    /// stream once checkpointed and forwards it in order.
    func accept(update: Mesos_V1_Executor_Call.Update, from key: ExecutorKey) async {
        var status = update.status
        if status.hasAgentID && status.agentID.value != agentID {
            // Dropped after 202, never acknowledged (recorded agent behaviour).
            logger.warning("update for another agent dropped", metadata: ["mesos.task_id": "\(status.taskID.value)"])
            return
        }
        if terminatingFrameworks.contains(key.frameworkID) {
            logger.info("ignoring status update for terminating framework", metadata: ["mesos.task_id": "\(status.taskID.value)"])
            return
        }
        status.source = .executor
        status.executorID = Mesos_V1_ExecutorID(key.executorID)
        status.agentID = Mesos_V1_AgentID(agentID)
        let taskID = status.taskID.value
        guard let record = executors[key], record.tasks[taskID] != nil else {
            // Unknown task: forwarded to the scheduler (no container status), never ACKed.
            await link?.forward(update: status, frameworkID: key.frameworkID)
            return
        }
        if !status.containerStatus.hasContainerID {
            status.containerStatus.containerID = Mesos_V1_ContainerID(record.containerID)
        }
        if status.containerStatus.networkInfos.isEmpty {
            var info = Mesos_V1_NetworkInfo()
            var address = Mesos_V1_NetworkInfo.IPAddress()
            address.ipAddress = configuration.host
            info.ipAddresses = [address]
            status.containerStatus.networkInfos = [info]
        }
        status.containerStatus.executorPid = UInt32(max(0, record.pid))
        let isNew = executors[key]?.tasks[taskID]?.updates.add(status) ?? false
        logger.debug("status update received", metadata: ["mesos.task_id": "\(taskID)", "mesos.state": "\(status.state.name)",
                                                          "new": "\(isNew)", "pending": "\(executors[key]?.tasks[taskID]?.updates.pending.count ?? -1)"])
        if isNew {
            let wasTerminal = executors[key]?.tasks[taskID]?.state.isTerminal ?? false
            if !wasTerminal { executors[key]?.tasks[taskID]?.state = status.state }
            checkpointTasks(key)
            if status.state.isTerminal && !wasTerminal { await link?.resourcesFreed() }
        }
        // The agent's ACK: the update is safely held by the agent (not the scheduler's ACK).
        var ack = Mesos_V1_Executor_Event()
        ack.type = .acknowledged
        ack.acknowledged.taskID = status.taskID
        ack.acknowledged.uuid = status.uuid
        send(ack, to: key)
        if isNew && executors[key]?.tasks[taskID]?.updates.pending.count == 1 {
            forwardHead(key, taskID)
        }
    }

    /// An update the agent itself generates (executor gone, task killed before delivery).
    func agentUpdate(frameworkID: String, task: Mesos_V1_TaskInfo, state: Mesos_V1_TaskState, reason: Mesos_V1_TaskStatus.Reason,
                     message: String, executorID: String, register: Bool) async {
        let key = ExecutorKey(frameworkID: frameworkID, executorID: executorID)
        let taskID = task.taskID.value
        if register && executors[key]?.tasks[taskID] == nil {
            executors[key]?.tasks[taskID] = TaskRecord(info: task, groupTaskIDs: [taskID], delivered: false)
            executors[key]?.taskOrder.append(taskID)
            taskIndex[TaskKey(frameworkID: frameworkID, taskID: taskID)] = key
        }
        var status = Mesos_V1_TaskStatus()
        status.taskID = task.taskID
        status.state = state
        status.source = .agent
        status.reason = reason
        status.message = message
        status.agentID = Mesos_V1_AgentID(agentID)
        status.executorID = Mesos_V1_ExecutorID(executorID)
        status.uuid = Data(MesosUUID.random())
        status.timestamp = Date().timeIntervalSince1970
        guard executors[key]?.tasks[taskID] != nil else {
            await link?.forward(update: status, frameworkID: frameworkID)
            return
        }
        guard executors[key]?.tasks[taskID]?.updates.add(status) == true else { return }
        executors[key]?.tasks[taskID]?.state = state
        checkpointTasks(key)
        if executors[key]?.tasks[taskID]?.updates.pending.count == 1 { forwardHead(key, taskID) }
    }

    /// Forwards the head update of a task and arms the retry (10 s, doubling, at most
    /// 10 min) until the scheduler acknowledges it.
    func forwardHead(_ key: ExecutorKey, _ taskID: String) {
        guard let task = executors[key]?.tasks[taskID], let head = task.updates.head else { return }
        executors[key]?.tasks[taskID]?.nextForward?.cancel()
        let attempt = task.forwardAttempt
        executors[key]?.tasks[taskID]?.forwardAttempt = attempt + 1
        let link = self.link
        let frameworkID = key.frameworkID
        let delay = Duration.seconds(min(600, 10 << min(attempt, 6)))
        executors[key]?.tasks[taskID]?.nextForward = Task {
            await link?.forward(update: head, frameworkID: frameworkID)
            do { try await Task.sleep(for: delay) } catch { return }
            self.retryForwardLater(key, taskID, uuid: Array(head.uuid))
        }
    }

    private nonisolated func retryForwardLater(_ key: ExecutorKey, _ taskID: String, uuid: [UInt8]) {
        Task { await self.retryForward(key, taskID, uuid: uuid) }
    }

    private func retryForward(_ key: ExecutorKey, _ taskID: String, uuid: [UInt8]) {
        guard let head = executors[key]?.tasks[taskID]?.updates.head, Array(head.uuid) == uuid else { return }
        forwardHead(key, taskID)
    }
}
