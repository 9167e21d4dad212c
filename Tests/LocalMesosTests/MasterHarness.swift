import Foundation
@testable import LocalMesos
import Logging
import MesosProtocol
import NIOCore
import PodTestFixtures

/// An embedded master and agent on a temporary work directory, with one framework
/// subscribed through the master's own request handler (what its HTTP server calls), so
/// that the test sees the events a scheduler would, without sockets.
final class MasterHarness: Sendable {
    let master: LocalMaster
    let agent: LocalAgent
    let directory: String
    let events: EventLog
    let frameworkID: String
    let streamID: String
    let reader: Task<Void, Never>

    actor EventLog {
        private(set) var events: [Mesos_V1_Scheduler_Event] = []
        func append(_ event: Mesos_V1_Scheduler_Event) { events.append(event) }
        var count: Int { events.count }
        /// Offers the master made after its `number`th (`<master id>-O<n>`).
        func offers(after number: Int) -> [Mesos_V1_Offer] {
            events.filter { $0.type == .offers }.flatMap(\.offers.offers).filter { offer in
                (offer.id.value.split(separator: "O").last.flatMap { Int($0) } ?? 0) > number
            }
        }
        func updates() -> [Mesos_V1_TaskStatus] { events.filter { $0.type == .update }.map(\.update.status) }
        func rescinded() -> [String] { events.filter { $0.type == .rescind }.map(\.rescind.offerID.value) }
    }

    static let principal = "pod-scheduler"

    /// A master and agent (`diskMB` of disk) in `directory` (a new temporary one when nil),
    /// and a framework of `role` (MULTI_ROLE, partition-aware, with `principal`).
    init(directory: String? = nil, role: String = "pods", principal: String? = MasterHarness.principal,
         refinement: Bool = false, diskMB: Double = 1000, registrationTimeout: Duration = .seconds(60)) async throws {
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("lm-\(UUID().uuidString.prefix(8))").path
        self.directory = dir
        var logger = Logger(label: "local-mesos-test")
        logger.logLevel = .warning
        var agentConfig = AgentConfiguration(workDirectory: dir + "/agent", cpus: 2, memoryMB: 1024, diskMB: diskMB)
        agentConfig.port = 0
        agentConfig.hostname = "127.0.0.1"
        agentConfig.executorCgroups = false
        agentConfig.executorShutdownGracePeriod = .seconds(1)
        agentConfig.executorRegistrationTimeout = registrationTimeout
        agent = LocalAgent(configuration: agentConfig, logger: logger)
        var configuration = LocalMaster.Configuration()
        configuration.port = 0
        configuration.allocationInterval = .milliseconds(50)
        master = LocalMaster(agent: agent, configuration: configuration, logger: logger)
        try await agent.start()
        try await master.start()
        var info = Mesos_V1_FrameworkInfo()
        info.user = "root"
        info.name = "reservation-test"
        info.roles = [role]
        info.checkpoint = true
        info.failoverTimeout = 300
        if let principal { info.principal = principal }
        var types: [Mesos_V1_FrameworkInfo.Capability.TypeEnum] = [.multiRole, .partitionAware]
        if refinement { types.append(.reservationRefinement) }
        info.capabilities = types.map { type in
            var capability = Mesos_V1_FrameworkInfo.Capability()
            capability.type = type
            return capability
        }
        var call = Mesos_V1_Scheduler_Call()
        call.type = .subscribe
        call.subscribe.frameworkInfo = info
        let answer = await master.schedulerAPI(method: "POST", path: "/api/v1/scheduler",
                                               headers: ["content-type": "application/json", "accept": "application/json"],
                                               body: try MesosEncoding.json.encode(call))
        guard answer.status == 200, let stream = answer.stream,
              let id = answer.headers.first(where: { $0.0 == "Mesos-Stream-Id" })?.1 else {
            throw FixtureFailure("SUBSCRIBE answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
        }
        streamID = id
        let log = EventLog()
        events = log
        reader = Task {
            var decoder = RecordIODecoder()
            for await chunk in stream {
                decoder.append(chunk.readableBytesView)
                while let record = try? decoder.next() {
                    if let event = try? MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, from: record) { await log.append(event) }
                }
            }
        }
        frameworkID = try await waitFor("SUBSCRIBED") {
            await log.events.first { $0.type == .subscribed }?.subscribed.frameworkID.value
        }
    }

