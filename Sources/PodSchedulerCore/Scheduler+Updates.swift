import Foundation
import MesosProtocol
import PodSpec

extension Scheduler {
    /// A status update: recorded durably, then acknowledged (reference §4.6), then the
    /// instance's lifecycle and the deployments move on.
    func handleUpdate(_ status: Mesos_V1_TaskStatus) async {
        let uuid = status.hasUuid ? status.uuid : nil
        if let uuid, seenUUIDSet.contains(uuid) {
            // A duplicate (recorded: the scheduler can get an update twice): ACK again.
            await acknowledge(status)
            return
        }
        let taskID = status.taskID.value
        let state = status.state.name
        guard let parsed = TaskId.parse(taskID), var record = instances[parsed.instanceId.idString],
              let index = record.tasks.firstIndex(where: { $0.taskID == taskID }) else {
            // Not one of our current tasks (an old incarnation, or unknown): kill it if it
            // is alive, as Marathon does with unknown tasks.
            if !status.state.isTerminal {
                logger.warning("update for an unknown task; killing it", metadata: ["mesos.task_id": "\(taskID)", "mesos.state": "\(state)"])
                await kill(taskID: taskID, agentID: status.hasAgentID ? status.agentID.value : nil)
            }
            await acknowledge(status)
            remember(uuid)
            return
        }
        let now = Date()
        let before = record.condition
        var task = record.tasks[index]
        let wasTerminal = InstanceCondition(taskState: task.state).isTerminal
        if wasTerminal && !status.state.isTerminal {
            // A late non-terminal update after a terminal one changes nothing.
            await acknowledge(status)
            remember(uuid)
            return
        }
        task.state = state
        if status.hasHealthy { task.healthy = status.healthy }
        if status.hasMessage, !status.message.isEmpty { task.message = status.message }
        if status.state == .taskRunning && task.startedAt == nil { task.startedAt = now }
        let addresses = status.containerStatus.networkInfos.flatMap { info in
            info.ipAddresses.filter(\.hasIpAddress).map { TaskAddress(network: info.hasName ? info.name : nil, ip: $0.ipAddress) }
        }
        if !addresses.isEmpty { task.addresses = addresses }
        if let uuid { task.lastUUID = uuid }
        record.tasks[index] = task
        // Mesos reported on the launch: the instance leaves the launch queue.
        let leftQueue = record.queuedSince != nil && !record.isQueued
        if leftQueue { record.queuedSince = nil }
        if record.condition != before {
            record.since = now
            if record.condition == .running && record.activeSince == nil { record.activeSince = now }
        }
        var batch = SchedulerStore.Batch()
        batch.instances = [record]
        if [.taskFailed, .taskError, .taskLost, .taskGone, .taskDropped, .taskUnknown].contains(status.state) {
            let failure = TaskFailureRecord(instanceID: record.instanceID, taskID: taskID, state: state, message: status.message,
                                            startedAt: task.startedAt ?? task.stagedAt, terminatedAt: now,
                                            containers: record.tasks.map { [$0.taskID, $0.state] })
            failures[record.podID] = failure
            batch.failures = [(record.podID, failure)]
        }
        instances[record.instanceID] = record
        let write: StoreWrite
        do {
            write = try submit(batch)
        } catch {
            // Not stored: do not acknowledge; the agent resends it.
            return
        }
        await acknowledge(status, after: write)
        remember(uuid)
        if leftQueue { endLaunchAttemptIfDone(record.podID) }
        logger.debug("task update", metadata: ["mesos.task_id": "\(taskID)", "mesos.state": "\(state)",
                                               "pod.instance": "\(record.instanceID)", "pod.condition": "\(record.condition.rawValue)"])
        if record.allTasksTerminal {
            await instanceEnded(record.instanceID)
        } else if status.state.isTerminal, record.goal == .running {
            // One member ended: the executor's group policy ends the others if it failed;
            // make sure they go (a finished member leaves its siblings running).
            if status.state != .taskFinished {
                for t in record.tasks where !InstanceCondition(taskState: t.state).isTerminal {
                    await kill(taskID: t.taskID, agentID: record.agentID)
                }
            }
        }
        await progressDeployments()
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
            instances.removeValue(forKey: instanceID)
            save([], deleted: [instanceID])
            logger.info("instance expunged", metadata: ["pod.instance": "\(instanceID)"])
            return
        }
        let failed = record.tasks.contains { ["TASK_FAILED", "TASK_ERROR", "TASK_LOST", "TASK_GONE", "TASK_DROPPED", "TASK_UNKNOWN"].contains($0.state) }
        let key = Self.delayKey(pod)
        if failed && !record.relaunchWithoutDelay {
            let count = (delays[key]?.failures ?? 0) + 1
            let b = pod.scheduling.backoff
            let seconds = min(b.maxLaunchDelay, b.backoff * pow(b.backoffFactor, Double(count - 1)))
            delays[key] = (count, Date().addingTimeInterval(seconds))
            logger.info("instance failed; relaunch delayed", metadata: ["pod.instance": "\(instanceID)", "delay": "\(seconds)s"])
        }
        record.relaunchWithoutDelay = false
        record.incarnation += 1
        record.specVersion = pod.version
        record.tasks = []
        record.agentID = nil
        record.agentHostname = nil
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
        // A delay older than maxLaunchDelay is dropped (§11.5).
        if Date().timeIntervalSince(d.until) > pod.scheduling.backoff.maxLaunchDelay {
            delays.removeValue(forKey: Self.delayKey(pod))
            return false
        }
        return d.until > Date()
    }
}
