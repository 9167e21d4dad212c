import Foundation
import MesosProtocol
import PodSpec

extension Scheduler {
    /// A status update: recorded durably, then acknowledged
    /// (docs/reference/mesos-executor-protocol.md §4.6), then the instance's lifecycle and the
    /// deployments move on.
    func handleUpdate(_ status: Mesos_V1_TaskStatus) async {
        let uuid = status.hasUuid ? status.uuid : nil
        if let uuid, seenUUIDSet.contains(uuid) {
            // A duplicate (recorded: the scheduler can get an update twice): ACK again.
            await acknowledge(status)
            return
        }
        let taskID = status.taskID.value
        guard let parsed = TaskId.parse(taskID), var record = instances[parsed.instanceId.idString],
              let index = record.tasks.firstIndex(where: { $0.taskID == taskID }) else {
            await unknownTaskUpdate(status)
            remember(uuid)
            return
        }
        if InstanceCondition(taskState: record.tasks[index].state).isTerminal && !status.state.isTerminal {
            // A late non-terminal update after a terminal one changes nothing.
            await acknowledge(status)
            remember(uuid)
            return
        }
        let now = Date()
        let before = record
        let leftQueue = record.apply(status, toTask: index, now: now)
        applyReadiness(status, to: &record, task: index)
        guard let write = keep(status, of: record, task: record.tasks[index], now: now) else {
            // Not stored: do not acknowledge; the agent resends it.
            return
        }
        await acknowledge(status, after: write)
        remember(uuid)
        // Marathon's order: the task's status update, then the instance's change.
        events.publish(statusUpdateEvent(status, of: record, task: record.tasks[index]))
        publishInstanceChanges(from: before, to: record)
        if leftQueue { endLaunchAttemptIfDone(record.podID) }
        logger.debug("task update", metadata: ["mesos.task_id": "\(taskID)", "mesos.state": "\(status.state.name)",
                                               "pod.instance": "\(record.instanceID)", "pod.condition": "\(record.condition.rawValue)"])
        await followUp(status, of: record)
        await progressDeployments()
    }

    /// An update that is not about one of our current tasks (an old incarnation, or
    /// unknown): kill the task if it is alive, as Marathon does with unknown tasks; ACK.
    private func unknownTaskUpdate(_ status: Mesos_V1_TaskStatus) async {
        let taskID = status.taskID.value
        if !status.state.isTerminal {
            logger.warning("update for an unknown task; killing it",
                           metadata: ["mesos.task_id": "\(taskID)", "mesos.state": "\(status.state.name)"])
            await kill(taskID: taskID, agentID: status.hasAgentID ? status.agentID.value : nil)
        }
        await acknowledge(status)
    }

    /// Keeps the updated instance (and the pod's last failure, for a failed task) and
    /// submits it to the store; nil when the store refused it.
    private func keep(_ status: Mesos_V1_TaskStatus, of record: InstanceRecord, task: InstanceRecord.Task,
                      now: Date) -> StoreWrite? {
        var batch = SchedulerStore.Batch()
        batch.instances = [record]
        if [.taskFailed, .taskError, .taskLost, .taskGone, .taskDropped, .taskUnknown].contains(status.state) {
            let failure = TaskFailureRecord(instanceID: record.instanceID, taskID: task.taskID, state: status.state.name,
                                            message: status.message, startedAt: task.startedAt ?? task.stagedAt,
                                            terminatedAt: now, containers: record.tasks.map { [$0.taskID, $0.state] })
            failures[record.podID] = failure
            batch.failures = [(record.podID, failure)]
        }
        instances[record.instanceID] = record
        do {
            return try submit(batch)
        } catch {
            return nil
        }
    }

    /// After a stored update: an instance whose tasks all ended is expunged or relaunched;
    /// when one member ended otherwise than finished, the others go too (the executor's
    /// group policy ends them if it failed; make sure they do).
    private func followUp(_ status: Mesos_V1_TaskStatus, of record: InstanceRecord) async {
        if record.allTasksTerminal {
            await instanceEnded(record.instanceID)
        } else if status.state.isTerminal, record.goal == .running, status.state != .taskFinished {
            for t in record.tasks where !InstanceCondition(taskState: t.state).isTerminal {
                await kill(taskID: t.taskID, agentID: record.agentID)
            }
        }
    }

    private func remember(_ uuid: Data?) {
        guard let uuid else { return }
        seenUUIDSet.insert(uuid)
        seenUUIDs.append(uuid)
        if seenUUIDs.count > 10000 {
            let drop = seenUUIDs.prefix(5000)
            seenUUIDs.removeFirst(5000)
            for d in drop { seenUUIDSet.remove(d) }
        }
    }

    /// ACKNOWLEDGE updates that carry a uuid (master-generated ones have none and must
    /// not be acknowledged). The call goes out without holding up the next event: the
    /// update is already stored, and waiting for the master's 202 made the event loop one
    /// round trip per update slower (with 200 instances starting, the updates queued up
    /// behind their acknowledgements for a second). Mesos' scheduler library sends its
    /// calls asynchronously too. An acknowledgement that gets lost is harmless: the agent
    /// sends the update again, and a duplicate is acknowledged again.
    ///
    /// With `after`, the acknowledgement waits until that write (the update's) is durable, and
    /// is not sent when it failed: the agent resends the update to whoever leads then.
    func acknowledge(_ status: Mesos_V1_TaskStatus, after write: StoreWrite? = nil) async {
        guard status.hasUuid, status.hasAgentID else { return }
        var call = Mesos_V1_Scheduler_Call()
        call.type = .acknowledge
        call.acknowledge.agentID = status.agentID
        call.acknowledge.taskID = status.taskID
        call.acknowledge.uuid = status.uuid
        Task {
            if let write {
                do { try await write.durable() } catch { return }
            }
            await self.call(call)
        }
    }

