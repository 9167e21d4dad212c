import Foundation
import Logging
import MesosProtocol
import NIOCore
import PodSystem

/// The embedded single-node Mesos agent: it serves the v1 executor API on loopback,
/// launches executors the way `mesos-agent` does (environment, sandbox, checkpoints),
/// delivers LAUNCH_GROUP/KILL/SHUTDOWN/MESSAGE, acknowledges and forwards status updates
/// in order, and can be restarted while executors run (`--recover=reconnect`). Its
/// behaviour copies the real Mesos 1.12 agent recorded in `fixtures/mesos-1.12`.
public actor LocalAgent {
    struct ExecutorKey: Hashable, Sendable {
        var frameworkID: String
        var executorID: String
    }

    struct TaskKey: Hashable, Sendable {
        var frameworkID: String
        var taskID: String
    }

    enum ExecutorPhase: Equatable {
        /// Started, not yet subscribed.
        case registering
        /// Subscribed at least once.
        case running
        /// SHUTDOWN sent; destroyed after the grace period.
        case terminating
        case terminated
    }

    /// One subscription stream to an executor (closed when replaced or on agent stop).
    final class Subscription: Sendable {
        let id: UUID
        let encoding: MesosEncoding
        let continuation: AsyncStream<ByteBuffer>.Continuation
        init(encoding: MesosEncoding, continuation: AsyncStream<ByteBuffer>.Continuation) {
            id = UUID()
            self.encoding = encoding
            self.continuation = continuation
        }
    }

    struct TaskRecord {
        let info: Mesos_V1_TaskInfo
        /// `info` serialized once, for the checkpoints.
        let infoBytes: Data
        /// The group it was launched with (for kills before delivery).
        var groupTaskIDs: [String]
        var delivered: Bool
        var updates = TaskUpdateStream()
        /// Latest state known (from updates or agent decisions).
        var state: Mesos_V1_TaskState = .taskStaging
        var forwardAttempt = 0
        var nextForward: Task<Void, Never>?

        init(info: Mesos_V1_TaskInfo, groupTaskIDs: [String], delivered: Bool) {
            self.info = info
            self.infoBytes = (try? info.serializedData()) ?? Data()
            self.groupTaskIDs = groupTaskIDs
            self.delivered = delivered
        }
    }

    struct ExecutorRecord {
        var info: Mesos_V1_ExecutorInfo
        var framework: Mesos_V1_FrameworkInfo
        var containerID: String
        var directory: String
        var phase: ExecutorPhase
        var process: ManagedProcess?
        var pid: Int32
        var subscription: Subscription?
        var queuedGroups: [[Mesos_V1_TaskInfo]] = []
        var tasks: [String: TaskRecord] = [:]
        var taskOrder: [String] = []
        var cgroup: Cgroup?
        var timer: Task<Void, Never>?
        var pendingEvents: [Mesos_V1_Executor_Event] = []
        /// `framework` and `info` serialized once, for the checkpoints.
        var serialized: (framework: Data, executor: Data)?
        /// The executor's process has ended (and its cgroup is gone).
        var exited = false
    }

    public nonisolated let configuration: AgentConfiguration
    public internal(set) var agentID: String
    let logger: Logger
    var link: (any AgentMasterLink)?
    var executors: [ExecutorKey: ExecutorRecord] = [:]
    /// Which executor runs each task: updates and acknowledgements find their task without
    /// walking every executor.
    var taskIndex: [TaskKey: ExecutorKey] = [:]
    /// Frameworks being torn down: their executors' updates are ignored.
    var terminatingFrameworks: Set<String> = []
    var server: AgentHTTPServer?
    /// Between start and the end of executor re-registration after a restart.
    var recovering = false
    public private(set) var boundPort: Int?
    var executorCgroupRoot: Cgroup?
    /// Which executor binary the agent may run when an ExecutorInfo names a URI.
    let fetcher: ExecutorFetcher
    /// Reserved resources and persistent volumes (`LocalAgent+Volumes.swift`), checkpointed.
    var checkpointedResources = ResourcePool()
    /// The reaper's first poll: executor exits are noticed on its grid (`waitForReaperPoll`).
    let reaperStart = ContinuousClock.now

    public init(configuration: AgentConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.agentID = configuration.agentID ?? (UUID().uuidString + "-S0")
        self.fetcher = ExecutorFetcher(cacheDirectory: configuration.workDirectory + "/fetch-cache")
    }

    public func setMasterLink(_ link: any AgentMasterLink) {
        self.link = link
    }

    /// The agent's id and hostname as the master reports them.
    public var agentInfo: Mesos_V1_AgentInfo {
        var info = Mesos_V1_AgentInfo()
        info.hostname = configuration.hostname
        info.id = Mesos_V1_AgentID(agentID)
        info.port = Int32(boundPort ?? configuration.port)
        info.resources = configuration.resources()
        info.attributes = configuration.attributes.map { name, value in
            var a = Mesos_V1_Attribute()
            a.name = name
            a.type = .text
            a.text.value = value
            return a
        }
        return info
    }

    /// `ip:port` of the executor API.
    public var endpoint: String { "\(configuration.host):\(boundPort ?? configuration.port)" }

    // MARK: Lifecycle

    /// Recovers checkpointed executors (if any) and starts serving. Returns the port.
    @discardableResult
    public func start() async throws -> Int {
        try Directory.create(configuration.workDirectory, mode: 0o755)
        if configuration.executorCgroups && executorCgroupRoot == nil {
            executorCgroupRoot = try? Cgroup.ofCurrentProcess().child("mesos")
        }
        try recoverResources()
        recovering = true
        await recover()
        checkpointAgentID()
        await destroyOrphans()
        let server = AgentHTTPServer(agent: self, host: configuration.host, port: boundPort ?? configuration.port, logger: logger)
        let port = try await server.start()
        self.server = server
        boundPort = port
        logger.info("agent listening", metadata: ["mesos.agent_id": "\(agentID)", "address": "\(configuration.host):\(port)"])
        armReregistrationTimers()
        return port
    }

    /// Stops serving, as a SIGTERM'd mesos-agent does: every subscription stream ends
    /// with EOF; executors (and their tasks) keep running and must re-subscribe after the
    /// next `start()` within the re-registration timeout.
    public func stop() async {
        for key in executors.keys {
            executors[key]?.subscription?.continuation.finish()
            executors[key]?.subscription = nil
            executors[key]?.timer?.cancel()
            for id in executors[key]?.taskOrder ?? [] {
                executors[key]?.tasks[id]?.nextForward?.cancel()
            }
        }
        await server?.stop()
        server = nil
        logger.info("agent stopped", metadata: ["mesos.agent_id": "\(agentID)"])
    }

    /// After (re)start, executors that were running get `--executor_reregistration_timeout`
    /// to subscribe again; the others are destroyed and their tasks reported gone.
    private func armReregistrationTimers() {
        let waiting = executors.filter { $0.value.phase == .running || $0.value.phase == .registering }
        if waiting.isEmpty {
            recovering = false
            return
        }
        let timeout = configuration.executorReregistrationTimeout
        let keys = Array(waiting.keys)
        Task {
            try? await Task.sleep(for: timeout)
            await self.finishRecovery(keys)
        }
    }

    private func finishRecovery(_ keys: [ExecutorKey]) async {
        recovering = false
        for key in keys {
            guard let record = executors[key], record.subscription == nil, record.phase != .terminated else { continue }
            if record.phase == .registering && !record.tasks.values.contains(where: { $0.delivered }) {
                // Never subscribed before the restart: its registration timer still applies.
                armRegistrationTimer(key)
                continue
            }
            logger.warning("executor did not re-subscribe in time; destroying it", metadata: ["mesos.executor_id": "\(key.executorID)"])
            await destroy(key, reason: .executorReregistrationTimeout,
                          message: "Executor did not reregister within \(MesosDuration.format(configuration.executorReregistrationTimeout))",
                          state: partitionAware(key) ? .taskGone : .taskLost)
        }
    }

    func partitionAware(_ key: ExecutorKey) -> Bool {
        executors[key]?.framework.capabilities.contains { $0.type == .partitionAware } ?? false
    }
}