    /// Sends a call of this framework; returns the HTTP status.
    @discardableResult
    func call(_ build: (inout Mesos_V1_Scheduler_Call) -> Void) async throws -> Int {
        var call = Mesos_V1_Scheduler_Call()
        call.frameworkID = Mesos_V1_FrameworkID(frameworkID)
        build(&call)
        let answer = await master.schedulerAPI(method: "POST", path: "/api/v1/scheduler",
                                               headers: ["content-type": "application/json", "mesos-stream-id": streamID],
                                               body: try MesosEncoding.json.encode(call))
        return answer.status
    }

    /// The latest offer made after the master's `number`th offer (see `accept`) that
    /// satisfies `condition`.
    func offer(after index: Int, _ what: String = "an offer", where condition: @escaping (Mesos_V1_Offer) -> Bool = { _ in true })
        async throws -> Mesos_V1_Offer {
        try await waitFor(what, state: { await self.describeOffers() }) {
            await self.events.offers(after: index).last(where: condition)
        }
    }

    func describeOffers() async -> String {
        let last = await events.offers(after: 0).last
        return "last offer: " + (last.map { MesosResourceText.resources($0.resources) } ?? "none")
    }

    /// ACCEPTs an offer with `operations` and no refusal filter; returns the number of the
    /// master's last offer once the ACCEPT is applied: later offers reflect it (earlier ones,
    /// still on their way to the log, do not).
    @discardableResult
    func accept(_ offer: Mesos_V1_Offer, _ operations: [Mesos_V1_Offer.Operation]) async throws -> Int {
        var call = Mesos_V1_Scheduler_Call()
        call.frameworkID = Mesos_V1_FrameworkID(frameworkID)
        call.type = .accept
        call.accept.offerIds = [offer.id]
        call.accept.operations = operations
        call.accept.filters.refuseSeconds = 0
        return await master.callThenLastOffer(try MesosEncoding.json.encode(call), streamID: streamID)
    }

    /// Runs `body` with a harness and always stops it (and removes its directory unless `keep`).
    static func run(directory: String? = nil, refinement: Bool = false, registrationTimeout: Duration = .seconds(60),
                    keep: Bool = false, _ body: (MasterHarness) async throws -> Void) async throws {
        let harness = try await MasterHarness(directory: directory, refinement: refinement, registrationTimeout: registrationTimeout)
        do {
            try await body(harness)
        } catch {
            await harness.stop(removeDirectory: !keep)
            throw error
        }
        await harness.stop(removeDirectory: !keep)
    }

