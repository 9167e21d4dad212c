import MesosProtocol

/// The executor's protocol logic as a pure state machine: events in (from the agent, the
/// runtime and timers), actions out. It owns the Mesos semantics of the default executor
/// (`src/launcher/default_executor.cpp`, docs/reference/mesos-executor-protocol.md §2 and §5): status updates kept until
/// ACKNOWLEDGED and resent on re-subscription, group kill policy, kill grace and
/// escalation, shutdown, and when to exit. It performs no I/O and reads no clock.
public struct ExecutorStateMachine: Sendable {
    // MARK: Inputs and outputs

    public enum Event: Sendable {
        /// SUBSCRIBED arrived on a stream.
        case subscribed(Mesos_V1_Executor_Event.Subscribed)
        /// The subscription stream ended or a call failed at the transport level.
        case disconnected(reason: String)
        case launchGroup([Mesos_V1_TaskInfo])
        case launch(Mesos_V1_TaskInfo)
        case kill(Mesos_V1_TaskID, Mesos_V1_KillPolicy?)
        case acknowledged(Mesos_V1_TaskID, uuid: [UInt8])
        case shutdown
        case message([UInt8])
        case error(String)
        /// The runtime finished launching a group: per task, success or a failure message.
        case groupLaunched(group: Int, results: [String: LaunchOutcome])
        /// A container ended.
        case containerExited(taskID: String, exit: ContainerExit)
        /// A health checker reported (after its own grace/consecutive-failure logic).
        case healthResult(taskID: String, healthy: Bool, kill: Bool, message: String?)
        /// A result of a task's Mesos check (`TaskInfo.check`), uninterpreted.
        case checkResult(taskID: String, status: Mesos_V1_CheckStatusInfo)
        case timerFired(Timer)
        /// The runtime started containers in the running pod (`startContainers`): per task, the outcome.
        case containersStarted([String: LaunchOutcome])
    }

    public enum LaunchOutcome: Sendable, Equatable {
        case started(networkInfos: [Mesos_V1_NetworkInfo])
        case failed(message: String, reason: Mesos_V1_TaskStatus.Reason?)
    }

    /// How a container ended, as the runtime saw it.
    public struct ContainerExit: Sendable, Equatable {
        public enum Cause: Sendable, Equatable {
            case exited(Int32)
            case signaled(Int32, description: String)
        }
        public var cause: Cause
        /// The container was killed by the kernel for exceeding its memory limit.
        public var memoryLimitExceeded: Bool
        public var message: String?
        public init(cause: Cause, memoryLimitExceeded: Bool = false, message: String? = nil) {
            self.cause = cause
            self.memoryLimitExceeded = memoryLimitExceeded
            self.message = message
        }
    }

    public enum Timer: Sendable, Hashable {
        /// Kill escalation: SIGKILL a task that ignored SIGTERM for its grace period.
        case escalation(taskID: String)
        case maxCompletion(taskID: String)
        /// MESOS_RECOVERY_TIMEOUT after the first disconnection.
        case recovery
        /// MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD after SHUTDOWN: kill everything, exit.
        case shutdownGrace
        /// 60 s after the last task ended: exit even if ACKs are missing (fail-safe).
        case exitFailSafe
        /// The backoff before a container is started again in place.
        case restart(taskID: String)
    }

    public enum Action: Sendable, Equatable {
        /// POST this update now (it is already in the unacknowledged list).
        case sendUpdate(uuid: [UInt8])
        /// Prepare the pod resources and start the containers of a group.
        case launchGroup(group: Int, tasks: [Mesos_V1_TaskInfo])
        /// Start these containers in the pod as it is (network, volumes): restarts, and
        /// containers whose dependencies now hold; answered with `containersStarted`.
        case startContainers(taskIDs: [String])
        case signal(taskID: String, signal: KillSignal)
        case startHealthCheck(taskID: String)
        case stopHealthCheck(taskID: String)
        case startCheck(taskID: String)
        case stopCheck(taskID: String)
        case pauseHealthChecks
        case resumeHealthChecks
        case startTimer(Timer, after: Duration)
        case cancelTimer(Timer)
        /// Drop the connection and subscribe again (after an ERROR event).
        case reconnect
        /// Start reconnecting with backoff (checkpointing framework).
        case startReconnecting
        /// Release what the group used (containers are all gone).
        case cleanUpGroup(group: Int)
        case log(level: LogLevel, message: String)
        /// Terminate the executor process.
        case exit(code: Int32, reason: String)
    }

