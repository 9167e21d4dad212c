import Foundation
import MesosProtocol
import PodSystem

extension LocalAgent {
    /// `<work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>`.
    func sandboxDirectory(_ key: ExecutorKey, containerID: String) -> String {
        configuration.workDirectory + "/slaves/\(agentID)/frameworks/\(key.frameworkID)/executors/\(key.executorID)/runs/\(containerID)"
    }

    /// The environment a Mesos agent gives an executor (docs/reference/mesos-executor-protocol.md §2.1, recorded in
    /// fixtures/mesos-1.12/executor-env.json): operator variables, then the MESOS_*
    /// ones, then `ExecutorInfo.command.environment`; PATH defaulted.
    func executorEnvironment(_ key: ExecutorKey, framework: Mesos_V1_FrameworkInfo, info: Mesos_V1_ExecutorInfo,
                             directory: String) -> [String: String] {
        var env = configuration.executorEnvironment
        let checkpoint = framework.checkpoint
        env["MESOS_FRAMEWORK_ID"] = key.frameworkID
        env["MESOS_EXECUTOR_ID"] = key.executorID
        env["MESOS_DIRECTORY"] = directory
        env["MESOS_SANDBOX"] = directory
        env["MESOS_AGENT_ENDPOINT"] = endpoint
        env["MESOS_SLAVE_PID"] = "slave(1)@\(endpoint)"
        env["MESOS_SLAVE_ID"] = agentID
        env["MESOS_CHECKPOINT"] = checkpoint ? "1" : "0"
        if checkpoint {
            env["MESOS_RECOVERY_TIMEOUT"] = MesosDuration.format(configuration.recoveryTimeout)
            env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = MesosDuration.format(configuration.executorReregistrationTimeout)
        }
        let grace = info.hasShutdownGracePeriod ? Duration.nanoseconds(info.shutdownGracePeriod.nanoseconds) : configuration.executorShutdownGracePeriod
        env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = MesosDuration.format(grace)
        env["MESOS_HTTP_COMMAND_EXECUTOR"] = "0"
        env["LIBPROCESS_PORT"] = "0"
        env["LIBPROCESS_IP"] = configuration.host
        for variable in info.command.environment.variables where variable.type != .secret {
            env[variable.name] = variable.value
        }
        if env["PATH"] == nil { env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }
        return env
    }

    /// Fetches the executor's URIs into a fresh sandbox and starts its command there, in
    /// its own cgroup.
    func launchExecutor(_ key: ExecutorKey, info: Mesos_V1_ExecutorInfo, framework: Mesos_V1_FrameworkInfo,
                        tasks: [Mesos_V1_TaskInfo] = []) async throws {
        let containerID = UUID().uuidString.lowercased()
        let directory = sandboxDirectory(key, containerID: containerID)
        try Directory.create(directory, mode: 0o755)
        let latest = (directory as NSString).deletingLastPathComponent + "/latest"
        unlink(latest)
        symlink(directory, latest)
        for uri in info.command.uris {
            try await fetcher.fetch(uri: uri.value, into: directory, extract: uri.extract, executable: uri.executable,
                                    outputFile: uri.hasOutputFile ? uri.outputFile : nil)
        }
        // Persistent volumes of the executor and of its first tasks, before it starts (`Slave::__run`).
        let volumeResources = info.resources + tasks.flatMap(\.resources)
        try mountVolumes(volumeResources, sandbox: directory)
        let env = executorEnvironment(key, framework: framework, info: info, directory: directory)
        let command = info.command
        let path: String
        let argv: [String]
        if command.shell {
            path = "/bin/sh"
            argv = ["sh", "-c", command.value]
        } else {
            path = command.value.hasPrefix("/") ? command.value : directory + "/" + command.value
            argv = command.arguments.isEmpty ? [command.value] : command.arguments
        }
        var cgroup: Cgroup?
        if let root = executorCgroupRoot {
            cgroup = try? root.child(containerID)
        }
        let process: ManagedProcess
        do {
            process = try Subprocess.spawnDetached(path, arguments: argv, environment: env.map { "\($0.key)=\($0.value)" }.sorted(),
                                                   workingDirectory: directory, standardOutput: directory + "/stdout",
                                                   standardError: directory + "/stderr", cgroupProcsFiles: cgroup?.procsFiles ?? [])
        } catch {
            for mount in volumeMounts(volumeResources) { BindMount.unmount(directory + "/" + mount.name) }
            throw error
        }
        executors[key] = ExecutorRecord(info: info, framework: framework, containerID: containerID, directory: directory,
                                        phase: .registering, process: process, pid: process.pid, cgroup: cgroup)
        logger.info("executor launched", metadata: ["mesos.executor_id": "\(key.executorID)", "pid": "\(process.pid)",
                                                    "sandbox": "\(directory)"])
        checkpointExecutor(key)
        watch(key, process: process)
        armRegistrationTimer(key)
    }

    func watch(_ key: ExecutorKey, process: ManagedProcess) {
        Task {
            let termination = await process.waitForExit()
            await self.waitForReaperPoll()
            await self.executorExited(key, pid: process.pid, termination: termination)
        }
    }

    /// The agent learns that an executor's process ended when libprocess' reaper next polls
    /// its pid (`3rdparty/libprocess/src/reap.cpp`): every 100 ms while it watches up to 50
    /// pids, every second from 500, linearly in between. Until then the executor is live.
    func waitForReaperPoll() async {
        let watched = executors.values.filter { $0.phase != .terminated }.count
        let interval = Self.reapInterval(watching: watched)
        let polls = (reaperStart.duration(to: .now) / interval).rounded(.up)
        try? await Task.sleep(until: reaperStart.advanced(by: interval * max(1, polls)), clock: .continuous)
    }

