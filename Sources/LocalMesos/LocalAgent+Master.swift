import Foundation
import MesosProtocol
import PodSystem

/// What the master asks of the agent.
extension LocalAgent {
    /// Launches a task group on an executor, as `Slave::run` and `Slave::__run` do (Mesos
    /// 1.12). `launchExecutor` is the master's `RunTaskGroupMessage.launch_executor`: true
    /// when the master knows no such executor on the agent, false when it does; nil (direct
    /// callers) launches one when there is none. A new executor is started and the group
    /// waits until it subscribes; an executor that runs gets the group at once (one whose
    /// process has ended but whose end the agent has not handled yet loses it, and the
    /// tasks fail when it is reaped); one that is terminating or terminated gets nothing:
    /// its tasks are dropped (`TASK_DROPPED`, `TASK_LOST` for frameworks that are not
    /// partition-aware), as is a group that the master and the agent disagree about.
    public func launchGroup(framework: Mesos_V1_FrameworkInfo, executor: Mesos_V1_ExecutorInfo, tasks: [Mesos_V1_TaskInfo],
                            launchExecutor: Bool? = nil) async {
        let frameworkID = framework.id.value
        let key = ExecutorKey(frameworkID: frameworkID, executorID: executor.executorID.value)
        terminatingFrameworks.remove(frameworkID)
        var tasksWithExecutor = tasks
        for i in tasksWithExecutor.indices {
            // The master fills TaskInfo.executor for LAUNCH_GROUP (every task carries a copy).
            tasksWithExecutor[i].executor = executor
            tasksWithExecutor[i].agentID = Mesos_V1_AgentID(agentID)
        }
        if let problem = launchProblem(executors[key]?.phase, launchExecutor: launchExecutor) {
            logger.warning("task group dropped", metadata: ["mesos.executor_id": "\(key.executorID)", "reason": "\(problem)"])
            let state: Mesos_V1_TaskState = framework.capabilities.contains { $0.type == .partitionAware } ? .taskDropped : .taskLost
            for task in tasksWithExecutor {
                await agentUpdate(frameworkID: frameworkID, task: task, state: state, reason: .executorTerminated, message: problem,
                                  executorID: key.executorID, register: true)
            }
            return
        }
        if executors[key] == nil {
            do {
                try await self.launchExecutor(key, info: executor, framework: framework, tasks: tasksWithExecutor)
            } catch {
                logger.error("executor launch failed", metadata: ["mesos.executor_id": "\(key.executorID)", "error": "\(error)"])
                for task in tasksWithExecutor {
                    await agentUpdate(frameworkID: frameworkID, task: task, state: .taskFailed, reason: .containerLaunchFailed,
                                      message: "Failed to launch executor: \(error)", executorID: key.executorID, register: true)
                }
                return
            }
        }
        if let sandbox = executors[key]?.directory {
            // Volumes of tasks sent to a running executor join its sandbox (the isolator's update).
            do {
                try mountVolumes(tasksWithExecutor.flatMap(\.resources), sandbox: sandbox)
            } catch {
                logger.error("cannot mount a task's persistent volume", metadata: ["mesos.executor_id": "\(key.executorID)", "error": "\(error)"])
            }
        }
        let groupIDs = tasksWithExecutor.map(\.taskID.value)
        for task in tasksWithExecutor {
            let id = task.taskID.value
            executors[key]?.tasks[id] = TaskRecord(info: task, groupTaskIDs: groupIDs, delivered: false)
            executors[key]?.taskOrder.append(id)
            taskIndex[TaskKey(frameworkID: frameworkID, taskID: id)] = key
        }
        checkpointTasks(key)
        if executors[key]?.subscription != nil {
            deliver(group: tasksWithExecutor, to: key)
        } else {
            executors[key]?.queuedGroups.append(tasksWithExecutor)
        }
    }

    /// Why a task group cannot go to its executor (the messages of `Slave::run` and
    /// `Slave::__run`), nil when it can: a new executor for none, or the one that runs.
    private func launchProblem(_ phase: ExecutorPhase?, launchExecutor: Bool?) -> String? {
        switch (phase, launchExecutor) {
        case (.some, true): return "Master wants to launch executor, but one already exists"
        case (nil, false): return "No executor is expected to launch and there is none running"
        case (nil, _), (.registering, _), (.running, _): return nil
        case (.terminating, _): return "Executor terminating"
        case (.terminated, _): return "Executor terminated"
        }
    }

