import Foundation
import MesosProtocol
import PodSystem

/// The agent's checkpoints (for frameworks with `checkpoint = true`): enough to recover
/// running executors after an agent restart, as `mesos-agent --recover=reconnect` does.
struct ExecutorCheckpoint: Codable {
    struct TaskEntry: Codable {
        var info: Data
        var groupTaskIDs: [String]
        var delivered: Bool
        var state: Int
        var pending: [Data]
        var seen: [Data]
        var completed: Bool
    }

    var framework: Data
    var executor: Data
    var containerID: String
    var directory: String
    var pid: Int32
    var cgroupVersion: String?
    var cgroupDirectories: [String: String]?
    var everSubscribed: Bool
    var tasks: [TaskEntry]
}

extension LocalAgent {
    var metaDirectory: String { configuration.workDirectory + "/meta/slaves" }

    private func executorMetaDirectory(_ key: ExecutorKey) -> String {
        metaDirectory + "/\(agentID)/frameworks/\(key.frameworkID)/executors/\(key.executorID)"
    }

    /// The executor's checkpoint: an append-only log of snapshots (see `CheckpointLog`).
    private func checkpointLog(_ key: ExecutorKey) -> CheckpointLog {
        CheckpointLog(path: executorMetaDirectory(key) + "/checkpoint.log", compactAbove: 256 << 10)
    }

    /// A new run of the executor: its checkpoint log starts afresh.
    func checkpointExecutor(_ key: ExecutorKey) {
        checkpointTasks(key, fresh: true)
    }

    /// Saves the executor's checkpoint (framework, executor, run, tasks and their
    /// unacknowledged updates) as the newest record of its log, synced to disk before the
    /// update it records is acknowledged.
    func checkpointTasks(_ key: ExecutorKey, fresh: Bool = false) {
        guard let record = executors[key], record.framework.checkpoint else { return }
        let entries = record.taskOrder.compactMap { id -> ExecutorCheckpoint.TaskEntry? in
            guard let t = record.tasks[id], !t.infoBytes.isEmpty else { return nil }
            return .init(info: t.infoBytes, groupTaskIDs: t.groupTaskIDs, delivered: t.delivered, state: t.state.rawValue,
                         pending: t.updates.pending.compactMap { try? $0.serializedData() },
                         seen: t.updates.seenUUIDs.map { Data($0) }, completed: t.updates.completed)
        }
        let serialized: (framework: Data, executor: Data)
        if let cached = record.serialized {
            serialized = cached
        } else {
            guard let framework = try? record.framework.serializedData(), let executor = try? record.info.serializedData() else { return }
            serialized = (framework, executor)
            executors[key]?.serialized = serialized
        }
        let checkpoint = ExecutorCheckpoint(framework: serialized.framework, executor: serialized.executor, containerID: record.containerID,
                                            directory: record.directory, pid: record.pid,
                                            cgroupVersion: record.cgroup?.version.rawValue, cgroupDirectories: record.cgroup?.directories,
                                            everSubscribed: record.phase != .registering, tasks: entries)
        do {
            // (`meta/latest`, the agent id, was written once at start: checkpointAgentID.)
            if fresh { try Directory.create(executorMetaDirectory(key)) }
            try checkpointLog(key).save(checkpoint.binaryEncoded(), fresh: fresh)
        } catch {
            logger.warning("cannot checkpoint executor", metadata: ["mesos.executor_id": "\(key.executorID)", "error": "\(error)"])
        }
    }

    func removeCheckpointedRun(_ key: ExecutorKey) {
        unlink(checkpointLog(key).path)
        unlink(executorMetaDirectory(key) + "/checkpoint.json")  // written by earlier versions
    }

    /// Reads the checkpoints: live executors are adopted (they must re-subscribe within
    /// the re-registration timeout); dead ones have their unfinished tasks failed.
    func recover() async {
        guard executors.isEmpty else { return }  // an in-process restart keeps its state
        guard let latest = try? FileContents.read(metaDirectory + "/latest"), !latest.isEmpty else { return }
        agentID = latest
        let frameworksDir = metaDirectory + "/\(latest)/frameworks"
        for frameworkID in Directory.list(frameworksDir) {
            for executorID in Directory.list(frameworksDir + "/\(frameworkID)/executors") {
                let directory = frameworksDir + "/\(frameworkID)/executors/\(executorID)"
                let log = CheckpointLog(path: directory + "/checkpoint.log")
                let path = FileManager.default.fileExists(atPath: log.path) ? log.path : directory + "/checkpoint.json"
                guard let bytes = path == log.path ? try? log.latest() : try? FileContents.bytes(path),
                      let cp = try? ExecutorCheckpoint.decode(bytes),
                      let framework = try? Mesos_V1_FrameworkInfo(serializedBytes: Array(cp.framework)),
                      let info = try? Mesos_V1_ExecutorInfo(serializedBytes: Array(cp.executor)) else {
                    logger.warning("unreadable executor checkpoint skipped", metadata: ["path": "\(path)"])
                    continue
                }
                let key = ExecutorKey(frameworkID: frameworkID, executorID: executorID)
                var record = ExecutorRecord(info: info, framework: framework, containerID: cp.containerID, directory: cp.directory,
                                            phase: cp.everSubscribed ? .running : .registering, process: nil, pid: cp.pid)
                if let version = cp.cgroupVersion.flatMap(Cgroup.Version.init(rawValue:)), let dirs = cp.cgroupDirectories {
                    record.cgroup = Cgroup(version: version, directories: dirs)
                }
                for entry in cp.tasks {
                    guard let task = try? Mesos_V1_TaskInfo(serializedBytes: Array(entry.info)) else { continue }
                    var t = TaskRecord(info: task, groupTaskIDs: entry.groupTaskIDs, delivered: entry.delivered)
                    t.state = Mesos_V1_TaskState(rawValue: entry.state) ?? .taskStaging
                    t.updates = TaskUpdateStream(pending: entry.pending.compactMap { try? Mesos_V1_TaskStatus(serializedBytes: Array($0)) },
                                                 seen: entry.seen.map { Array($0) }, completed: entry.completed)
                    record.tasks[task.taskID.value] = t
                    record.taskOrder.append(task.taskID.value)
                    taskIndex[TaskKey(frameworkID: frameworkID, taskID: task.taskID.value)] = key
                    if !entry.delivered { record.queuedGroups.append([task]) }
                }
                executors[key] = record
                if ProcessTable.signal(cp.pid, 0), let process = try? Subprocess.adopt(pid: cp.pid) {
                    executors[key]?.process = process
                    watch(key, process: process)
                    logger.info("recovered executor", metadata: ["mesos.executor_id": "\(executorID)", "pid": "\(cp.pid)"])
                } else {
                    logger.warning("checkpointed executor is gone", metadata: ["mesos.executor_id": "\(executorID)"])
                    await executorExited(key, pid: cp.pid, termination: .signaled(9))
                }
                for id in record.taskOrder { forwardHead(key, id) }
            }
        }
    }

