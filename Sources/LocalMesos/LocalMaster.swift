import Foundation
import Logging
import MesosProtocol
import NIOCore
import NIOSSL

/// The embedded single-node Mesos master: the v1 scheduler API on loopback in front of
/// one `LocalAgent`, with the master's status codes, offers of the agent's free
/// resources, LAUNCH_GROUP validation, status update forwarding and acknowledgement,
/// reconciliation and framework failover, as recorded from Mesos 1.12.
public actor LocalMaster: AgentMasterLink {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port.
        public var port = 5050
        public var heartbeatInterval: Duration = .seconds(15)
        /// `--allocation_interval`.
        public var allocationInterval: Duration = .seconds(1)
        /// `--authenticate_http_frameworks --http_framework_authenticators=basic
        /// --credentials=FILE`: every scheduler call must carry HTTP basic credentials of one
        /// of these principals. nil (the default, as a master's): frameworks need none.
        public var frameworkCredentials: MesosCredentials?
        /// Serve the scheduler API over HTTPS with this server configuration (a master
        /// built with SSL and started with `LIBPROCESS_SSL_ENABLED=true`); nil: plain HTTP.
        public var tls: TLSConfiguration?
        /// Start as a standby of a ZooKeeper election (`local-cluster --zk`): the agent is not
        /// linked and schedulers are answered as a Mesos standby answers them until `elect()`.
        /// False (the default): the master leads from its start.
        public var standby = false
        public init() {}
    }

    final class Stream: Sendable {
        let id: String
        let encoding: MesosEncoding
        let continuation: AsyncStream<ByteBuffer>.Continuation
        init(encoding: MesosEncoding, continuation: AsyncStream<ByteBuffer>.Continuation) {
            id = UUID().uuidString.lowercased()
            self.encoding = encoding
            self.continuation = continuation
        }
    }

    struct Framework {
        var info: Mesos_V1_FrameworkInfo
        var stream: Stream?
        var suppressedRoles: Set<String> = []
        var suppressAll = false
        var filteredUntil: ContinuousClock.Instant?
        var failoverTimer: Task<Void, Never>?
        var partitionAware: Bool { info.capabilities.contains { $0.type == .partitionAware } }
        var role: String { info.roles.first ?? (info.hasRole ? info.role : "*") }
    }

    struct Offer {
        var id: String
        var frameworkID: String
        var resources: ResourcePool
        var role: String
    }

    public nonisolated let configuration: Configuration
    public nonisolated let masterID: String
    let agent: LocalAgent
    let logger: Logger
    var frameworks: [String: Framework] = [:]
    var removedFrameworks: Set<String> = []
    var offers: [String: Offer] = [:]
    var nextFramework = 0
    var nextOffer = 0
    var server: MesosHTTPServer?
    public private(set) var boundPort: Int?
    /// Leading from the start, unless started as a standby (`LocalMaster+Leadership.swift`).
    public internal(set) var leadership: Leadership = .leading
    private var loops: [Task<Void, Never>] = []
    private var allocationRequested = false
    /// ACCEPTs being applied: their resources are neither offered nor yet in use on the
    /// agent, so no allocation runs meanwhile (the master's `_accept` is one step).
    var acceptsInFlight = 0

    public init(agent: LocalAgent, configuration: Configuration = Configuration(), logger: Logger) {
        self.agent = agent
        self.configuration = configuration
        self.logger = logger
        masterID = UUID().uuidString.lowercased()
    }

    /// The master URL (`http://127.0.0.1:5050`, `https://…` with TLS).
    public var url: String { "\(configuration.tls == nil ? "http" : "https")://\(configuration.host):\(boundPort ?? configuration.port)" }

    /// Starts serving; the agent is linked to this master.
    @discardableResult
    public func start() async throws -> Int {
        if configuration.standby {
            leadership = .standby(leader: nil)
        } else {
            leadership = .leading
            await agent.setMasterLink(self)
        }
        let server = MesosHTTPServer(host: configuration.host, port: configuration.port,
                                     paths: ["/api/v1/scheduler", "/master/api/v1/scheduler"], tls: configuration.tls,
                                     logger: logger) { [weak self] method, path, headers, body in
            guard let self else { return .text(503, "Master is shutting down") }
            return await self.schedulerAPI(method: method, path: path, headers: headers, body: body)
        }
        let port = try await server.start()
        self.server = server
        boundPort = port
        let heartbeat = configuration.heartbeatInterval
        let allocation = configuration.allocationInterval
        loops.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                await self?.sendHeartbeats()
            }
        })
        loops.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: allocation)
                await self?.allocate()
            }
        })
        logger.info(configuration.standby ? "standby master listening" : "master listening",
                    metadata: ["mesos.master_id": "\(masterID)", "address": "\(url)",
                                                   "mesos.framework_authentication": "\(configuration.frameworkCredentials == nil ? "off" : "basic")"])
        return port
    }

    public func stop() async {
        if configuration.standby { leadership = .standby(leader: nil) }
        for loop in loops { loop.cancel() }
        loops.removeAll()
        for (id, f) in frameworks {
            f.stream?.continuation.finish()
            frameworks[id]?.stream = nil
            f.failoverTimer?.cancel()
        }
        await server?.stop()
        server = nil
        await agent.masterLost(self)
    }

    /// The master's description as Mesos gives it (SUBSCRIBED, its ZooKeeper node).
    public var masterInfo: Mesos_V1_MasterInfo {
        var info = Mesos_V1_MasterInfo()
        info.id = masterID
        // The IPv4 address packed in network byte order and read as a host integer, as Mesos
        // writes it (127.0.0.1 is 16777343).
        info.ip = inet_addr(configuration.host)
        info.port = UInt32(boundPort ?? configuration.port)
        info.pid = "master@\(configuration.host):\(boundPort ?? configuration.port)"
        info.hostname = configuration.host
        info.version = "1.12.0"
        info.address.hostname = configuration.host
        info.address.ip = configuration.host
        info.address.port = Int32(boundPort ?? configuration.port)
        return info
    }

    // MARK: Events to schedulers

    func send(_ event: Mesos_V1_Scheduler_Event, to frameworkID: String) {
        guard let stream = frameworks[frameworkID]?.stream, let bytes = try? stream.encoding.encode(event) else { return }
        stream.continuation.yield(ByteBuffer(bytes: RecordIO.encode(bytes)))
    }

    private func sendHeartbeats() {
        var event = Mesos_V1_Scheduler_Event()
        event.type = .heartbeat
        for id in frameworks.keys where frameworks[id]?.stream != nil { send(event, to: id) }
    }

    /// The subscription stream of a framework is gone: it is disconnected and has its
    /// failover timeout to come back before it is torn down.
    func streamClosed(frameworkID: String, streamID: String) async {
        guard let f = frameworks[frameworkID], f.stream?.id == streamID else { return }
        frameworks[frameworkID]?.stream = nil
        rescindAll(frameworkID)
        let timeout = Duration.seconds(max(0, f.info.failoverTimeout))
        logger.info("framework disconnected", metadata: ["mesos.framework_id": "\(frameworkID)", "failover_timeout": "\(timeout)"])
        frameworks[frameworkID]?.failoverTimer?.cancel()
        frameworks[frameworkID]?.failoverTimer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if Task.isCancelled { return }
            await self?.failoverExpired(frameworkID)
        }
    }

    private func failoverExpired(_ frameworkID: String) async {
        guard let f = frameworks[frameworkID], f.stream == nil else { return }
        logger.warning("framework failover timeout expired; tearing it down", metadata: ["mesos.framework_id": "\(frameworkID)"])
        await removeFramework(frameworkID)
    }

    public func removeFramework(_ frameworkID: String) async {
        frameworks[frameworkID]?.stream?.continuation.finish()
        frameworks[frameworkID]?.failoverTimer?.cancel()
        frameworks.removeValue(forKey: frameworkID)
        removedFrameworks.insert(frameworkID)
        rescindAll(frameworkID)
        await agent.shutdownFramework(frameworkID: frameworkID)
    }

    // MARK: Offers

    /// Asks for an allocation soon (coalescing bursts of triggers).
    func requestAllocation() {
        guard !allocationRequested else { return }
        allocationRequested = true
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(5))
            await self?.allocate()
        }
    }

    /// Offers the agent's unallocated resources to frameworks that want offers: all the
    /// unreserved ones to the first, and to each the resources reserved for its role (and
    /// its volumes), in the resource format the framework understands.
    func allocate() async {
        allocationRequested = false
        guard leadership == .leading, acceptsInFlight == 0 else { return }
        var available = await agent.totalPool() - ResourcePool(await agent.allocatedResources())
        for offer in offers.values { available = available - offer.resources }
        let now = ContinuousClock.now
        for id in frameworks.keys.sorted() {
            guard let f = frameworks[id], f.stream != nil, !f.suppressAll, !f.suppressedRoles.contains(f.role) else { continue }
            if let until = f.filteredUntil, until > now { continue }
            let refinement = f.info.capabilities.contains { $0.type == .reservationRefinement }
            var offerable = available.offerable(to: f.role)
            if !refinement { offerable = offerable.filter { $0.reservations.count <= 1 } }
            let quantities = offerable.quantities
            // `--min_allocatable_resources` (cpus:0.01|mem:32), as Mesos' allocator.
            guard (quantities.scalars["cpus"] ?? 0) >= 0.01 || (quantities.scalars["mem"] ?? 0) >= 32 else { continue }
            available = available - offerable
            await sendOffer(offerable, to: f, refinement: refinement)
        }
    }

    private func sendOffer(_ resources: ResourcePool, to f: Framework, refinement: Bool) async {
        let id = f.info.id.value
        nextOffer += 1
        let offerID = "\(masterID)-O\(nextOffer)"
        offers[offerID] = Offer(id: offerID, frameworkID: id, resources: resources, role: f.role)
        var offer = Mesos_V1_Offer()
        offer.id = Mesos_V1_OfferID(offerID)
        offer.frameworkID = Mesos_V1_FrameworkID(id)
        offer.agentID = Mesos_V1_AgentID(await agent.agentID)
        offer.hostname = agent.configuration.hostname
        offer.resources = resources.resources(allocationRole: f.role, format: refinement ? .postRefinement : .preRefinement)
        offer.attributes = await agent.agentInfo.attributes
        offer.executorIds = await agent.liveExecutors(frameworkID: id).map { Mesos_V1_ExecutorID($0) }
        offer.allocationInfo.role = f.role
        offer.url.scheme = "http"
        offer.url.address.hostname = agent.configuration.hostname
        offer.url.address.ip = agent.configuration.host
        offer.url.address.port = Int32(await agent.boundPort ?? agent.configuration.port)
        offer.url.path = "/slave(1)"
        var event = Mesos_V1_Scheduler_Event()
        event.type = .offers
        event.offers.offers = [offer]
        send(event, to: id)
    }

    /// Withdraws an offer the framework still holds (RESCIND), as the master does when a
    /// volume in it is destroyed.
    func rescind(_ offerID: String) {
        guard let offer = offers.removeValue(forKey: offerID) else { return }
        var event = Mesos_V1_Scheduler_Event()
        event.type = .rescind
        event.rescind.offerID = Mesos_V1_OfferID(offerID)
        send(event, to: offer.frameworkID)
    }

    func rescindAll(_ frameworkID: String) {
        for (id, offer) in offers where offer.frameworkID == frameworkID {
            offers.removeValue(forKey: id)
        }
    }

    // MARK: AgentMasterLink

    public func forward(update: Mesos_V1_TaskStatus, frameworkID: String) async {
        var event = Mesos_V1_Scheduler_Event()
        event.type = .update
        event.update.status = update
        send(event, to: frameworkID)
    }

    public func executorTerminated(frameworkID: String, executorID: String, agentID: String, status: Int32) async {
        var event = Mesos_V1_Scheduler_Event()
        event.type = .failure
        event.failure.agentID = Mesos_V1_AgentID(agentID)
        event.failure.executorID = Mesos_V1_ExecutorID(executorID)
        event.failure.status = status
        send(event, to: frameworkID)
    }

    public func executorMessage(frameworkID: String, executorID: String, agentID: String, data: [UInt8]) async {
        var event = Mesos_V1_Scheduler_Event()
        event.type = .message
        event.message.agentID = Mesos_V1_AgentID(agentID)
        event.message.executorID = Mesos_V1_ExecutorID(executorID)
        event.message.data = Data(data)
        send(event, to: frameworkID)
    }

    public func resourcesFreed() async {
        requestAllocation()
    }
}
