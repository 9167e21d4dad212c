import Foundation
import MesosProtocol

extension ExecutorStateMachine {
    // MARK: Connection

    mutating func onSubscribed(_ info: Mesos_V1_Executor_Event.Subscribed, _ actions: inout [Action]) {
        let wasDisconnected = connection == .disconnected
        subscribedInfo = info
        connection = .subscribed
        if recoveryTimerArmed {
            recoveryTimerArmed = false
            actions.append(.cancelTimer(.recovery))
        }
        if wasDisconnected {
            actions.append(.log(level: .info, message: "re-subscribed; \(unacknowledgedCount) unacknowledged updates outstanding"))
            // Updates generated after the SUBSCRIBE was built are not in it: post every
            // unacknowledged one again (the agent deduplicates by uuid and ACKs again).
            for entry in unacknowledged { actions.append(.sendUpdate(uuid: entry.uuid)) }
            actions.append(.resumeHealthChecks)
        }
        if lifecycle == .shuttingDown && !hasLiveTasks {
            // Nothing left to do but wait for the ACKs of the resent updates.
            armFailSafe(&actions)
        }
    }

    mutating func onDisconnected(_ reason: String, _ actions: inout [Action]) {
        guard connection != .disconnected else { return }
        let wasSubscribed = connection == .subscribed
        connection = .disconnected
        guard configuration.checkpoint else {
            // Without checkpointing the agent will not reconnect to us: kill the pod (no
            // one else will, our containers are ours) and exit.
            actions.append(.log(level: .warning, message: "disconnected from the agent (\(reason)); framework does not checkpoint: shutting down"))
            killAll(cause: .shutdown, grace: .zero, sendKilling: false, &actions)
            if !hasLiveTasks {
                lifecycle = .exited
                actions.append(.exit(code: 0, reason: "disconnected without checkpointing"))
            } else {
                lifecycle = .shuttingDown
            }
            return
        }
        actions.append(.log(level: wasSubscribed ? .warning : .info, message: "disconnected from the agent (\(reason)); reconnecting"))
        actions.append(.pauseHealthChecks)
        if !recoveryTimerArmed {
            // Started once at the first disconnection, as the reference library does.
            recoveryTimerArmed = true
            actions.append(.startTimer(.recovery, after: configuration.recoveryTimeout))
        }
        actions.append(.startReconnecting)
    }

    // MARK: Launch

    mutating func onLaunchGroup(_ infos: [Mesos_V1_TaskInfo], _ actions: inout [Action]) {
        if lifecycle == .shuttingDown {
            actions.append(.log(level: .warning, message: "LAUNCH_GROUP ignored: the executor is shutting down"))
            return
        }
        let group = nextGroup
        nextGroup += 1
        var problems: [String] = []
        var seen = Set<String>()
        var unique: [Mesos_V1_TaskInfo] = []
        for info in infos {
            let id = info.taskID.value
            if id.isEmpty {
                problems.append("a task has an empty task_id")
                continue
            }
            if seen.contains(id) {
                problems.append("duplicate task id '\(id)' in the task group")
                continue
            }
            if tasks[id] != nil {
                problems.append("task id '\(id)' is already in use by this executor")
                continue
            }
            seen.insert(id)
            unique.append(info)
        }
        if infos.isEmpty { problems.append("the task group has no tasks") }
        for info in unique {
            if let problem = Self.staticProblem(of: info) { problems.append(problem) }
        }
        if problems.isEmpty, let problem = Self.dependencyProblem(unique) { problems.append(problem) }
        guard problems.isEmpty else {
            let message = "Invalid task group: " + problems.joined(separator: "; ")
            for info in unique {
                register(info, group: group)
                sendTerminal(info.taskID.value, state: .taskError, reason: .taskGroupInvalid, message: message, &actions)
            }
            groups[group] = Group(taskIDs: unique.map(\.taskID.value), cleanedUp: true)
            actions.append(.log(level: .error, message: message))
            return
        }
        groups[group] = Group(taskIDs: unique.map(\.taskID.value))
        for info in unique {
            register(info, group: group)
            send(info.taskID.value, state: .taskStarting, &actions)
        }
        let free = resolveDependencies(unique)
        actions.append(.launchGroup(group: group, tasks: free))
    }