    /// Keeps the agent id across restarts (Mesos checkpoints it when the agent registers):
    /// a restarted agent is the same agent, whether or not it had checkpointed executors.
    func checkpointAgentID() {
        do {
            try Directory.create(metaDirectory)
            try FileContents.writeAtomically(metaDirectory + "/latest", Array(agentID.utf8))
        } catch {
            logger.warning("cannot checkpoint the agent id", metadata: ["error": "\(error)"])
        }
    }

    /// Executors this agent started before a crash that recovery did not adopt (launched
    /// after the last checkpoint, or under an agent id that was not kept): Mesos' containerizer
    /// destroys such orphan containers during recovery, so must we, or an orphan would
    /// re-subscribe under an executor id the scheduler has reused. A run is ours when its
    /// sandbox is under our work directory; its processes are found through its cgroup
    /// and through their working directory.
    func destroyOrphans() async {
        let known = Set(executors.values.map(\.containerID))
        var orphans: [String: String] = [:]  // container id → sandbox
        let slaves = configuration.workDirectory + "/slaves"
        for agent in Directory.list(slaves) {
            let frameworks = slaves + "/\(agent)/frameworks"
            for framework in Directory.list(frameworks) {
                let executorsDir = frameworks + "/\(framework)/executors"
                for executor in Directory.list(executorsDir) {
                    let runs = executorsDir + "/\(executor)/runs"
                    for run in Directory.list(runs) where run != "latest" && !known.contains(run) {
                        orphans[run] = runs + "/\(run)"
                    }
                }
            }
        }
        removeStaleExecutorCgroups(except: known.union(orphans.keys))
        // Volumes an orphan had mounted leave its sandbox (their data stays).
        for sandbox in orphans.values { unmountEverything(under: sandbox) }
        guard !orphans.isEmpty else { return }
        var destroyed: [String] = []
        if let root = executorCgroupRoot {
            for run in orphans.keys {
                let cgroup = root.existingChild(run)
                guard cgroup.exists else { continue }
                if !cgroup.processesInTree().isEmpty { destroyed.append(run) }
                await cgroup.killAll(timeout: .seconds(5))
                try? cgroup.remove()
            }
        }
        // Without cgroups (or escaped from them): processes working in an orphan sandbox.
        let sandboxes = Set(orphans.values)
        for pid in ProcessTable.pids() {
            guard let cwd = ProcessTable.workingDirectory(pid), sandboxes.contains(cwd) else { continue }
            ProcessTable.signal(pid, SIGKILL)
            if let run = orphans.first(where: { $0.value == cwd })?.key, !destroyed.contains(run) { destroyed.append(run) }
        }
        guard !destroyed.isEmpty else { return }
        logger.warning("destroyed orphan executors left by a crash", metadata: ["mesos.container_ids": "\(destroyed.sorted().joined(separator: ","))"])
        await runCleanup()
    }

    /// Removes empty executor cgroups under the agent's cgroup root that belong to no run
    /// it knows: executors that ended while no agent ran (stopped with the agent, or their
    /// agent's work directory deleted) leave them behind, as many as executors. Mesos' launcher
    /// removes unknown containers' cgroups at recovery too. They are not harmless: every
    /// later CFS quota write walks all task groups of the machine (0.6 ms per write with
    /// 16,000 left over, against 30 µs). A cgroup that still holds processes may be another
    /// agent's live executor and a young one may be about to receive its executor: both stay.
    func removeStaleExecutorCgroups(except known: Set<String>, minimumAge: Double = 30) {
        guard let root = executorCgroupRoot else { return }
        var removed = 0
        for name in root.childNames() where !known.contains(name) {
            let cgroup = root.existingChild(name)
            guard let age = cgroup.secondsSinceChange(), age >= minimumAge, cgroup.processesInTree().isEmpty else { continue }
            if (try? cgroup.remove()) != nil { removed += 1 }
        }
        if removed > 0 {
            logger.info("removed empty executor cgroups left by earlier runs", metadata: ["count": "\(removed)"])
        }
    }
}
