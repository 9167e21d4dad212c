import Foundation
import Logging
import MesosHTTP
import MesosProtocol
import Metrics
import PodSpec

/// The pod scheduler: Marathon's pod semantics (store, deployments, instances, launch
/// backoff, offers, status) as a Mesos v1 framework. It implements `PodService` for the
/// REST layer and handles the framework's events.
public actor Scheduler: PodService, FrameworkEventHandler {
    public struct Configuration: Sendable {
        public var frameworkName = "pod-scheduler"
        public var user = "root"
        public var role = "*"
        public var failoverTimeout: Double = 604_800
        /// The command that runs pod-executor on agents (a path or fetched URIs).
        public var executorCommand: Mesos_V1_CommandInfo
        public var specOptions = PodSpecOptions()
        public var builderOptions = TaskGroupBuilder.Options()
        /// Secret store: one file per secret path under this directory (``DirectorySecretStore``).
        public var secretsDirectory: String?
        /// Another secret store; it replaces `secretsDirectory`.
        public var secretStore: (any SecretStore)?
        /// `http(s)://host:port` at which executors reach the REST API for their secrets
        /// (nil: pods with secrets wait, saying so), and a CA file on the agents for https.
        public var secretsURL: String?
        public var secretsCAFile: String?
        /// How long the secret token of a launch can be redeemed.
        public var secretTokenLifetime: TimeInterval = 600
        public var maxRunningDeployments = 100
        public var masterURL = ""
        public var httpPort = 8080
        public var hostname = "localhost"
        /// `FrameworkInfo.principal` (`--mesos-authentication-principal`); it must stay the
        /// same for the framework id's whole life.
        public var principal: String?
        /// `FrameworkInfo.webui_url`; default `http://<hostname>:<httpPort>`.
        public var webuiURL: String?
        /// How often kills, relaunches and deployments are re-checked.
        public var tick: Duration = .milliseconds(500)

        public init(executorCommand: Mesos_V1_CommandInfo) {
            self.executorCommand = executorCommand
        }
    }

    let configuration: Configuration
    let store: SchedulerStore
    let logger: Logger
    var driver: FrameworkDriver?
    var frameworkID: String?
    var pods: [PodId: PodDefinition] = [:]
    var instances: [String: InstanceRecord] = [:]
    var deployments: [String: DeploymentRecord] = [:]
    var failures: [PodId: TaskFailureRecord] = [:]
    /// Launch backoff per pod spec version: consecutive failures and the earliest next launch.
    var delays: [String: (failures: Int, until: Date)] = [:]
    /// What the offers said to each pod with waiting instances (`/v2/queue`).
    var offerStatistics: [PodId: OfferStatistics] = [:]
    /// Kills sent and when (re-sent until the task is terminal).
    var kills: [String: Date] = [:]
    /// Update uuids already handled (the master may deliver one twice).
    var seenUUIDs: [Data] = []
    var seenUUIDSet: Set<Data> = []
    var suppressed = false
    var subscribed = false
    private var ticker: Task<Void, Never>?
    let generator = TimeBasedUUIDGenerator.shared
    /// Marathon's event stream: pod changes (published by the REST layer) and deployments.
    public nonisolated let events = EventBus()
    /// Where secrets are read; nil when none is configured.
    let secretStore: (any SecretStore)?
    /// Mints and checks the secret tokens of launches.
    let secretTokens: SecretTokenAuthority
    /// Redeemed secret tokens and when they expire (also in the store).
    var redeemedTokens: [String: Date] = [:]
    var redeemedTokensPrunedAt = Date()
    /// Pods whose waiting instances lack a secret, and when that was last looked at.
    var secretWaits: [PodId: SecretWait] = [:]
    var secretWaitsCheckedAt = Date.distantPast

    public init(configuration: Configuration, databasePath: String, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        store = try SchedulerStore(path: databasePath)
        let snapshot = try store.load()
        frameworkID = snapshot.frameworkID
        for pod in snapshot.pods { pods[pod.id] = pod }
        for i in snapshot.instances { instances[i.instanceID] = i }
        for d in snapshot.deployments { deployments[d.id] = d }
        for (k, v) in snapshot.failures { failures[PodId(canonicalizing: k)] = v }
        secretStore = configuration.secretStore ?? configuration.secretsDirectory.map(DirectorySecretStore.init)
        secretTokens = SecretTokenAuthority(key: try Self.secretTokenKey(snapshot, store: store))
        redeemedTokens = snapshot.redeemedTokens
        let counts = (snapshot.pods.count, snapshot.instances.count, snapshot.deployments.count, snapshot.frameworkID ?? "none")
        logger.info("scheduler state loaded", metadata: ["pods": "\(counts.0)", "instances": "\(counts.1)",
                                                         "deployments": "\(counts.2)", "mesos.framework_id": "\(counts.3)"])
    }

    /// Connects to the master(s) and starts the housekeeping loop. With a `locator`
    /// (`--master zk://…`) the framework subscribes to the leader it reports instead of the
    /// client's list, and follows it when it changes.
    public func start(masters: [MesosEndpoint], client: SchedulerMasterClient, locator: (any MasterLocator)? = nil) async {
        var info = Mesos_V1_FrameworkInfo()
        info.user = configuration.user
        info.name = configuration.frameworkName
        info.failoverTimeout = configuration.failoverTimeout
        info.checkpoint = true
        info.roles = [configuration.role]
        info.hostname = configuration.hostname
        info.webuiURL = configuration.webuiURL ?? "http://\(configuration.hostname):\(configuration.httpPort)"
        if let principal = configuration.principal { info.principal = principal }
        info.capabilities = [Mesos_V1_FrameworkInfo.Capability.TypeEnum.multiRole, .partitionAware, .taskKillingState].map {
            var c = Mesos_V1_FrameworkInfo.Capability()
            c.type = $0
            return c
        }
        let driver = FrameworkDriver(client: client, locator: locator, frameworkInfo: info, frameworkID: frameworkID, logger: logger)
        self.driver = driver
        await driver.start(handler: self, locator: locator)
        let tick = configuration.tick
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                await self?.housekeeping()
            }
        }
    }

    public func stop() async {
        ticker?.cancel()
        await driver?.stop()
    }

    // MARK: Persistence

    /// The stored key of the secret tokens, made and stored at the first start.
    private static func secretTokenKey(_ snapshot: SchedulerStore.Snapshot, store: SchedulerStore) throws -> [UInt8] {
        if let key = snapshot.secretTokenKey { return key }
        var batch = SchedulerStore.Batch()
        batch.secretTokenKey = SecretTokenAuthority.newKey()
        try store.write(batch)
        // The first writer's key wins; read back whichever that was.
        guard let key = try store.load().secretTokenKey, key.count >= 32 else {
            throw SecretStoreError(.unavailable, "the scheduler's store did not keep the secret token key")
        }
        return key
    }

    func persist(_ batch: SchedulerStore.Batch) throws(PodServiceError) {
        do {
            try store.write(batch)
        } catch {
            logger.error("store write failed", metadata: ["error": "\(error)"])
            throw .unavailable("the scheduler's store cannot be written: \(error)")
        }
    }

    /// Saves instances (best effort outside request paths; the next write retries).
    func save(_ records: [InstanceRecord], deleted: [String] = []) {
        var batch = SchedulerStore.Batch()
        batch.instances = records
        batch.deletedInstances = deleted
        do { try persist(batch) } catch { logger.error("cannot save instances", metadata: ["error": "\(error)"]) }
    }

    // MARK: Framework events

    func subscribed(frameworkID id: String, reconnect: Bool) async {
        if frameworkID != id {
            if frameworkID != nil {
                logger.warning("the master gave a new framework id; known tasks are reconciled away",
                               metadata: ["mesos.framework_id": "\(id)"])
            }
            var batch = SchedulerStore.Batch()
            batch.frameworkID = id
            do { try persist(batch) } catch {
                logger.error("cannot store the framework id", metadata: ["error": "\(error)"])
            }
            frameworkID = id
        }
        subscribed = true
        suppressed = false
        logger.info("subscribed to the master", metadata: ["mesos.framework_id": "\(id)", "reconnect": "\(reconnect)"])
        await reconcileAll()
        await housekeeping()
    }

    func disconnected() async {
        subscribed = false
        logger.warning("disconnected from the master")
    }

    func handle(_ event: Mesos_V1_Scheduler_Event) async {
        switch event.type {
        case .offers:
            await handleOffers(event.offers.offers)
        case .update:
            await handleUpdate(event.update.status)
        case .rescind:
            logger.debug("offer rescinded", metadata: ["mesos.offer_id": "\(event.rescind.offerID.value)"])
        case .failure:
            if event.failure.hasExecutorID {
                logger.warning("executor terminated", metadata: ["mesos.executor_id": "\(event.failure.executorID.value)",
                                                                 "status": "\(event.failure.status)"])
                await executorTerminated(event.failure.executorID.value)
            } else {
                logger.warning("agent lost", metadata: ["mesos.agent_id": "\(event.failure.agentID.value)"])
            }
        case .message:
            logger.info("message from an executor", metadata: ["mesos.executor_id": "\(event.message.executorID.value)"])
        default:
            logger.debug("event ignored", metadata: ["mesos.event": "\(event.type)"])
        }
    }

    func call(_ call: Mesos_V1_Scheduler_Call) async {
        guard let driver else { return }
        do {
            try await driver.send(call)
        } catch {
            logger.warning("call to the master failed", metadata: ["mesos.call": "\(call.type)", "error": "\(error)"])
        }
    }

    /// Explicit reconciliation of every task we believe is alive, then implicit.
    func reconcileAll() async {
        var explicit = Mesos_V1_Scheduler_Call()
        explicit.type = .reconcile
        for record in instances.values {
            for task in record.tasks where !InstanceCondition(taskState: task.state).isTerminal {
                var t = Mesos_V1_Scheduler_Call.Reconcile.Task()
                t.taskID = Mesos_V1_TaskID(task.taskID)
                if let agent = record.agentID { t.agentID = Mesos_V1_AgentID(agent) }
                explicit.reconcile.tasks.append(t)
            }
        }
        if !explicit.reconcile.tasks.isEmpty { await call(explicit) }
        var implicit = Mesos_V1_Scheduler_Call()
        implicit.type = .reconcile
        implicit.reconcile = .init()
        await call(implicit)
    }
}