    private mutating func register(_ info: Mesos_V1_TaskInfo, group: Int) {
        let id = info.taskID.value
        if tasks[id] == nil { taskOrder.append(id) }
        var task = Task(info: info, group: group, phase: .launching(pendingKill: nil, cause: nil))
        if case .success(let restart)? = PodRestartContract.restart(in: info.labels), restart.policy != .never { task.restart = restart }
        tasks[id] = task
    }

    /// Problems visible without touching the system.
    static func staticProblem(of info: Mesos_V1_TaskInfo) -> String? {
        let id = info.taskID.value
        if info.hasContainer && info.container.type == .docker {
            return "task '\(id)': DOCKER containers are not supported, use MESOS"
        }
        if info.hasCommand {
            if info.command.shell && !info.command.hasValue {
                return "task '\(id)': a shell command needs a value"
            }
        } else if !(info.hasContainer && info.container.mesos.hasImage) {
            return "task '\(id)': no command and no image to take one from"
        }
        if info.hasHealthCheck {
            let hc = info.healthCheck
            switch hc.type {
            case .http where !hc.hasHTTP, .tcp where !hc.hasTcp, .command where !hc.hasCommand:
                return "task '\(id)': health check of type \(hc.type) lacks its description"
            case .unknown:
                return "task '\(id)': health check without a type"
            default:
                break
            }
            if hc.hasHTTP, hc.http.hasScheme, hc.http.scheme != "http" && hc.http.scheme != "https" {
                return "task '\(id)': health check scheme must be http or https"
            }
            if hc.hasHTTP, hc.http.hasPath, !hc.http.path.hasPrefix("/") {
                return "task '\(id)': health check path must start with '/'"
            }
            if hc.delaySeconds < 0 || hc.intervalSeconds < 0 || hc.timeoutSeconds < 0 || hc.gracePeriodSeconds < 0 {
                return "task '\(id)': health check durations must not be negative"
            }
        }
        if case .failure(let failure)? = PodRestartContract.restart(in: info.labels) {
            return "task '\(id)': \(failure.message)"
        }
        if info.hasKillPolicy, info.killPolicy.hasGracePeriod, info.killPolicy.gracePeriod.nanoseconds < 0 {
            return "task '\(id)': kill policy grace period must not be negative"
        }
        return nil
    }

    mutating func onGroupLaunched(_ group: Int, _ results: [String: LaunchOutcome], _ actions: inout [Action]) {
        guard let members = groups[group]?.taskIDs else { return }
        var anyFailed = false
        // In task order, as the default executor sends them.
        for id in members {
            guard var task = tasks[id], case .launching(let pendingKill, let cause) = task.phase else { continue }
            switch results[id] ?? .failed(message: "the runtime reported no launch result", reason: nil) {
            case .failed(let message, let reason):
                anyFailed = true
                sendTerminal(id, state: .taskFailed, reason: reason ?? .containerLaunchFailed, message: message, &actions)
            case .started(let networkInfos):
                if !networkInfos.isEmpty, var status = task.lastStatus {
                    status.containerStatus.networkInfos = networkInfos
                    task.lastStatus = status
                    tasks[id] = task
                }
                if let grace = pendingKill {
                    // Killed while launching: no TASK_RUNNING, straight to the kill.
                    task.phase = .killing(cause ?? .killEvent)
                    tasks[id] = task
                    beginKill(id, grace: grace, &actions)
                    continue
                }
                task.phase = .running
                tasks[id] = task
                firstStart(id, networkInfos: [], &actions)
            }
        }
        if anyFailed, lifecycle != .shuttingDown {
            // Launch failures are failures: the group policy kills the rest (docs/reference/mesos-executor-protocol.md §5.3).
            killGroup(group, except: nil, &actions)
        }
        for id in members {
            if let exit = earlyExits.removeValue(forKey: id) { onContainerExited(id, exit, &actions) }
        }
        cleanUpIfGroupDone(group, &actions)
    }