    func deliver(group: [Mesos_V1_TaskInfo], to key: ExecutorKey) {
        var event = Mesos_V1_Executor_Event()
        event.type = .launchGroup
        event.launchGroup.taskGroup.tasks = group
        for task in group { executors[key]?.tasks[task.taskID.value]?.delivered = true }
        send(event, to: key)
    }

    /// Kills a task: a queued one is removed with its whole group (`TASK_KILLED`,
    /// REASON_TASK_KILLED_DURING_LAUNCH); a delivered one gets a KILL event.
    public func killTask(frameworkID: String, taskID: String, killPolicy: Mesos_V1_KillPolicy?) async -> Bool {
        guard let (key, task) = find(frameworkID: frameworkID, taskID: taskID) else { return false }
        if !task.delivered {
            let group = task.groupTaskIDs
            executors[key]?.queuedGroups.removeAll { g in g.contains { $0.taskID.value == taskID } }
            for id in group {
                guard let t = executors[key]?.tasks[id] else { continue }
                await agentUpdate(frameworkID: frameworkID, task: t.info, state: .taskKilled, reason: .taskKilledDuringLaunch,
                                  message: "Killed before delivery to the executor", executorID: key.executorID, register: false)
            }
            if executors[key]?.queuedGroups.isEmpty == true && !(executors[key]?.tasks.values.contains { $0.delivered } ?? false) {
                // Nothing left for it to run: shut it down like the agent does.
                await shutdownExecutor(frameworkID: frameworkID, executorID: key.executorID)
            }
            return true
        }
        var event = Mesos_V1_Executor_Event()
        event.type = .kill
        event.kill.taskID = Mesos_V1_TaskID(taskID)
        if let killPolicy { event.kill.killPolicy = killPolicy }
        send(event, to: key)
        return true
    }

    /// Sends SHUTDOWN and destroys the executor after its shutdown grace period.
    public func shutdownExecutor(frameworkID: String, executorID: String) async {
        let key = ExecutorKey(frameworkID: frameworkID, executorID: executorID)
        guard let record = executors[key], record.phase != .terminated, record.phase != .terminating else { return }
        executors[key]?.phase = .terminating
        var event = Mesos_V1_Executor_Event()
        event.type = .shutdown
        send(event, to: key)
        let grace = record.info.hasShutdownGracePeriod
            ? Duration.nanoseconds(record.info.shutdownGracePeriod.nanoseconds) : configuration.executorShutdownGracePeriod
        executors[key]?.timer?.cancel()
        executors[key]?.timer = Task {
            try? await Task.sleep(for: grace)
            if Task.isCancelled { return }
            await self.destroyAfterGrace(key)
        }
    }

    private func destroyAfterGrace(_ key: ExecutorKey) async {
        guard let record = executors[key], record.phase == .terminating else { return }
        logger.warning("executor did not exit within its shutdown grace period; destroying it",
                       metadata: ["mesos.executor_id": "\(key.executorID)"])
        await destroy(key, reason: .executorTerminated, message: "Executor terminated", state: .taskFailed)
    }

    /// Framework teardown: every executor is shut down and its updates are ignored.
    public func shutdownFramework(frameworkID: String) async {
        terminatingFrameworks.insert(frameworkID)
        for key in executors.keys where key.frameworkID == frameworkID {
            await shutdownExecutor(frameworkID: frameworkID, executorID: key.executorID)
        }
    }

    /// A scheduler MESSAGE for an executor.
    public func sendMessage(frameworkID: String, executorID: String, data: [UInt8]) {
        var event = Mesos_V1_Executor_Event()
        event.type = .message
        event.message.data = Data(data)
        send(event, to: ExecutorKey(frameworkID: frameworkID, executorID: executorID))
    }