    public enum KillSignal: Sendable, Equatable {
        case terminate
        case kill
    }

    public enum LogLevel: Sendable, Equatable { case debug, info, warning, error }

    public struct Configuration: Sendable {
        public var executorID: Mesos_V1_ExecutorID
        public var frameworkID: Mesos_V1_FrameworkID
        public var checkpoint: Bool
        public var recoveryTimeout: Duration
        public var shutdownGracePeriod: Duration
        /// The kill grace for group kills, shutdown kills and KILLs without a policy.
        public var defaultKillGrace: Duration = .seconds(3)
        public var exitFailSafe: Duration = .seconds(60)

        public init(executorID: Mesos_V1_ExecutorID, frameworkID: Mesos_V1_FrameworkID, checkpoint: Bool,
                    recoveryTimeout: Duration, shutdownGracePeriod: Duration) {
            self.executorID = executorID
            self.frameworkID = frameworkID
            self.checkpoint = checkpoint
            self.recoveryTimeout = recoveryTimeout
            self.shutdownGracePeriod = shutdownGracePeriod
        }
    }

    // MARK: State

    enum Connection: Equatable {
        case connecting
        case subscribed
        /// Disconnected; reconnecting (checkpoint) — the recovery timer runs once.
        case disconnected
    }

    enum Lifecycle: Equatable {
        case running
        case shuttingDown
        case exited
    }

    enum KillCause: Equatable {
        case killEvent
        case groupPolicy
        case healthCheck
        case shutdown
        case maxCompletion
        /// Stopped to restart the whole pod in place (escalation of a container's restarts).
        case podRestart
    }

    enum Phase: Equatable {
        /// TASK_STARTING sent; waiting for its `dependsOn` conditions before it is started.
        case waiting
        /// TASK_STARTING sent; the container is being prepared. A kill may be pending.
        case launching(pendingKill: Duration?, cause: KillCause?)
        case running
        case killing(KillCause)
        /// The container ended and will start again in place; Mesos still sees TASK_RUNNING.
        case restarting(RestartWait)
        case terminal(Mesos_V1_TaskState)

        var isLive: Bool {
            if case .terminal = self { return false }
            return true
        }
    }

    struct Task {
        var info: Mesos_V1_TaskInfo
        var group: Int
        var phase: Phase
        var acknowledged = false
        var lastStatus: Mesos_V1_TaskStatus?
        var hasHealthCheck: Bool { info.hasHealthCheck }
        var healthCheckRunning = false
        var checkRunning = false
        /// The restart policy from the task's labels (nil: Never).
        var restart: PodRestartContract.Restart?
        var restarts = RestartHistory()
        /// Start dependencies: task ids of the group and their conditions.
        var dependsOn: [(taskID: String, condition: PodRestartContract.Condition)] = []
        /// Reached TASK_RUNNING once; passed its health check once.
        var started = false
        var everHealthy = false
        /// Its readiness check (`TaskInfo.check`) said ready once (PodReadinessContract).
        var everReady = false
        /// Killed while dependents still run: the kill grace to apply once they are gone.
        var deferredStop: Duration?
    }

    struct Group {
        var taskIDs: [String]
        /// A member was killed for failing its health check: the terminal updates of the
        /// health-checked members carry `healthy = false` (the default executor does this
        /// for every task of the executor, MESOS-8543; a task without a health check
        /// never carries `healthy` here).
        var unhealthyKill = false
        var cleanedUp = false
        var podRestart = PodRestartStage.unused
    }

    public let configuration: Configuration
    var connection: Connection = .connecting
    var lifecycle: Lifecycle = .running
    var tasks: [String: Task] = [:]
    var taskOrder: [String] = []
    var groups: [Int: Group] = [:]
    /// Containers that ended before their group finished launching. The default executor
    /// only starts waiting on containers once the whole group is launched (and TASK_RUNNING
    /// sent), so such an exit is handled right after `groupLaunched`, not before.
    var earlyExits: [String: ContainerExit] = [:]
    var nextGroup = 1
    /// Updates not yet acknowledged, in the order they were generated.
    var unacknowledged: [(uuid: [UInt8], update: Mesos_V1_Executor_Call.Update)] = []
    var recoveryTimerArmed = false
    var failSafeArmed = false
    public internal(set) var subscribedInfo: Mesos_V1_Executor_Event.Subscribed?