    // MARK: Kill

    mutating func onKill(_ id: String, policy: Mesos_V1_KillPolicy?, _ actions: inout [Action]) {
        guard lifecycle != .shuttingDown else {
            actions.append(.log(level: .info, message: "KILL of \(id) ignored: shutting down"))
            return
        }
        guard let task = tasks[id] else {
            actions.append(.log(level: .warning, message: "KILL of unknown task \(id) ignored"))
            return
        }
        let grace = Self.grace(policy: policy, info: task.info, default: configuration.defaultKillGrace)
        switch task.phase {
        case .restarting:
            // Nothing runs: it ends here.
            endRestarting(id, &actions)
        case .waiting:
            endWaiting(id, &actions)
        case .terminal, .killing:
            // Already ending; a second KILL with a shorter grace is not honoured (MESOS-8557).
            actions.append(.log(level: .debug, message: "KILL of \(id) ignored: already terminal or being killed"))
        case .launching:
            tasks[id]?.phase = .launching(pendingKill: grace, cause: .killEvent)
            sendKillingIfCapable(id, &actions)
        case .running:
            tasks[id]?.phase = .killing(.killEvent)
            sendKillingIfCapable(id, &actions)
            beginKill(id, grace: grace, &actions)
        }
    }

    static func grace(policy: Mesos_V1_KillPolicy?, info: Mesos_V1_TaskInfo, default fallback: Duration) -> Duration {
        if let policy, policy.hasGracePeriod { return .nanoseconds(max(0, policy.gracePeriod.nanoseconds)) }
        if info.hasKillPolicy, info.killPolicy.hasGracePeriod { return .nanoseconds(max(0, info.killPolicy.gracePeriod.nanoseconds)) }
        return fallback
    }

    /// SIGTERM now, SIGKILL after the grace (SIGKILL at once for a zero grace); for a
    /// container with running dependents, after they are gone (`dependsOn`: reverse order).
    mutating func beginKill(_ id: String, grace: Duration, _ actions: inout [Action]) {
        if deferForDependents(id, grace: grace, &actions) { return }
        signalKill(id, grace: grace, &actions)
    }

    mutating func signalKill(_ id: String, grace: Duration, _ actions: inout [Action]) {
        stopCheck(id, &actions)
        if tasks[id]?.healthCheckRunning == true {
            tasks[id]?.healthCheckRunning = false
            actions.append(.stopHealthCheck(taskID: id))
        }
        actions.append(.cancelTimer(.maxCompletion(taskID: id)))
        if grace <= .zero {
            actions.append(.signal(taskID: id, signal: .kill))
        } else {
            actions.append(.signal(taskID: id, signal: .terminate))
            actions.append(.startTimer(.escalation(taskID: id), after: grace))
        }
    }

    private mutating func sendKillingIfCapable(_ id: String, _ actions: inout [Action]) {
        if frameworkHasCapability(.taskKillingState) {
            send(id, state: .taskKilling, &actions)
        }
    }

    func frameworkHasCapability(_ type: Mesos_V1_FrameworkInfo.Capability.TypeEnum) -> Bool {
        subscribedInfo?.frameworkInfo.capabilities.contains { $0.type == type } ?? false
    }

    /// Kills the live members of a group (group policy: fixed default grace).
    mutating func killGroup(_ group: Int, except: String?, _ actions: inout [Action]) {
        guard let members = groups[group]?.taskIDs else { return }
        for id in members where id != except {
            guard let task = tasks[id] else { continue }
            switch task.phase {
            case .running:
                tasks[id]?.phase = .killing(.groupPolicy)
                sendKillingIfCapable(id, &actions)
                beginKill(id, grace: configuration.defaultKillGrace, &actions)
            case .launching(nil, _):
                tasks[id]?.phase = .launching(pendingKill: configuration.defaultKillGrace, cause: .groupPolicy)
                sendKillingIfCapable(id, &actions)
            case .restarting:
                endRestarting(id, &actions)
            case .waiting:
                endWaiting(id, &actions)
            default:
                continue
            }
        }
    }