    func stop(removeDirectory: Bool = true) async {
        reader.cancel()
        await master.stop()
        await agent.stop()
        if removeDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// Offer operations and resources as a scheduler writes them.
enum Ops {
    static func reservation(role: String = "pods", principal: String? = MasterHarness.principal,
                            labels: [(String, String)] = [("marathon_task_id", "db.instance-1")]) -> Mesos_V1_Resource.ReservationInfo {
        var r = Mesos_V1_Resource.ReservationInfo()
        r.type = .dynamic
        r.role = role
        if let principal { r.principal = principal }
        if !labels.isEmpty {
            r.labels.labels = labels.map { key, value in
                var label = Mesos_V1_Label()
                label.key = key
                label.value = value
                return label
            }
        }
        return r
    }

    /// A resource reserved post-refinement, allocated to `role`.
    static func reserved(_ name: String, _ value: Double, role: String = "pods",
                         reservation: Mesos_V1_Resource.ReservationInfo = Ops.reservation()) -> Mesos_V1_Resource {
        var r = Mesos_V1_Resource.scalar(name, value, role: role)
        r.reservations = [reservation]
        return r
    }

    static func volume(_ size: Double, id: String, path: String = "pst", role: String = "pods",
                       reservation: Mesos_V1_Resource.ReservationInfo = Ops.reservation(),
                       mode: Mesos_V1_Volume.Mode = .rw) -> Mesos_V1_Resource {
        var r = reserved("disk", size, role: role, reservation: reservation)
        r.disk.persistence.id = id
        r.disk.persistence.principal = MasterHarness.principal
        r.disk.volume.containerPath = path
        r.disk.volume.mode = mode
        return r
    }

    static func reserve(_ resources: [Mesos_V1_Resource]) -> Mesos_V1_Offer.Operation {
        var op = Mesos_V1_Offer.Operation()
        op.type = .reserve
        op.reserve.resources = resources
        return op
    }

    static func unreserve(_ resources: [Mesos_V1_Resource]) -> Mesos_V1_Offer.Operation {
        var op = Mesos_V1_Offer.Operation()
        op.type = .unreserve
        op.unreserve.resources = resources
        return op
    }

    static func create(_ volumes: [Mesos_V1_Resource]) -> Mesos_V1_Offer.Operation {
        var op = Mesos_V1_Offer.Operation()
        op.type = .create
        op.create.volumes = volumes
        return op
    }

    static func destroy(_ volumes: [Mesos_V1_Resource]) -> Mesos_V1_Offer.Operation {
        var op = Mesos_V1_Offer.Operation()
        op.type = .destroy
        op.destroy.volumes = volumes
        return op
    }

    /// A LAUNCH_GROUP of one task whose CUSTOM executor runs `script` (sh -c) with
    /// `executorResources` (a volume goes there, as Marathon puts it).
    static func launch(executorID: String, taskID: String, frameworkID: String, script: String,
                       executorResources: [Mesos_V1_Resource], taskResources: [Mesos_V1_Resource]) -> Mesos_V1_Offer.Operation {
        var op = Mesos_V1_Offer.Operation()
        op.type = .launchGroup
        op.launchGroup.executor.type = .custom
        op.launchGroup.executor.executorID = Mesos_V1_ExecutorID(executorID)
        op.launchGroup.executor.frameworkID = Mesos_V1_FrameworkID(frameworkID)
        op.launchGroup.executor.command.shell = true
        op.launchGroup.executor.command.value = script
        op.launchGroup.executor.resources = executorResources
        var task = Mesos_V1_TaskInfo()
        task.taskID = Mesos_V1_TaskID(taskID)
        task.name = taskID
        task.agentID = Mesos_V1_AgentID("unused")
        task.resources = taskResources
        op.launchGroup.taskGroup.tasks = [task]
        return op
    }
}

extension Mesos_V1_Offer {
    /// The offer's resources of a slot-like description: reserved for `role` or not, a volume or not.
    func scalar(_ name: String, reserved: Bool) -> Double {
        resources.filter { r in
            r.name == name && !r.disk.hasPersistence
                && (reserved ? (!r.reservations.isEmpty || (r.hasRole && r.role != "*")) : (r.reservations.isEmpty && (!r.hasRole || r.role == "*")))
        }.reduce(0) { $0 + $1.scalar.value }
    }

    var volumes: [Mesos_V1_Resource] { resources.filter { $0.disk.hasPersistence } }
}

extension LocalMaster {
    /// Handles a scheduler call and returns the number of the last offer made by then, with no
    /// suspension in between (allocation waits while an ACCEPT is applied): offers numbered
    /// above it were made after the call.
    func callThenLastOffer(_ body: [UInt8], streamID: String) async -> Int {
        _ = await schedulerAPI(method: "POST", path: "/api/v1/scheduler",
                               headers: ["content-type": "application/json", "mesos-stream-id": streamID], body: body)
        return nextOffer
    }
}
