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
        public var specOptions = PodSpecConfiguration()
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
        /// With several instances: the leader's gate (see `LeadershipGate`), which every call
        /// to the master waits for.
        public var gate: LeadershipGate?
        /// Called when the master gave the framework to another scheduler.
        public var onFrameworkTakenOver: (@Sendable () async -> Void)?

        public init(executorCommand: Mesos_V1_CommandInfo) {
            self.executorCommand = executorCommand
        }
    }

    /// The version `/v2/info` reports.
    public static let version = "0.1.0"

    let configuration: Configuration
    let store: any SchedulerStateStore
    let logger: Logger
    var driver: FrameworkDriver?
    var frameworkID: String?
    var pods: [PodId: PodDefinition] = [:]
    var instances: [String: InstanceRecord] = [:]
    var deployments: [String: DeploymentRecord] = [:]
    var failures: [PodId: TaskFailureRecord] = [:]
    /// Launch backoff per pod spec version: consecutive failures and the earliest next launch.
    /// Every change is stored (best effort, as `save`), so that a new leader keeps the backoff.
    var delays: [String: (failures: Int, until: Date)] = [:] {
        didSet { storeDelayChanges(from: oldValue) }
    }
    /// The specs of older versions that instances still run (during a rollout), so that
    /// `::status` needs no store read.
    var olderSpecs: [StoreKey: PodDefinition] = [:]
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
    public nonisolated let events: EventBus
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
    /// Resident pods whose instances wait for an offer with room for their volumes, and why.
    var reservationWaits: [PodId: String] = [:]
    /// Calls made while there is no driver (never started), kept when non-nil: what the
    /// core tests read instead of a master.
    var recordedCalls: [Mesos_V1_Scheduler_Call]?

    /// The single instance: state in SQLite at `databasePath`.
    public init(configuration: Configuration, databasePath: String, logger: Logger) async throws {
        try await self.init(configuration: configuration, store: SQLiteSchedulerStore(path: databasePath), logger: logger)
    }

    /// A scheduler over `store`, with the state loaded from it. `events` outlives the
    /// scheduler when several follow one another (a new leader's scheduler).
    public init(configuration: Configuration, store: any SchedulerStateStore, logger: Logger,
                events: EventBus = EventBus()) async throws {
        self.configuration = configuration
        self.logger = logger
        self.store = store
        self.events = events
        let snapshot = try SchedulerStore.Snapshot(records: try await store.load())
        frameworkID = snapshot.frameworkID
        for pod in snapshot.pods { pods[pod.id] = pod }
        for i in snapshot.instances { instances[i.instanceID] = i }
        for d in snapshot.deployments { deployments[d.id] = d }
        for (k, v) in snapshot.failures { failures[PodId(canonicalizing: k)] = v }
        for (k, v) in snapshot.delays { delays[k] = (v.failures, v.until) }
        for record in snapshot.instances {
            guard let pod = pods[record.podID], pod.version != record.specVersion else { continue }
            let key = SchedulerStore.versionKey(record.podID, record.specVersion)
            if olderSpecs[key] == nil, let data = try await store.record(key) {
                olderSpecs[key] = try JSONDecoder().decode(PodDefinition.self, from: data)
            }
        }
        secretStore = configuration.secretStore ?? configuration.secretsDirectory.map(DirectorySecretStore.init)
        secretTokens = SecretTokenAuthority(key: try await Self.secretTokenKey(snapshot, store: store))
        redeemedTokens = snapshot.redeemedTokens
        let counts = (snapshot.pods.count, snapshot.instances.count, snapshot.deployments.count, snapshot.frameworkID ?? "none")
        logger.info("scheduler state loaded", metadata: ["pods": "\(counts.0)", "instances": "\(counts.1)",
                                                         "deployments": "\(counts.2)", "mesos.framework_id": "\(counts.3)",
                                                         "store": "\(store.location)"])
    }

    /// Whether the store holds instances but no framework id: a new framework id would
    /// orphan their tasks (Marathon's FrameworkIdMissing), so such a state is not led.
    public var lacksFrameworkID: Bool { frameworkID == nil && !instances.isEmpty }

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
        // RESERVATION_REFINEMENT: offers carry reservations as Mesos 1.12's `reservations`
        // stack, which is also how our RESERVE/CREATE are written (resident pods).
        info.capabilities = [Mesos_V1_FrameworkInfo.Capability.TypeEnum.multiRole, .partitionAware, .taskKillingState,
                             .reservationRefinement].map {
            var c = Mesos_V1_FrameworkInfo.Capability()
            c.type = $0
            return c
        }
        let driver = FrameworkDriver(client: client, locator: locator, frameworkInfo: info, frameworkID: frameworkID, logger: logger,
                                     gate: configuration.gate)
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

    /// The key of the secret tokens: the stored one, else a new one stored now (by the
    /// leader alone with several instances, so every later leader finds the same key).
    private static func secretTokenKey(_ snapshot: SchedulerStore.Snapshot, store: any SchedulerStateStore) async throws -> [UInt8] {
        if let key = snapshot.secretTokenKey { return key }
        var batch = SchedulerStore.Batch()
        let key = SecretTokenAuthority.newKey()
        batch.secretTokenKey = key
        try await store.write(try batch.changes()).durable()
        return key
    }

    /// Hands a batch to the store (`submit`) without waiting for it to be durable.
    func persist(_ batch: SchedulerStore.Batch) throws(PodServiceError) {
        _ = try submit(batch)
    }

    /// Hands a batch to the store, after every earlier one. Memory is updated by the caller
    /// right after (before any suspension, so that concurrent calls see it); what needs the
    /// batch to be durable waits with `durable`. A backend that fails at once (SQLite) throws
    /// here, before memory changes.
    func submit(_ batch: SchedulerStore.Batch) throws(PodServiceError) -> StoreWrite {
        let write: StoreWrite
        do {
            write = store.write(try batch.changes())
        } catch {
            logger.error("store write failed", metadata: ["error": "\(error)"])
            throw .unavailable("the scheduler's state cannot be encoded: \(error)")
        }
        if case .failure(let error)? = write.result {
            logger.error("store write failed", metadata: ["error": "\(error)"])
            throw .unavailable("the scheduler's store cannot be written: \(error)")
        }
        return write
    }

    /// Waits until a write is durable. A write that completed already (SQLite's always have)
    /// costs no suspension. A failed ZooKeeper write means leadership is lost, and this
    /// scheduler is being torn down.
    func durable(_ write: StoreWrite) async throws(PodServiceError) {
        switch write.result {
        case .success?: return
        case .failure(let error)?: throw .unavailable("the scheduler's store cannot be written: \(error)")
        case nil:
            do { try await write.durable() } catch {
                logger.error("store write failed", metadata: ["error": "\(error)"])
                throw .unavailable("the scheduler's store cannot be written: \(error)")
            }
        }
    }

    /// Saves instances (best effort outside request paths; the next write retries).
    @discardableResult
    func save(_ records: [InstanceRecord], deleted: [String] = []) -> StoreWrite? {
        var batch = SchedulerStore.Batch()
        batch.instances = records
        batch.deletedInstances = deleted
        do { return try submit(batch) } catch {
            logger.error("cannot save instances", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Stores what changed in `delays` (see its `didSet`).
    private func storeDelayChanges(from old: [String: (failures: Int, until: Date)]) {
        var batch = SchedulerStore.Batch()
        for (key, value) in delays where old[key].map({ $0.failures != value.failures || $0.until != value.until }) ?? true {
            batch.delays.append((key, LaunchDelayRecord(failures: value.failures, until: value.until)))
        }
        batch.deletedDelays = old.keys.filter { delays[$0] == nil }
        guard !batch.isEmpty else { return }
        do { try persist(batch) } catch { logger.error("cannot save the launch backoff", metadata: ["error": "\(error)"]) }
    }

    /// Keeps the spec a pod is leaving while instances still run it (for `::status`).
    func retire(_ old: PodDefinition, for new: PodDefinition) {
        guard old.version != new.version else { return }
        if instances.values.contains(where: { $0.podID == old.id && $0.specVersion == old.version }) {
            olderSpecs[SchedulerStore.versionKey(old.id, old.version)] = old
        }
    }

    /// Forgets older specs no instance runs any more.
    func pruneOlderSpecs() {
        guard !olderSpecs.isEmpty else { return }
        var inUse = Set<StoreKey>()
        for r in instances.values { inUse.insert(SchedulerStore.versionKey(r.podID, r.specVersion)) }
        for key in olderSpecs.keys where !inUse.contains(key) { olderSpecs.removeValue(forKey: key) }
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
            frameworkID = id
            do { try await durable(try submit(batch)) } catch {
                logger.error("cannot store the framework id", metadata: ["error": "\(error)"])
            }
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

    func frameworkTakenOver() async {
        subscribed = false
        logger.error("the master gave the framework to another scheduler; this one stops acting",
                     metadata: ["mesos.framework_id": "\(frameworkID ?? "none")"])
        await configuration.onFrameworkTakenOver?()
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
        guard let driver else {
            recordedCalls?.append(call)
            return
        }
        do {
            try await driver.send(call)
        } catch {
            logger.warning("call to the master failed", metadata: ["mesos.call": "\(call.type)", "error": "\(error)"])
        }
    }

    /// Explicit reconciliation of every task we believe is alive, then implicit.
    func reconcileAll() async {
        for call in reconciliation() { await self.call(call) }
    }

    /// The RECONCILE calls of `reconcileAll`: an explicit one naming every task the state
    /// believes alive (none when there is no such task), then an implicit one
    /// (docs/reference/mesos-executor-protocol.md §4.7).
    func reconciliation() -> [Mesos_V1_Scheduler_Call] {
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
        var implicit = Mesos_V1_Scheduler_Call()
        implicit.type = .reconcile
        implicit.reconcile = .init()
        return explicit.reconcile.tasks.isEmpty ? [implicit] : [explicit, implicit]
    }
}