    let makeUUID: @Sendable () -> [UInt8]
    let now: @Sendable () -> Double

    public init(configuration: Configuration, makeUUID: @escaping @Sendable () -> [UInt8] = MesosUUID.random,
                now: @escaping @Sendable () -> Double) {
        self.configuration = configuration
        self.makeUUID = makeUUID
        self.now = now
    }

    // MARK: Queries for the driver

    /// The SUBSCRIBE payload: every unacknowledged update, and the TaskInfo of every task
    /// that has no acknowledged update yet (the agent drops STAGING tasks not listed).
    public func subscribeCall() -> Mesos_V1_Executor_Call.Subscribe {
        var s = Mesos_V1_Executor_Call.Subscribe()
        s.unacknowledgedUpdates = unacknowledged.map(\.update)
        s.unacknowledgedTasks = taskOrder.compactMap { id in
            guard let t = tasks[id], !t.acknowledged else { return nil }
            return t.info
        }
        return s
    }

    /// The update with this uuid, if still unacknowledged.
    public func update(uuid: [UInt8]) -> Mesos_V1_Executor_Call.Update? {
        unacknowledged.first { $0.uuid == uuid }?.update
    }

    public var isSubscribed: Bool { connection == .subscribed }
    public var unacknowledgedCount: Int { unacknowledged.count }

    /// Task ids with their current state name, for the runtime-state file and tests.
    public var taskStates: [(taskID: String, state: String)] {
        taskOrder.compactMap { id in
            guard let t = tasks[id] else { return nil }
            switch t.phase {
            case .launching, .waiting: return (id, "TASK_STARTING")
            case .running: return (id, "TASK_RUNNING")
            case .killing: return (id, "TASK_KILLING")
            case .restarting: return (id, "TASK_RUNNING")
            case .terminal(let s): return (id, s.name)
            }
        }
    }

    /// The TaskInfo of a task.
    public func taskInfo(_ taskID: String) -> Mesos_V1_TaskInfo? { tasks[taskID]?.info }

    /// The last status sent for a task.
    public func lastStatus(_ taskID: String) -> Mesos_V1_TaskStatus? { tasks[taskID]?.lastStatus }

    // MARK: Event handling

    public mutating func handle(_ event: Event) -> [Action] {
        guard lifecycle != .exited else { return [] }
        var actions: [Action] = []
        switch event {
        case .subscribed(let info):
            onSubscribed(info, &actions)
        case .disconnected(let reason):
            onDisconnected(reason, &actions)
        case .launchGroup(let infos):
            onLaunchGroup(infos, &actions)
        case .launch(let info):
            // The default executor treats LAUNCH as fatal; a pod executor can simply run
            // the task as a group of one.
            actions.append(.log(level: .info, message: "LAUNCH of a single task runs it as a task group of one"))
            onLaunchGroup([info], &actions)
        case .kill(let taskID, let policy):
            onKill(taskID.value, policy: policy, &actions)
        case .acknowledged(let taskID, let uuid):
            onAcknowledged(taskID.value, uuid: uuid, &actions)
        case .shutdown:
            onShutdown(&actions)
        case .message(let data):
            actions.append(.log(level: .info, message: "MESSAGE from the scheduler (\(data.count) bytes)"))
        case .error(let message):
            actions.append(.log(level: .warning, message: "ERROR event: \(message); subscribing again"))
            actions.append(.reconnect)
        case .groupLaunched(let group, let results):
            onGroupLaunched(group, results, &actions)
        case .containerExited(let taskID, let exit):
            onContainerExited(taskID, exit, &actions)
        case .healthResult(let taskID, let healthy, let kill, let message):
            onHealthResult(taskID, healthy: healthy, kill: kill, message: message, &actions)
        case .checkResult(let taskID, let status):
            onCheckResult(taskID, status, &actions)
        case .timerFired(let timer):
            onTimer(timer, &actions)
        case .containersStarted(let results):
            onContainersStarted(results, &actions)
        }
        progressDependencies(&actions)
        checkExit(&actions)
        return actions
    }
}