    static func reapInterval(watching count: Int) -> Duration {
        let low = 50.0, high = 500.0
        let share = min(1, max(0, (Double(count) - low) / (high - low)))
        return .milliseconds(100) + .milliseconds(900) * share
    }

    /// `--executor_registration_timeout`: an executor that never subscribes is destroyed
    /// and its tasks fail with REASON_EXECUTOR_REGISTRATION_TIMEOUT.
    func armRegistrationTimer(_ key: ExecutorKey) {
        let timeout = configuration.executorRegistrationTimeout
        executors[key]?.timer?.cancel()
        executors[key]?.timer = Task {
            try? await Task.sleep(for: timeout)
            if Task.isCancelled { return }
            await self.registrationTimedOut(key)
        }
    }

    private func registrationTimedOut(_ key: ExecutorKey) async {
        guard let record = executors[key], record.phase == .registering, record.subscription == nil else { return }
        await destroy(key, reason: .executorRegistrationTimeout,
                      message: "Executor did not register within \(MesosDuration.format(configuration.executorRegistrationTimeout))",
                      state: .taskFailed)
    }

    /// Kills an executor and everything in its cgroup, and reports its unfinished tasks.
    func destroy(_ key: ExecutorKey, reason: Mesos_V1_TaskStatus.Reason, message: String, state: Mesos_V1_TaskState) async {
        guard let record = executors[key], record.phase != .terminated else { return }
        executors[key]?.phase = .terminated
        record.subscription?.continuation.finish()
        executors[key]?.subscription = nil
        if let process = record.process {
            process.signal(SIGKILL)
        } else if record.pid > 0 {
            ProcessTable.signal(record.pid, SIGKILL)
        }
        ProcessTable.signal(-record.pid, SIGKILL)
        if let cgroup = record.cgroup {
            await cgroup.killAll(timeout: .seconds(5))
        }
        unmountVolumes(key)
        await failUnfinishedTasks(key, state: state, reason: reason, message: message)
        await link?.executorTerminated(frameworkID: key.frameworkID, executorID: key.executorID, agentID: agentID, status: 9)
        await link?.resourcesFreed()
        removeCheckpointedRun(key)
        await runCleanup()
    }

    /// The executor's process ended (as the reaper saw it). Its connection is gone, so what
    /// is sent to it now is lost. As in Mesos, its container is destroyed (everything left in
    /// its cgroup killed, leftovers collected after an abnormal end) before the agent treats
    /// it as terminated (`Slave::executorTerminated`): its tasks that are not terminal, and
    /// those still queued for it, fail with `REASON_EXECUTOR_TERMINATED`, the master hears
    /// of it (`FAILURE`), and only then are its resources free and offers no longer list it.
    func executorExited(_ key: ExecutorKey, pid: Int32, termination: ProcessTermination) async {
        guard let record = executors[key], record.pid == pid else { return }
        let status: Int32
        switch termination {
        case .exited(let code): status = code << 8
        case .signaled(let sig): status = sig
        }
        record.subscription?.continuation.finish()
        if record.phase != .terminated {
            record.timer?.cancel()
            executors[key]?.timer = nil
            executors[key]?.subscription = nil
            logger.info("executor exited", metadata: ["mesos.executor_id": "\(key.executorID)", "termination": "\(termination)"])
        }
        if let cgroup = record.cgroup {
            await cgroup.killAll(timeout: .seconds(5))
            try? cgroup.remove()
        }
        // Its persistent volumes leave the sandbox; their data stays (only DESTROY deletes it).
        unmountVolumes(key)
        if termination != .exited(0) { await runCleanup() }
        if executors[key]?.pid == pid, executors[key]?.phase != .terminated {
            executors[key]?.phase = .terminated
            if !terminatingFrameworks.contains(key.frameworkID) {
                await failUnfinishedTasks(key, state: .taskFailed, reason: .executorTerminated, message: "Executor terminated")
            }
            await link?.executorTerminated(frameworkID: key.frameworkID, executorID: key.executorID, agentID: agentID, status: status)
            await link?.resourcesFreed()
        }
        removeCheckpointedRun(key)
        if executors[key]?.pid == pid {
            executors[key]?.exited = true
            forgetIfFinished(key)
        }
    }

    /// Runs the configured cleanup command (pod-executor --cleanup) after an abnormal end.
    func runCleanup() async {
        guard let command = configuration.executorCleanupCommand, let path = command.first else { return }
        let env = configuration.executorEnvironment.map { "\($0.key)=\($0.value)" }
            + ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        do {
            let output = try await Subprocess.run(path, arguments: command, environment: env, timeout: .seconds(120))
            if !output.succeeded {
                logger.warning("executor cleanup failed", metadata: ["termination": "\(output.termination)", "stderr": "\(output.stderrText.suffix(500))"])
            }
        } catch {
            logger.warning("cannot run the executor cleanup", metadata: ["error": "\(error)"])
        }
    }

    private func failUnfinishedTasks(_ key: ExecutorKey, state: Mesos_V1_TaskState, reason: Mesos_V1_TaskStatus.Reason, message: String) async {
        guard let record = executors[key] else { return }
        executors[key]?.queuedGroups.removeAll()
        for id in record.taskOrder {
            guard let t = executors[key]?.tasks[id], !t.state.isTerminal else { continue }
            await agentUpdate(frameworkID: key.frameworkID, task: t.info, state: state, reason: reason, message: message,
                              executorID: key.executorID, register: false)
        }
    }
}
