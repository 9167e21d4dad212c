import Foundation
import MesosProtocol

/// Restarts in place (`lifecycle.restart`, docs/pod-lifecycle.md "Restarts"): beyond the Mesos
/// default executor, whose group policy ends the pod when one container ends. A container
/// whose policy calls for it is started again in the same pod (network namespace, volumes;
/// its siblings untouched) after a backoff, while Mesos keeps seeing TASK_RUNNING. When it
/// exhausts `maxRestarts` within `windowSeconds`, the whole pod is restarted in place once;
/// the next exhaustion fails the task and the group policy applies as before.
extension ExecutorStateMachine {
    /// What a restarting container waits for.
    enum RestartWait: Equatable {
        /// Its own backoff timer.
        case backoff
        /// Its siblings to stop, for a restart of the whole pod.
        case pod
    }

    /// The escalation to a restart of the whole pod, once per group.
    enum PodRestartStage: Equatable {
        case unused
        /// Members are being stopped; they start again when none runs.
        case stopping(trigger: String)
        case used
    }

    /// A container's past terminations, as the restart policy counts them.
    struct RestartHistory: Equatable {
        struct Termination: Equatable {
            var exitCode: Int32?
            var signal: Int32?
            var oomKilled: Bool
            var finishedAt: Double
        }

        /// Restarts so far (container and pod scope).
        var count = 0
        /// When the restarts counted against the window happened.
        var recent: [Double] = []
        var last: Termination?
        var scope = "container"
    }

    // MARK: Exits

    /// Handles an exit the restart policy is about; false when the exit takes its usual
    /// course (policy Never, success under OnFailure, or the executor shutting down).
    mutating func restartAfterExit(_ id: String, _ exit: ContainerExit, _ actions: inout [Action]) -> Bool {
        guard let task = tasks[id] else { return false }
        if case .killing(.podRestart) = task.phase {
            record(exit, of: id)
            tasks[id]?.phase = .restarting(.pod)
            relaunchPodIfStopped(task.group, &actions)
            return true
        }
        guard case .running = task.phase, lifecycle == .running, let policy = task.restart else { return false }
        var code: Int32?
        if case .exited(let c) = exit.cause { code = c }
        guard exit.memoryLimitExceeded || policy.restarts(exitCode: code) else { return false }
        record(exit, of: id)
        let now = now()
        let recent = task.restarts.recent.filter { now - $0 < policy.windowSeconds }
        tasks[id]?.restarts.recent = recent
        if recent.count < policy.maxRestarts {
            tasks[id]?.restarts.recent.append(now)
            tasks[id]?.restarts.count += 1
            tasks[id]?.restarts.scope = "container"
            tasks[id]?.phase = .restarting(.backoff)
            let delay = policy.backoff(attempt: recent.count + 1)
            sendRestartUpdate(id, message: "\(Self.describe(exit)); restart \(recent.count + 1) of \(policy.maxRestarts) within \(Self.seconds(policy.windowSeconds)) in \(Self.seconds(delay))", &actions)
            actions.append(.log(level: .info, message: "container \(id) ended; restarting it in place"))
            actions.append(.startTimer(.restart(taskID: id), after: .milliseconds(Int64(delay * 1000))))
            return true
        }
        let exhausted = "\(Self.describe(exit)); exhausted \(policy.maxRestarts) restarts within \(Self.seconds(policy.windowSeconds))"
        guard groups[task.group]?.podRestart == .unused else {
            // The pod was restarted once already: fail as the group policy has it.
            sendTerminal(id, state: .taskFailed, reason: nil, message: exhausted + " after the pod was restarted in place", &actions)
            killGroup(task.group, except: id, &actions)
            cleanUpIfGroupDone(task.group, &actions)
            return true
        }
        beginPodRestart(trigger: id, message: exhausted, &actions)
        return true
    }

    private mutating func record(_ exit: ContainerExit, of id: String) {
        var termination = RestartHistory.Termination(exitCode: nil, signal: nil, oomKilled: exit.memoryLimitExceeded, finishedAt: now())
        switch exit.cause {
        case .exited(let code): termination.exitCode = code
        case .signaled(let signal, _): termination.signal = signal
        }
        tasks[id]?.restarts.last = termination
    }