    mutating func killAll(cause: KillCause, grace: Duration, sendKilling: Bool, _ actions: inout [Action]) {
        for id in taskOrder {
            guard let task = tasks[id] else { continue }
            switch task.phase {
            case .running:
                tasks[id]?.phase = .killing(cause)
                if sendKilling { sendKillingIfCapable(id, &actions) }
                beginKill(id, grace: grace, &actions)
            case .launching(let pending, _):
                tasks[id]?.phase = .launching(pendingKill: min(pending ?? grace, grace), cause: cause)
                if sendKilling && pending == nil { sendKillingIfCapable(id, &actions) }
            case .killing:
                // Shorten an in-progress kill to the shutdown grace if that is sooner.
                if grace <= .zero { actions.append(.signal(taskID: id, signal: .kill)) }
            case .restarting:
                endRestarting(id, &actions)
            case .waiting:
                endWaiting(id, &actions)
            case .terminal:
                continue
            }
        }
    }

    // MARK: Shutdown

    mutating func onShutdown(_ actions: inout [Action]) {
        guard lifecycle == .running else { return }
        lifecycle = .shuttingDown
        actions.append(.log(level: .info, message: "SHUTDOWN: killing every task"))
        // The agent destroys us after the shutdown grace period; leave a margin for the
        // terminal updates to go out.
        let budget = configuration.shutdownGracePeriod
        let margin = min(.seconds(1), budget / 5)
        let killGrace = max(.zero, min(configuration.defaultKillGrace, budget - margin))
        killAll(cause: .shutdown, grace: killGrace, sendKilling: true, &actions)
        // Leave before the agent destroys us, so that the pod is torn down cleanly
        // (network, cgroups) rather than left to the garbage collector.
        actions.append(.startTimer(.shutdownGrace, after: max(killGrace, budget - margin)))
        if !hasLiveTasks { armFailSafe(&actions) }
    }

    // MARK: Container exits

    mutating func onContainerExited(_ id: String, _ exit: ContainerExit, _ actions: inout [Action]) {
        guard let task = tasks[id], task.phase.isLive else { return }
        if case .launching = task.phase {
            earlyExits[id] = exit
            return
        }
        actions.append(.cancelTimer(.escalation(taskID: id)))
        actions.append(.cancelTimer(.maxCompletion(taskID: id)))
        if task.healthCheckRunning {
            tasks[id]?.healthCheckRunning = false
            actions.append(.stopHealthCheck(taskID: id))
        }
        stopCheck(id, &actions)
        if restartAfterExit(id, exit, &actions) { return }
        let text: String
        switch exit.cause {
        case .exited(let code): text = "Command exited with status \(code)"
        case .signaled(_, let description): text = "Command terminated with signal \(description)"
        }
        var message = exit.message.map { text + ": " + $0 } ?? text
        var state: Mesos_V1_TaskState
        var reason: Mesos_V1_TaskStatus.Reason?
        switch task.phase {
        case .killing(.maxCompletion):
            state = .taskFailed
            reason = .maxCompletionTimeReached
        case .killing:
            state = .taskKilled
        default:
            if case .exited(0) = exit.cause { state = .taskFinished } else { state = .taskFailed }
        }
        if exit.memoryLimitExceeded {
            // The kernel OOM killer ended it: a resource limitation, whatever we intended.
            state = .taskFailed
            reason = .containerLimitationMemory
            message = "Memory limit exceeded: " + message
        }
        sendTerminal(id, state: state, reason: reason, message: message, &actions)
        if (state == .taskFailed || state == .taskKilled) && lifecycle != .shuttingDown {
            killGroup(task.group, except: id, &actions)
        }
        cleanUpIfGroupDone(task.group, &actions)
    }

    mutating func cleanUpIfGroupDone(_ group: Int, _ actions: inout [Action]) {
        guard var g = groups[group], !g.cleanedUp else { return }
        let allTerminal = g.taskIDs.allSatisfy { tasks[$0].map { !$0.phase.isLive } ?? true }
        guard allTerminal else { return }
        g.cleanedUp = true
        groups[group] = g
        actions.append(.cleanUpGroup(group: group))
    }