    func kill(taskID: String, agentID: String?) async {
        kills[taskID] = Date()
        var call = Mesos_V1_Scheduler_Call()
        call.type = .kill
        call.kill.taskID = Mesos_V1_TaskID(taskID)
        if let agentID { call.kill.agentID = Mesos_V1_AgentID(agentID) }
        await self.call(call)
    }

    /// Kills every live task of an instance.
    func killTasks(of record: InstanceRecord) async {
        for t in record.tasks where !InstanceCondition(taskState: t.state).isTerminal {
            await kill(taskID: t.taskID, agentID: record.agentID)
        }
    }

    /// All tasks of an instance ended: expunge it, or relaunch it (same id, next
    /// incarnation) after its spec's backoff.
    func instanceEnded(_ instanceID: String) async {
        guard var record = instances[instanceID] else { return }
        for t in record.tasks { kills.removeValue(forKey: t.taskID) }
        guard record.goal == .running, let pod = pods[record.podID] else {
            if record.reservation != nil {
                // Kept until an offer shows its reservation, which is then freed.
                if record.goal == .running { record.goal = .stopped }
                instances[instanceID] = record
                save([record])
                logger.info("instance stopped; its reservation is freed at the next offer", metadata: ["pod.instance": "\(instanceID)"])
                return
            }
            instances.removeValue(forKey: instanceID)
            save([], deleted: [instanceID])
            logger.info("instance expunged", metadata: ["pod.instance": "\(instanceID)"])
            return
        }
        let failed = record.tasks.contains { ["TASK_FAILED", "TASK_ERROR", "TASK_LOST", "TASK_GONE", "TASK_DROPPED", "TASK_UNKNOWN"].contains($0.state) }
        let key = Self.delayKey(pod)
        if failed && !record.relaunchWithoutDelay {
            let next = LaunchBackoff.failed(after: delays[key], pod.scheduling.backoff, now: Date())
            delays[key] = next
            let seconds = LaunchBackoff.delay(afterFailures: next.failures, pod.scheduling.backoff)
            logger.info("instance failed; relaunch delayed", metadata: ["pod.instance": "\(instanceID)", "delay": "\(seconds)s"])
        }
        record.relaunchWithoutDelay = false
        record.incarnation += 1
        record.specVersion = pod.version
        record.tasks = []
        // A resident instance stays on its agent, with its reservation (`Reserved`).
        suspendReservation(&record)
        record.hostPorts = []
        record.baseCondition = .scheduled
        record.since = Date()
        // Queued again; an instance that never left the queue (its launch failed before
        // Mesos reported on it) keeps waiting since it first did.
        record.queuedSince = record.queuedSince ?? record.since
        record.activeSince = nil
        instances[instanceID] = record
        save([record])
    }

    static func delayKey(_ pod: PodDefinition) -> String { "\(pod.id.absolute)@\(pod.version.description)" }

    /// Whether launches of this pod spec are held back by its backoff.
    func isDelayed(_ pod: PodDefinition) -> Bool {
        guard let d = delays[Self.delayKey(pod)] else { return false }
        // A delay older than maxLaunchDelay is dropped (docs/reference/marathon-pods-api.md §11.5).
        if LaunchBackoff.isStale(until: d.until, pod.scheduling.backoff, now: Date()) {
            delays.removeValue(forKey: Self.delayKey(pod))
            return false
        }
        return d.until > Date()
    }
}

extension InstanceRecord {
    /// Applies a status update to task `index`: its state, health, message, addresses and
    /// uuid, when it started; the instance's `since` and `activeSince` when its condition
    /// changed. Returns whether the instance left the launch queue (Mesos reported on it).
    mutating func apply(_ status: Mesos_V1_TaskStatus, toTask index: Int, now: Date) -> Bool {
        let before = condition
        var task = tasks[index]
        task.state = status.state.name
        if status.hasHealthy { task.healthy = status.healthy }
        if status.hasMessage, !status.message.isEmpty { task.message = status.message }
        if let restart = ContainerTermination.restart(in: status.labels) {
            // A restart in place: the process is new, its health is not known yet.
            task.restartCount = restart.count
            if let last = restart.last { task.lastTermination = last }
            if !status.hasHealthy { task.healthy = nil }
        }
        if status.state == .taskRunning && task.startedAt == nil { task.startedAt = now }
        let addresses = status.containerStatus.networkInfos.flatMap { info in
            info.ipAddresses.filter(\.hasIpAddress).map { TaskAddress(network: info.hasName ? info.name : nil, ip: $0.ipAddress) }
        }
        if !addresses.isEmpty { task.addresses = addresses }
        if status.hasUuid { task.lastUUID = status.uuid }
        tasks[index] = task
        let leftQueue = queuedSince != nil && !isQueued
        if leftQueue { queuedSince = nil }
        if condition != before {
            since = now
            if condition == .running && activeSince == nil { activeSince = now }
        }
        return leftQueue
    }
}