    /// Stops every other running member of the trigger's group; all start again together.
    private mutating func beginPodRestart(trigger: String, message: String, _ actions: inout [Action]) {
        guard let group = tasks[trigger]?.group, let members = groups[group]?.taskIDs else { return }
        groups[group]?.podRestart = .stopping(trigger: trigger)
        tasks[trigger]?.phase = .restarting(.pod)
        tasks[trigger]?.restarts.scope = "pod"
        actions.append(.log(level: .warning, message: "container \(trigger) exhausted its restarts; restarting the pod in place"))
        sendRestartUpdate(trigger, message: message + ": restarting the pod in place", &actions)
        for id in members where id != trigger {
            guard let task = tasks[id] else { continue }
            switch task.phase {
            case .running:
                tasks[id]?.phase = .killing(.podRestart)
                beginKill(id, grace: Self.grace(policy: nil, info: task.info, default: configuration.defaultKillGrace), &actions)
            case .restarting(.backoff):
                actions.append(.cancelTimer(.restart(taskID: id)))
                tasks[id]?.phase = .restarting(.pod)
            case .launching(nil, _):
                // Being started again right now: stopped once it is up (see onContainersStarted).
                tasks[id]?.phase = .launching(pendingKill: configuration.defaultKillGrace, cause: .podRestart)
            default:
                continue
            }
        }
        relaunchPodIfStopped(group, &actions)
    }

    /// Once no member of a restarting pod runs, starts every stopped member again.
    private mutating func relaunchPodIfStopped(_ group: Int, _ actions: inout [Action]) {
        guard let g = groups[group], case .stopping = g.podRestart else { return }
        var waiting: [String] = []
        for id in g.taskIDs {
            guard let task = tasks[id] else { continue }
            switch task.phase {
            case .restarting(.pod): waiting.append(id)
            case .terminal: continue
            default: return
            }
        }
        groups[group]?.podRestart = .used
        for id in waiting {
            tasks[id]?.phase = .launching(pendingKill: nil, cause: nil)
            tasks[id]?.restarts.recent = []
            tasks[id]?.restarts.count += 1
            tasks[id]?.restarts.scope = "pod"
        }
        if !waiting.isEmpty { actions.append(.startContainers(taskIDs: waiting)) }
    }

    // MARK: Timer and relaunch

    mutating func onRestartTimer(_ id: String, _ actions: inout [Action]) {
        guard let task = tasks[id], task.phase == .restarting(.backoff), lifecycle == .running else { return }
        tasks[id]?.phase = .launching(pendingKill: nil, cause: nil)
        actions.append(.startContainers(taskIDs: [id]))
    }

    mutating func onContainersStarted(_ results: [String: LaunchOutcome], _ actions: inout [Action]) {
        var failedGroups = Set<Int>()
        for id in taskOrder where results[id] != nil {
            guard let task = tasks[id], case .launching(let pendingKill, let cause) = task.phase else { continue }
            switch results[id] ?? .failed(message: "", reason: nil) {
            case .failed(let message, let reason):
                failedGroups.insert(task.group)
                sendTerminal(id, state: .taskFailed, reason: reason ?? .containerLaunchFailed,
                             message: "cannot restart the container in place: \(message)", &actions)
            case .started(let networkInfos):
                if let grace = pendingKill {
                    tasks[id]?.phase = .killing(cause ?? .killEvent)
                    beginKill(id, grace: grace, &actions)
                    continue
                }
                tasks[id]?.phase = .running
                if !task.started {
                    // A container that waited for its dependencies: its first start.
                    firstStart(id, networkInfos: networkInfos, &actions)
                    continue
                }
                let scope = task.restarts.scope == "pod" ? "with the pod" : "in place"
                sendRestartUpdate(id, message: "Container restarted \(scope) (restart \(task.restarts.count))", &actions)
                if task.hasHealthCheck {
                    tasks[id]?.healthCheckRunning = true
                    actions.append(.startHealthCheck(taskID: id))
                }
                startCheck(id, &actions)
            }
        }
        for group in failedGroups where lifecycle != .shuttingDown { killGroup(group, except: nil, &actions) }
        for id in taskOrder where results[id] != nil {
            if let exit = earlyExits.removeValue(forKey: id) { onContainerExited(id, exit, &actions) }
        }
        for group in Set(results.keys.compactMap { tasks[$0]?.group }) { cleanUpIfGroupDone(group, &actions) }
    }