    /// The scheduler acknowledged an update: forward the task's next one.
    public func acknowledge(frameworkID: String, taskID: String, uuid: [UInt8]) async {
        guard let (key, _) = find(frameworkID: frameworkID, taskID: taskID) else { return }
        guard executors[key]?.tasks[taskID]?.updates.acknowledge(uuid) == true else { return }
        executors[key]?.tasks[taskID]?.nextForward?.cancel()
        executors[key]?.tasks[taskID]?.forwardAttempt = 0
        checkpointTasks(key)
        let completed = executors[key]?.tasks[taskID]?.updates.completed == true
        forwardHead(key, taskID)
        forgetIfFinished(key)
        if completed {
            await link?.resourcesFreed()
        }
    }

    /// The scheduler re-subscribed: resend every task's unacknowledged head update now.
    public func resendUnacknowledged(frameworkID: String) {
        for key in executors.keys where key.frameworkID == frameworkID {
            for id in executors[key]?.taskOrder ?? [] {
                executors[key]?.tasks[id]?.forwardAttempt = 0
                forwardHead(key, id)
            }
        }
    }

    /// The latest state of a task, for reconciliation (nil: unknown to the agent).
    public func taskState(frameworkID: String, taskID: String) -> Mesos_V1_TaskState? {
        guard let (_, task) = find(frameworkID: frameworkID, taskID: taskID) else { return nil }
        return task.state
    }

    /// Tasks this agent knows for a framework, with their latest state.
    public func tasks(frameworkID: String) -> [(taskID: String, state: Mesos_V1_TaskState, executorID: String)] {
        var out: [(String, Mesos_V1_TaskState, String)] = []
        for (key, record) in executors where key.frameworkID == frameworkID {
            for id in record.taskOrder {
                if let t = record.tasks[id], !t.updates.completed { out.append((id, t.state, key.executorID)) }
            }
        }
        return out
    }

    /// Which of `taskIDs` are tasks of a framework that this agent lists in
    /// `tasks(frameworkID:)`, found through the task index: the master's LAUNCH_GROUP
    /// validation asks this for every group of an ACCEPT, and listing every task each time
    /// made a 200-group ACCEPT quadratic.
    public func knownTaskIDs(frameworkID: String, among taskIDs: [String]) -> Set<String> {
        var known = Set<String>()
        for id in taskIDs {
            if let (_, task) = find(frameworkID: frameworkID, taskID: id), !task.updates.completed { known.insert(id) }
        }
        return known
    }

    /// Whether an executor of a framework is alive (one of `liveExecutors(frameworkID:)`).
    public func isLive(frameworkID: String, executorID: String) -> Bool {
        guard let phase = executors[ExecutorKey(frameworkID: frameworkID, executorID: executorID)]?.phase else { return false }
        return phase != .terminated
    }

    /// Executors of a framework that are alive (offers list them in `executor_ids`).
    public func liveExecutors(frameworkID: String) -> [String] {
        executors.filter { $0.key.frameworkID == frameworkID && $0.value.phase != .terminated }.map(\.key.executorID).sorted()
    }

    /// Resources in use: live executors' resources plus their non-completed tasks'.
    public func allocatedResources() -> [Mesos_V1_Resource] {
        var list: [Mesos_V1_Resource] = []
        for (_, record) in executors where record.phase != .terminated {
            list += record.info.resources
            for (_, t) in record.tasks where !t.updates.completed && !t.state.isTerminal {
                list += t.info.resources
            }
        }
        return list
    }

    func find(frameworkID: String, taskID: String) -> (ExecutorKey, TaskRecord)? {
        guard let key = taskIndex[TaskKey(frameworkID: frameworkID, taskID: taskID)], let t = executors[key]?.tasks[taskID] else { return nil }
        return (key, t)
    }

    /// Forgets an executor that has ended once every update of its tasks is acknowledged,
    /// as Mesos removes a terminated executor from its framework then: ended executors'
    /// records would otherwise pile up for the agent's whole life.
    func forgetIfFinished(_ key: ExecutorKey) {
        guard let record = executors[key], record.phase == .terminated, record.exited,
              record.tasks.values.allSatisfy({ $0.updates.completed }) else { return }
        for id in record.taskOrder where taskIndex[TaskKey(frameworkID: key.frameworkID, taskID: id)] == key {
            taskIndex.removeValue(forKey: TaskKey(frameworkID: key.frameworkID, taskID: id))
        }
        executors.removeValue(forKey: key)
    }
}