    // MARK: Health

    mutating func onHealthResult(_ id: String, healthy: Bool, kill: Bool, message: String?, _ actions: inout [Action]) {
        guard var task = tasks[id], task.phase == .running, task.healthCheckRunning else { return }
        // Health updates are dropped while disconnected (they could not be reported).
        guard connection == .subscribed else { return }
        guard var status = task.lastStatus else { return }
        status.uuid = Data(makeUUID())
        status.timestamp = now()
        status.reason = .taskHealthCheckStatusUpdated
        status.healthy = healthy
        if let message { status.message = message } else { status.clearMessage() }
        task.lastStatus = status
        if healthy { task.everHealthy = true }
        tasks[id] = task
        enqueue(status, &actions)
        if kill {
            groups[task.group]?.unhealthyKill = true
            tasks[id]?.phase = .killing(.healthCheck)
            sendKillingIfCapable(id, &actions)
            beginKill(id, grace: Self.grace(policy: nil, info: task.info, default: configuration.defaultKillGrace), &actions)
        }
    }

    // MARK: Timers

    mutating func onTimer(_ timer: Timer, _ actions: inout [Action]) {
        switch timer {
        case .escalation(let id):
            if let task = tasks[id], task.phase.isLive {
                actions.append(.signal(taskID: id, signal: .kill))
            }
        case .maxCompletion(let id):
            if let task = tasks[id], task.phase == .running {
                tasks[id]?.phase = .killing(.maxCompletion)
                beginKill(id, grace: .zero, &actions)
            }
        case .recovery:
            recoveryTimerArmed = false
            guard connection != .subscribed else { return }
            actions.append(.log(level: .error, message: "could not reconnect to the agent within the recovery timeout: shutting down"))
            killAll(cause: .shutdown, grace: .zero, sendKilling: false, &actions)
            lifecycle = .exited
            actions.append(.exit(code: 1, reason: "agent recovery timeout"))
        case .shutdownGrace:
            actions.append(.log(level: .warning, message: "shutdown grace period over: exiting"))
            killAll(cause: .shutdown, grace: .zero, sendKilling: false, &actions)
            lifecycle = .exited
            actions.append(.exit(code: 0, reason: "shutdown grace period elapsed"))
        case .restart(let id):
            onRestartTimer(id, &actions)
        case .exitFailSafe:
            guard !hasLiveTasks else { return }
            actions.append(.log(level: .warning, message: "\(unacknowledgedCount) updates still unacknowledged 60 s after the last task ended: exiting"))
            lifecycle = .exited
            actions.append(.exit(code: 0, reason: "all tasks terminal (acknowledgement fail-safe)"))
        }
    }

    // MARK: Acknowledgements and exit

    mutating func onAcknowledged(_ id: String, uuid: [UInt8], _ actions: inout [Action]) {
        if let index = unacknowledged.firstIndex(where: { $0.uuid == uuid }) {
            unacknowledged.remove(at: index)
        }
        if tasks[id] != nil { tasks[id]?.acknowledged = true }
    }

    var hasLiveTasks: Bool { tasks.values.contains { $0.phase.isLive } }

    mutating func checkExit(_ actions: inout [Action]) {
        guard lifecycle != .exited, !tasks.isEmpty || lifecycle == .shuttingDown, !hasLiveTasks else { return }
        let groupsClean = groups.values.allSatisfy(\.cleanedUp)
        guard groupsClean else { return }
        if unacknowledged.isEmpty || (connection == .disconnected && !configuration.checkpoint) {
            lifecycle = .exited
            actions.append(.exit(code: 0, reason: "all tasks are terminal and acknowledged"))
        } else {
            armFailSafe(&actions)
        }
    }

    private mutating func armFailSafe(_ actions: inout [Action]) {
        guard !failSafeArmed else { return }
        failSafeArmed = true
        actions.append(.startTimer(.exitFailSafe, after: configuration.exitFailSafe))
    }
}