    /// A container's first run: TASK_RUNNING (with the pod's network when it is given), its
    /// health check, its Mesos check and its max completion timer start. Containers launched
    /// with the group and those that waited for their dependencies alike.
    mutating func firstStart(_ id: String, networkInfos: [Mesos_V1_NetworkInfo], _ actions: inout [Action]) {
        guard var task = tasks[id] else { return }
        if !networkInfos.isEmpty, var status = task.lastStatus {
            status.containerStatus.networkInfos = networkInfos
            task.lastStatus = status
        }
        task.started = true
        tasks[id] = task
        send(id, state: .taskRunning, &actions)
        if task.hasHealthCheck {
            tasks[id]?.healthCheckRunning = true
            actions.append(.startHealthCheck(taskID: id))
        }
        startCheck(id, &actions)
        if task.info.hasMaxCompletionTime {
            actions.append(.startTimer(.maxCompletion(taskID: id), after: .nanoseconds(max(0, task.info.maxCompletionTime.nanoseconds))))
        }
    }

    /// A restarting container asked to end: nothing runs, so it is killed at once.
    mutating func endRestarting(_ id: String, _ actions: inout [Action]) {
        actions.append(.cancelTimer(.restart(taskID: id)))
        let last = tasks[id]?.restarts.last.map(Self.describe) ?? "Container ended"
        sendTerminal(id, state: .taskKilled, reason: nil, message: last + "; killed while waiting to restart", &actions)
        if let group = tasks[id]?.group {
            relaunchPodIfStopped(group, &actions)
            cleanUpIfGroupDone(group, &actions)
        }
    }

    // MARK: Updates

    /// A TASK_RUNNING update with the restart count and last termination in its labels;
    /// without `healthy`: health starts over with the new process.
    private mutating func sendRestartUpdate(_ id: String, message: String, _ actions: inout [Action]) {
        guard var task = tasks[id] else { return }
        var status = baseStatus(id, state: .taskRunning)
        status.message = message
        if let previous = task.lastStatus, previous.hasContainerStatus { status.containerStatus = previous.containerStatus }
        status.labels = Self.restartLabels(task.restarts)
        // A new run of the container: its check starts over, with no result yet (not ready).
        if task.info.hasCheck { status.checkStatus = Self.emptyCheckStatus(task.info.check.type) }
        task.lastStatus = status
        tasks[id] = task
        enqueue(status, &actions)
    }

    static func restartLabels(_ history: RestartHistory) -> Mesos_V1_Labels {
        typealias Key = PodRestartContract.StatusLabel
        var pairs: [(String, String)] = [(Key.restartCount, String(history.count)), (Key.scope, history.scope)]
        if let last = history.last {
            if let code = last.exitCode { pairs.append((Key.exitCode, String(code))) }
            if let signal = last.signal { pairs.append((Key.signal, String(signal))) }
            pairs.append((Key.oomKilled, last.oomKilled ? "true" : "false"))
            pairs.append((Key.finishedAt, String(format: "%.3f", last.finishedAt)))
        }
        return Mesos_V1_Labels(pairs)
    }

    static func describe(_ exit: ContainerExit) -> String {
        let text: String
        switch exit.cause {
        case .exited(let code): text = "Command exited with status \(code)"
        case .signaled(_, let description): text = "Command terminated with signal \(description)"
        }
        return exit.memoryLimitExceeded ? "Memory limit exceeded: " + text : text
    }

    static func describe(_ termination: RestartHistory.Termination) -> String {
        if let code = termination.exitCode { return "Command exited with status \(code)" }
        return "Command terminated with signal \(termination.signal ?? 0)"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : String(format: "%.1fs", value)
    }
}
