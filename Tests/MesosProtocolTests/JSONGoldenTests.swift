import Foundation
import SwiftProtobuf
import Testing

import MesosProtocol

/// Every event Mesos 1.12 sent in the recordings (`raw`, verbatim), decoded with our JSON
/// decoder, plus the requests the recorder sent and the reference's examples.
@Suite("JSON goldens")
struct JSONGoldenTests {
    /// A recorded event: the text Mesos sent and the fixture object around it.
    struct Recorded {
        let file: String
        let path: String
        let raw: String
        let context: [String: JSON]
        /// Executor events are those of an executor's stream; everything under a
        /// `scheduler` key, or in a scheduler fixture, went to the scheduler.
        var isSchedulerEvent: Bool { file.hasPrefix("scheduler-") || path.contains(".scheduler") }
    }

    static func recordedEvents(in file: String) throws -> [Recorded] {
        try Golden.json(file).objects(havingString: "raw").map { path, object in
            Recorded(file: file, path: path, raw: object["raw"]!.string!, context: object)
        }
    }

    /// Decodes with our decoder and checks, for one recorded event: nothing Mesos sent is
    /// lost or altered (our JSON output equals the raw text as JSON), the recorder's own
    /// parse and `length_prefix` agree, and JSON → message → JSON → message is stable.
    func check<M: SwiftProtobuf.Message & Equatable>(_ type: M.Type, _ event: Recorded) throws -> M {
        let message = try MesosEncoding.json.decode(M.self, text: event.raw)
        let ours = try message.mesosJSON()
        let theirs = try JSON(parsing: event.raw)
        #expect(mesosJSONDifference(theirs, ours) == nil, "\(event.file) \(event.path)")
        if let parsed = event.context["parsed"] {
            #expect(mesosJSONDifference(parsed, ours) == nil, "\(event.file) \(event.path) vs parsed")
        }
        if let prefix = event.context["length_prefix"]?.string {
            #expect(Int(prefix) == event.raw.utf8.count, "\(event.file) \(event.path)")
        }
        if let listedType = event.context["type"]?.string {
            #expect(theirs["type"]?.string == listedType)
        }
        let again = try MesosEncoding.json.decode(M.self, from: MesosEncoding.json.encode(message))
        #expect(again == message, "\(event.file) \(event.path): JSON round trip")
        #expect(try MesosEncoding.json.encode(again) == MesosEncoding.json.encode(message))
        // Mesos events are always initialized, so they also survive protobuf.
        #expect(try MesosEncoding.protobuf.decode(M.self, from: MesosEncoding.protobuf.encode(message)) == message)
        return message
    }

    @Test(arguments: Golden.fixtureFiles)
    func everyRecordedEventDecodesLosslessly(file: String) throws {
        let events = try Self.recordedEvents(in: file)
        #expect(!events.isEmpty, "\(file) holds recorded events")
        for event in events {
            if event.isSchedulerEvent {
                let e = try check(Mesos_V1_Scheduler_Event.self, event)
                #expect(e.hasType && e.type != .unknown, "\(file) \(event.path)")
            } else {
                let e = try check(Mesos_V1_Executor_Event.self, event)
                #expect(e.hasType && e.type != .unknown, "\(file) \(event.path)")
            }
        }
    }

    @Test func recordedEventCountsAreAllThere() throws {
        // Guards against the walker silently finding nothing.
        var executor = 0
        var scheduler = 0
        for file in Golden.fixtureFiles {
            for event in try Self.recordedEvents(in: file) {
                if event.isSchedulerEvent { scheduler += 1 } else { executor += 1 }
            }
        }
        #expect(executor == 1 + 1 + 22 + 1 + 2 + 1 + 18 + 8)
        #expect(scheduler == 1 + 4 + 37 + 26 + 38 + 7 + 10 + 22 + 14)
    }

    // MARK: Executor events, field by field

    @Test func subscribedEvent() throws {
        let fixture = try Golden.json("executor-subscribed.json")
        let raw = try #require(fixture["subscribed"]?["raw"]?.string)
        let event = try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: raw)
        #expect(event.type == .subscribed)
        let s = event.subscribed
        #expect(s.executorInfo.type == .custom)
        #expect(s.executorInfo.executorID.value == "custom-exec-1")
        #expect(s.executorInfo.frameworkID.value == "6803c141-332c-4234-9ef8-f10d3d34436b-0001")
        #expect(s.executorInfo.name == "recorder executor")
        // "shell":true is sent explicitly (a default Mesos writes out): present and true.
        #expect(s.executorInfo.command.hasShell && s.executorInfo.command.shell)
        #expect(s.executorInfo.command.environment.variables.map(\.name) == ["RECORDER_PROBES", "RECORDER_DISCONNECT"])
        #expect(s.executorInfo.command.environment.variables.allSatisfy { $0.hasType && $0.type == .value })
        #expect(s.executorInfo.resources.map(\.name) == ["cpus", "mem", "disk"])
        #expect(s.executorInfo.resources.allSatisfy { $0.hasAllocationInfo && $0.allocationInfo.role == "*" && !$0.hasRole })
        #expect(s.executorInfo.resources.scalar("mem") == 32)
        #expect(s.frameworkInfo.user == "root")
        #expect(s.frameworkInfo.id.value == "6803c141-332c-4234-9ef8-f10d3d34436b-0001")
        #expect(s.frameworkInfo.failoverTimeout == 300)
        #expect(s.frameworkInfo.checkpoint)
        #expect(s.frameworkInfo.roles == ["*"])
        #expect(s.frameworkInfo.capabilities.map(\.type) == [.multiRole, .taskKillingState, .partitionAware])
        #expect(s.agentInfo.id.value == "6803c141-332c-4234-9ef8-f10d3d34436b-S0")
        #expect(s.agentInfo.port == 5051)
        #expect(s.agentInfo.hostname == "<hostname>")
        #expect(s.agentInfo.resources.ranges("ports") == [31000...32000])
        #expect(s.agentInfo.resources.scalar("cpus") == 4)
        #expect(s.containerID.value == "fcaec5a3-a85c-4a84-8426-ed52f3ea5a5b")
        #expect(!s.containerID.hasParent)
    }

    @Test func launchGroupEvent() throws {
        let fixture = try Golden.json("executor-launch-group.json")
        let raw = try #require(fixture["event"]?["raw"]?.string)
        let event = try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: raw)
        #expect(event.type == .launchGroup)
        let tasks = event.launchGroup.taskGroup.tasks
        #expect(tasks.map(\.name) == ["c1-finish", "c2-sleep"])
        #expect(tasks.map(\.taskID.value) == ["c1-finish", "c2-sleep"])
        #expect(tasks.map(\.command.value) == ["echo hello-from-c1; sleep 20", "sleep 1000"])
        for task in tasks {
            #expect(task.agentID.value == "6803c141-332c-4234-9ef8-f10d3d34436b-S0")
            #expect(task.command.hasShell && task.command.shell)
            // Every task carries a copy of the executor (filled in by the master).
            #expect(task.hasExecutor)
            #expect(task.executor.executorID.value == "custom-exec-1")
            #expect(task.executor.frameworkID.value == "6803c141-332c-4234-9ef8-f10d3d34436b-0001")
            // The executor receives only allocation_info, not the deprecated role.
            #expect(task.resources.allSatisfy { $0.allocationInfo.role == "*" && !$0.hasRole })
            #expect(task.resources.scalar("cpus") == 0.1)
            #expect(!task.hasHealthCheck && !task.hasKillPolicy && task.limits.isEmpty)
        }
        #expect(tasks[0].executor == tasks[1].executor)
        // The scheduler's ACCEPT that caused it decodes as a scheduler call, with `role`.
        let accept = try #require(fixture["scheduler_accept_call"])
        let call = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Call.self, text: accept.description)
        #expect(call.type == .accept)
        let operation = try #require(call.accept.operations.first)
        #expect(operation.type == .launchGroup)
        #expect(operation.launchGroup.taskGroup.tasks.map(\.name) == tasks.map(\.name))
        #expect(operation.launchGroup.executor.resources.allSatisfy { $0.hasRole && $0.role == "*" })
        #expect(call.accept.filters.refuseSeconds == 1)
    }

    @Test func acknowledgedEvents() throws {
        let events = try Self.recordedEvents(in: "executor-acknowledged.json")
        #expect(events.count == 22)
        for recorded in events {
            let event = try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: recorded.raw)
            #expect(event.type == .acknowledged)
            #expect(!event.acknowledged.taskID.value.isEmpty)
            // 16 raw bytes of a v4 UUID, padded base64 in JSON.
            #expect(event.acknowledged.uuid.count == 16)
            #expect(MesosUUID.isValid(event.acknowledged.uuid))
            #expect(event.acknowledged.uuid[event.acknowledged.uuid.startIndex + 6] >> 4 == 4)
            let text = try #require(JSON(parsing: recorded.raw)["acknowledged"]?["uuid"]?.string)
            #expect(text.count == 24 && text.hasSuffix("=="))
            #expect(Array(event.acknowledged.uuid) == base64Bytes(text))
            if let acked = recorded.context["acknowledges"]?["uuid"]?.string {
                #expect(acked == text)
            }
        }
    }

    @Test func killShutdownAndMessageEvents() throws {
        let kill = try #require(try Self.recordedEvents(in: "executor-kill.json").first)
        let k = try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: kill.raw)
        #expect(k.type == .kill)
        #expect(k.kill.taskID.value == "c2-sleep")
        #expect(!k.kill.hasKillPolicy)

        let shutdowns = try Self.recordedEvents(in: "executor-shutdown.json")
        #expect(shutdowns.count == 2)
        for s in shutdowns {
            #expect(s.raw == #"{"type":"SHUTDOWN"}"#)
            let e = try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: s.raw)
            #expect(e.type == .shutdown)
            #expect(!e.hasSubscribed && !e.hasKill && !e.hasMessage)
            // Field 1, varint 7.
            #expect(try MesosEncoding.protobuf.encode(e) == [0x08, 0x07])
        }

        let message = try #require(try Self.recordedEvents(in: "executor-message.json").first)
        let m = try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: message.raw)
        #expect(m.type == .message)
        #expect(String(decoding: m.message.data, as: UTF8.self) == "hello from the scheduler")
    }

    // MARK: Scheduler events, field by field

    @Test func schedulerSubscribed() throws {
        let raw = try #require(try Golden.json("scheduler-subscribed.json")["subscribed"]?["raw"]?.string)
        let event = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: raw)
        #expect(event.type == .subscribed)
        #expect(event.subscribed.frameworkID.value == "6803c141-332c-4234-9ef8-f10d3d34436b-0000")
        #expect(event.subscribed.heartbeatIntervalSeconds == 15)
        let master = event.subscribed.masterInfo
        #expect(master.id == "6803c141-332c-4234-9ef8-f10d3d34436b")
        #expect(master.ip == 16_777_343)  // 127.0.0.1 in network byte order, read as little-endian
        #expect(master.port == 5050)
        #expect(master.version == "1.12.0")
        #expect(master.address.ip == "127.0.0.1" && master.address.port == 5050)
        #expect(master.capabilities.map(\.type) == [.agentUpdate, .agentDraining, .quotaV2])
    }

    @Test func schedulerOffersRescindAndHeartbeat() throws {
        let fixture = try Golden.json("scheduler-offers.json")
        let raw = try #require(fixture["offers"]?["raw"]?.string)
        // {"offers":{"offers":[…]}}: an Offers message wrapping the repeated field.
        #expect(raw.contains(#""offers":{"offers":["#))
        let event = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: raw)
        #expect(event.type == .offers)
        #expect(event.offers.offers.count == 1)
        let offer = event.offers.offers[0]
        #expect(offer.id.value == "6803c141-332c-4234-9ef8-f10d3d34436b-O0")
        #expect(offer.frameworkID.value == "6803c141-332c-4234-9ef8-f10d3d34436b-0000")
        #expect(offer.agentID.value == "6803c141-332c-4234-9ef8-f10d3d34436b-S0")
        #expect(offer.url.path == "/slave(1)" && offer.url.address.port == 5051)
        #expect(offer.allocationInfo.role == "*")
        #expect(offer.resources.map(\.name) == ["ports", "cpus", "mem", "disk"])
        // Offers carry the deprecated role next to allocation_info.
        #expect(offer.resources.allSatisfy { $0.hasRole && $0.role == "*" && $0.allocationInfo.role == "*" })
        #expect(offer.resources.ranges("ports") == [31000...32000])
        #expect(offer.resources.scalar("mem") == 8192)
        #expect(offer.resources.scalar("disk") == 20000)

        let rescind = try #require(fixture["rescind"]?[0]?["raw"]?.string)
        let r = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: rescind)
        #expect(r.type == .rescind && r.rescind.offerID.value == "6803c141-332c-4234-9ef8-f10d3d34436b-O5")

        for heartbeat in try #require(fixture["heartbeat"]?.array) {
            let raw = try #require(heartbeat["raw"]?.string)
            #expect(try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: raw).type == .heartbeat)
        }
    }

    /// The flattened fields the recorder wrote next to each UPDATE `raw`.
    func checkFlattened(_ update: [String: JSON], file: String) throws {
        let raw = try #require(update["raw"]?.string)
        let event = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: raw)
        #expect(event.type == .update)
        let status = event.update.status
        let label = "\(file) \(update["task_id"]?.string ?? "?") \(update["state"]?.string ?? "?")"
        if let taskID = update["task_id"]?.string { #expect(status.taskID.value == taskID, "\(label)") }
        if let state = update["state"]?.string { #expect(status.state.name == state, "\(label)") }
        if let source = update["source"]?.string {
            #expect(status.hasSource)
            #expect(["SOURCE_MASTER": Mesos_V1_TaskStatus.Source.master, "SOURCE_AGENT": .agent, "SOURCE_EXECUTOR": .executor][source] == status.source, "\(label)")
        }
        if let reason = update["reason"]?.string {
            #expect(status.hasReason, "\(label)")
            #expect(try status.mesosJSON()["reason"]?.string == reason, "\(label)")
        } else {
            #expect(!status.hasReason, "\(label)")
        }
        if let message = update["message"]?.string { #expect(status.message == message, "\(label)") } else { #expect(!status.hasMessage, "\(label)") }
        if let healthy = update["healthy"]?.bool { #expect(status.hasHealthy && status.healthy == healthy, "\(label)") } else { #expect(!status.hasHealthy, "\(label)") }
        if let uuid = update["uuid"]?.string {
            #expect(status.uuid.count == 16 && MesosUUID.isValid(status.uuid), "\(label)")
            #expect(Array(status.uuid) == base64Bytes(uuid), "\(label)")
        } else {
            // Master-generated updates carry no uuid and must not be acknowledged.
            #expect(!status.hasUuid, "\(label)")
            #expect(status.source != .executor, "\(label)")
        }
        if let timestamp = update["timestamp"]?.number { #expect(status.timestamp == timestamp, "\(label)") }
        if let agent = update["agent_id"]?["value"]?.string { #expect(status.agentID.value == agent, "\(label)") }
        if let executor = update["executor_id"] {
            #expect(status.executorID.value == (executor.string ?? executor["value"]?.string), "\(label)")
        }
        if let container = update["container_status"] {
            #expect(status.hasContainerStatus, "\(label)")
            #expect(mesosJSONDifference(container, try status.containerStatus.mesosJSON()) == nil, "\(label)")
            if container["executor_pid"] != nil {
                #expect(status.containerStatus.executorPid > 0, "\(label)")
            }
            if container["network_infos"] != nil {
                #expect(status.containerStatus.networkInfos.first?.ipAddresses.first?.ipAddress == "127.0.0.1", "\(label)")
            }
        }
    }

    @Test(arguments: ["scheduler-updates-default-executor.json", "scheduler-updates-custom-executor.json"])
    func schedulerUpdateSequences(file: String) throws {
        let fixture = try Golden.json(file)
        var count = 0
        var withPid = 0
        var health = 0
        for step in try #require(fixture["steps"]?.array) {
            for update in try #require(step["updates"]?.array) {
                let object = try #require(update.object)
                try checkFlattened(object, file: file)
                count += 1
                if object["container_status"]?["executor_pid"] != nil { withPid += 1 }
                if object["reason"]?.string == "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED" { health += 1 }
            }
        }
        #expect(count == (file.contains("default") ? 34 : 23))
        #expect(withPid > 0)
        if file.contains("default") { #expect(health == 3) }
        // FAILURE events: executor exit status as a raw wait status.
        for other in try #require(fixture["other_events"]?.array) {
            let raw = try #require(other["raw"]?.string)
            let event = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: raw)
            if event.type == .failure {
                #expect(event.failure.hasStatus && event.failure.hasExecutorID && event.failure.hasAgentID)
            }
        }
    }

    @Test func healthCheckUpdateAllFields() throws {
        let raw = #"{"type":"UPDATE","update":{"status":{"task_id":{"value":"g1-unhealthy"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","reason":"REASON_TASK_HEALTH_CHECK_STATUS_UPDATED","agent_id":{"value":"6803c141-332c-4234-9ef8-f10d3d34436b-S0"},"executor_id":{"value":"default-exec-g1"},"timestamp":1795312461.059433,"uuid":"cINysM7vT6CErwVhnZ6rmA==","healthy":false,"container_status":{"container_id":{"value":"2e60da19-9484-4fd8-8716-f32671be17c3","parent":{"value":"fded0ec5-bc4d-4986-bd92-17d0a3de828b"}},"network_infos":[{"ip_addresses":[{"protocol":"IPv4","ip_address":"127.0.0.1"}]}],"executor_pid":19223}}}}"#
        // The same text is in the recording.
        let recorded = try Self.recordedEvents(in: "scheduler-updates-default-executor.json").map(\.raw)
        #expect(recorded.contains(raw))
        let status = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: raw).update.status
        #expect(status.state == .taskRunning)
        #expect(status.reason == .taskHealthCheckStatusUpdated)
        #expect(status.source == .executor)
        #expect(status.hasHealthy && !status.healthy)
        #expect(status.timestamp == 1_795_312_461.059433)
        #expect(status.containerStatus.executorPid == 19223)
        #expect(status.containerStatus.containerID.value == "2e60da19-9484-4fd8-8716-f32671be17c3")
        #expect(status.containerStatus.containerID.parent.value == "fded0ec5-bc4d-4986-bd92-17d0a3de828b")
        #expect(status.containerStatus.networkInfos[0].ipAddresses[0].protocol == .ipv4)
        #expect(status.containerStatus.networkInfos[0].ipAddresses[0].hasProtocol)
    }

    @Test func agentGeneratedUpdatesAfterExecutorLoss() throws {
        // kill -9 of an executor: TASK_FAILED / REASON_EXECUTOR_TERMINATED / SOURCE_AGENT, with a uuid.
        let killed = try Self.recordedEvents(in: "scheduler-executor-killed.json")
            .map { try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: $0.raw) }
        let failed = killed.filter { $0.type == .update && $0.update.status.state == .taskFailed }
        #expect(!failed.isEmpty)
        for e in failed {
            #expect(e.update.status.reason == .executorTerminated)
            #expect(e.update.status.source == .agent)
            #expect(e.update.status.message == "Executor terminated")
            #expect(MesosUUID.isValid(e.update.status.uuid))
        }
        #expect(killed.contains { $0.type == .failure && $0.failure.status == 35072 })
        // Re-registration timeout: TASK_GONE / REASON_EXECUTOR_REREGISTRATION_TIMEOUT / SOURCE_AGENT.
        let gone = try Self.recordedEvents(in: "executor-reregistration-timeout.json")
            .map { try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: $0.raw) }
            .filter { $0.type == .update && $0.update.status.state == .taskGone }
        #expect(!gone.isEmpty)
        #expect(gone.allSatisfy { $0.update.status.reason == .executorReregistrationTimeout && $0.update.status.source == .agent && $0.update.status.uuid.count == 16 })
    }

    @Test func failoverErrorsAndReSubscribed() throws {
        let events = try Self.recordedEvents(in: "scheduler-failover.json")
        let decoded = try events.map { try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: $0.raw) }
        // ERROR is {"type":"ERROR","error":{"message":…}}.
        let errors = decoded.filter { $0.type == .error }.map(\.error.message)
        #expect(errors == ["Framework failed over", "Framework has been removed"])
        let subscribed = decoded.filter { $0.type == .subscribed }
        #expect(subscribed.count == 3)
        #expect(Set(subscribed.map(\.subscribed.frameworkID.value)).count == 1)
        // Reconciliation answers: master-generated, no uuid.
        let reconciled = decoded.filter { $0.type == .update && $0.update.status.reason == .reconciliation }
        #expect(!reconciled.isEmpty)
        #expect(reconciled.allSatisfy { !$0.update.status.hasUuid && $0.update.status.source == .master })
    }

    // MARK: Requests that were sent to Mesos

    /// Every request body the recorder sent, with how Mesos' JSON conversion treated it.
    @Test func recordedExecutorCallsDecodeAsMesosDid() throws {
        let probes = try #require(try Golden.json("agent-errors.json")["probes"]?.array)
        var checked = 0
        for probe in probes {
            guard let body = probe["request_body"]?.string, probe["request_content_type"]?.string == "application/json" else { continue }
            let name = probe["name"]?.string ?? "?"
            let answer = probe["response_body"]?.string ?? ""
            checked += 1
            switch name {
            case "malformed-json":
                #expect(throws: (any Error).self) { try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body) }
            case "update-camelcase":
                // Mesos: "Missing required fields: executor_id, framework_id, update.status.task_id".
                #expect(answer.hasPrefix("Failed to convert JSON into Call protobuf: Missing required fields"))
                #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.executor.Call")) {
                    try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body)
                }
            case "update-numeric-enum":
                // KNOWN DEVIATION: Mesos rejects a number for an enum ("Not expecting a JSON
                // number for field 'state'"); swift-protobuf accepts it (1 = TASK_RUNNING).
                #expect(answer.contains("Not expecting a JSON number"))
                let call = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body)
                #expect(call.update.status.state == .taskRunning)
            case "unknown-call-type":
                // Unknown enum name in an optional field: unset, then Mesos' validation says
                // "Expecting 'type' to be present".
                let call = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body)
                #expect(!call.hasType)
                #expect(answer.hasSuffix("Expecting 'type' to be present"))
            case "update-text-uuid":
                let call = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body)
                #expect(call.update.status.uuid.count == 36)
                #expect(!MesosUUID.isValid(call.update.status.uuid))
            case "update-unpadded-uuid":
                let call = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body)
                #expect(call.update.status.uuid.count == 16)
                let padded = try #require(probe["update_uuid"]?.string)
                #expect(try call.update.status.mesosJSON()["uuid"]?.string == padded)
            default:
                // Everything else got past Mesos' JSON conversion (it failed later, or not at all).
                #expect(!answer.hasPrefix("Failed to convert JSON") && !answer.hasPrefix("Failed to parse"), "\(name)")
                let call = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body)
                #expect(call.hasType && call.hasFrameworkID && call.hasExecutorID, "\(name)")
            }
            if let forwarded = probe["forwarded_to_scheduler"]?.string, forwarded.hasSuffix("}}}") {
                let event = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: forwarded)
                #expect(event.update.status.source == .executor && event.update.status.uuid.count == 16)
            }
        }
        #expect(checked == 19)
    }

    @Test func recordedSchedulerCallsDecode() throws {
        let errors = try #require(try Golden.json("scheduler-errors.json")["errors"]?.array)
        for error in errors {
            guard let body = error["request"]?["body"]?.string, !body.isEmpty else { continue }
            let name = error["name"]?.string ?? "?"
            if name == "malformed-json" {
                #expect(throws: (any Error).self) { try MesosEncoding.json.decode(Mesos_V1_Scheduler_Call.self, text: body) }
                continue
            }
            let call = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Call.self, text: body)
            switch name {
            case "camelcase-json":
                // Mesos ignored frameworkId/offerIds: "Expecting 'framework_id' to be present".
                #expect(!call.hasFrameworkID, "camelCase key must be ignored")
                #expect(call.decline.offerIds.isEmpty)
                #expect(call.type == .decline)
            case "unknown-call-type":
                #expect(!call.hasType)
            case "missing-framework-id":
                #expect(!call.hasFrameworkID)
            case "ack-text-uuid":
                #expect(!MesosUUID.isValid(call.acknowledge.uuid))
            default:
                #expect(call.hasType, "\(name)")
            }
        }
        // The calls of the scenarios (objects in the fixtures), and the UCR ACCEPT.
        var calls: [JSON] = []
        for file in ["scheduler-updates-default-executor.json", "scheduler-updates-custom-executor.json"] {
            calls += try #require(try Golden.json(file)["calls"]?.array).compactMap { $0["request_body"] }
        }
        calls += try #require(try Golden.json("scheduler-failover.json")["streams"]?.array).compactMap { $0["request_body"] }
        let ucr = try #require(try Golden.json("ucr-image-pull.json")["task_request_example"]?["accept_call_body"])
        calls.append(ucr)
        #expect(calls.count == 10 + 7 + 4 + 1)
        for json in calls {
            let call = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Call.self, text: json.description)
            #expect(call.hasType)
            #expect(mesosJSONDifference(json, try call.mesosJSON()) == nil)
        }
        let image = try MesosEncoding.json.decode(Mesos_V1_Scheduler_Call.self, text: ucr.description)
            .accept.operations[0].launchGroup.taskGroup.tasks[0].container.mesos.image
        #expect(image.type == .docker)
        #expect(image.docker.name == "127.0.0.1:5000/test/busybox:latest")
        #expect(image.docker.config.type == .value)
        #expect(String(decoding: image.docker.config.value.data, as: UTF8.self) == #"{"auths":{"127.0.0.1:5000":{"auth":"dGVzdHVzZXI6dGVzdHBhc3M="}}}"#)
        #expect(!image.hasCached && image.cached)
    }

    @Test func recordedReSubscribeCallsCarryUnacknowledgedUpdates() throws {
        let simulations = try #require(try Golden.json("executor-resubscribe.json")["simulations"]?.array)
        var updates = 0
        var tasks = 0
        for simulation in simulations {
            let body = try #require(simulation["resubscribe"]?["request"]?["body"]?.string)
            let call = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body)
            #expect(call.type == .subscribe && call.hasSubscribe)
            let sentUpdates = try #require(simulation["unacknowledged_updates_sent"]?.array)
            #expect(call.subscribe.unacknowledgedUpdates.count == sentUpdates.count)
            for (update, sent) in zip(call.subscribe.unacknowledgedUpdates, sentUpdates) {
                #expect(mesosJSONDifference(sent, try update.mesosJSON()) == nil)
                #expect(MesosUUID.isValid(update.status.uuid))
            }
            let sentTasks = try #require(simulation["unacknowledged_tasks_sent"]?.array)
            #expect(call.subscribe.unacknowledgedTasks.count == sentTasks.count)
            updates += sentUpdates.count
            tasks += sentTasks.count
        }
        #expect(updates > 0 && tasks > 0)
        let restart = try #require(try Golden.json("executor-agent-restart.json")["executor"]?["reconnects"]?.array)
        let bodies = restart.compactMap { $0["resubscribe"]?["request"]?["body"]?.string }
        #expect(!bodies.isEmpty)
        for body in bodies {
            #expect(try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: body).type == .subscribe)
        }
    }

    // MARK: The reference's examples

    struct Example: Sendable, CustomTestStringConvertible {
        let file: String
        let message: String
        let type: String
        let elidedOriginal: String?
        var testDescription: String { file }
    }

    static var examples: [Example] {
        get throws {
            try #require(try Golden.json("reference/manifest.json").array).map { entry in
                Example(file: entry["file"]!.string!, message: entry["message"]!.string!, type: entry["type"]!.string!,
                        elidedOriginal: entry["elided_original"]?.string)
            }
        }
    }

    @Test func referenceExamplesAreAllThere() throws {
        let examples = try Self.examples
        #expect(examples.count == 33)
        #expect(examples.filter { $0.message == "mesos.v1.executor.Call" }.map(\.type) == ["SUBSCRIBE", "UPDATE", "MESSAGE", "HEARTBEAT"])
        #expect(examples.filter { $0.message == "mesos.v1.executor.Event" }.count == 9)
        #expect(examples.filter { $0.message == "mesos.v1.scheduler.Event" }.count == 8)
        #expect(examples.filter { $0.message == "mesos.v1.scheduler.Call" }.count == 12)
    }

    func decodeExample(_ example: Example, text: String) throws -> any SwiftProtobuf.Message {
        switch example.message {
        case "mesos.v1.executor.Call": return try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: text)
        case "mesos.v1.executor.Event": return try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: text)
        case "mesos.v1.scheduler.Call": return try MesosEncoding.json.decode(Mesos_V1_Scheduler_Call.self, text: text)
        case "mesos.v1.scheduler.Event": return try MesosEncoding.json.decode(Mesos_V1_Scheduler_Event.self, text: text)
        default: throw Golden.Missing(name: example.message)
        }
    }

    @Test(arguments: try examples)
    func referenceExampleDecodes(_ example: Example) throws {
        let text = String(decoding: try Golden.bytes("reference/" + example.file), as: UTF8.self)
        let message: any SwiftProtobuf.Message
        if example.elidedOriginal != nil {
            // Elided content can include required fields: the LAUNCH_GROUP example's second
            // task ("logger") lost its agent_id. Decoding must say so, like Mesos would…
            #expect(throws: MesosEncodingError.missingRequiredFields(messageName: example.message)) {
                try decodeExample(example, text: text)
            }
            // …and with it filled in, the example decodes.
            #expect(example.type == "LAUNCH_GROUP")
            var options = JSONDecodingOptions()
            options.ignoreUnknownFields = true
            var event = try Mesos_V1_Executor_Event(jsonString: text, options: options)
            #expect(event.launchGroup.taskGroup.tasks.map(\.hasAgentID) == [true, false])
            event.launchGroup.taskGroup.tasks[1].agentID = event.launchGroup.taskGroup.tasks[0].agentID
            #expect(event.isInitialized)
            message = event
        } else {
            message = try decodeExample(example, text: text)
        }
        #expect(type(of: message).protoMessageName == example.message)
        let ours = try JSON(parsing: MesosEncoding.json.encode(message))
        #expect(ours["type"]?.string == example.type)
        // Nothing in the example is lost (every key is a field of our protos).
        if example.elidedOriginal == nil {
            #expect(mesosJSONDifference(try JSON(parsing: text), ours) == nil)
        }
        if let elided = example.elidedOriginal {
            // As printed, with "...":"..." members: an unknown key, ignored (the message
            // is the same as without them, still lacking the elided agent_id).
            let original = String(decoding: try Golden.bytes("reference/" + elided), as: UTF8.self)
            var options = JSONDecodingOptions()
            options.ignoreUnknownFields = true
            let stripped = try Mesos_V1_Executor_Event(jsonString: text, options: options)
            #expect(try Mesos_V1_Executor_Event(jsonString: original, options: options) == stripped)
        }
    }

    @Test func referenceExamplesKeyFields() throws {
        func load<M: SwiftProtobuf.Message>(_ type: M.Type, _ file: String) throws -> M {
            try MesosEncoding.json.decode(M.self, from: Golden.bytes("reference/" + file))
        }
        let subscribe = try load(Mesos_V1_Executor_Call.self, "executor-call-SUBSCRIBE.json")
        #expect(subscribe.subscribe.unacknowledgedTasks.first?.command.shell == false)
        #expect(subscribe.subscribe.unacknowledgedTasks.first?.command.arguments == ["nginx", "-g", "daemon off;"])
        #expect(subscribe.subscribe.unacknowledgedUpdates.first?.status.uuid == Data(base64Encoded: "zzRKOn1bRna5wkxAcHClMw=="))
        let update = try load(Mesos_V1_Executor_Call.self, "executor-call-UPDATE.json")
        #expect(update.update.status.containerStatus.containerID.parent.value == "b4c1f0de-6e2f-4f0e-9a7e-3c2d1b0a9f8e")
        let message = try load(Mesos_V1_Executor_Call.self, "executor-call-MESSAGE.json")
        #expect(String(decoding: message.message.data, as: UTF8.self) == "hello executor")
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        let group = try Mesos_V1_Executor_Event(jsonUTF8Bytes: Golden.bytes("reference/executor-event-LAUNCH_GROUP.json"), options: options)
            .launchGroup.taskGroup.tasks
        #expect(group.count == 2)
        #expect(group[0].healthCheck.intervalSeconds == 60 && group[0].healthCheck.gracePeriodSeconds == 300)
        #expect(group[0].healthCheck.http.protocol == .ipv4 && group[0].healthCheck.http.port == 80)
        #expect(group[0].killPolicy.gracePeriod.nanoseconds == 30_000_000_000)
        #expect(group[0].container.linuxInfo.hasShareCgroups && !group[0].container.linuxInfo.shareCgroups)
        #expect(group[0].container.mesos.image.docker.config.reference.name == "pull-secret")
        #expect(group[0].container.volumes.first?.source.sandboxPath.type == .parent)
        #expect(group[0].container.volumes.first?.mode == .ro)
        #expect(group[0].labels.labels.first?.key == "tier")
        #expect(group[1].name == "logger" && !group[1].hasCommand)
        let kill = try load(Mesos_V1_Executor_Event.self, "executor-event-KILL.json")
        #expect(kill.kill.killPolicy.gracePeriod.nanoseconds == 5_000_000_000)
        let accept = try load(Mesos_V1_Scheduler_Call.self, "scheduler-call-ACCEPT.json")
        let executor = accept.accept.operations[0].launchGroup.executor
        #expect(executor.shutdownGracePeriod.nanoseconds == 35_000_000_000)
        #expect(executor.resources.ranges("ports") == [31005...31005])
        #expect(executor.command.uris.first?.extract == true && executor.command.uris.first?.cache == true)
        #expect(accept.accept.filters.refuseSeconds == 5)
        let env = accept.accept.operations[0].launchGroup.taskGroup.tasks[0].command.environment.variables[0]
        // No "type" given: the proto2 default VALUE applies, but the field is not set.
        #expect(!env.hasType && env.type == .value)
        let offers = try load(Mesos_V1_Scheduler_Event.self, "scheduler-event-OFFERS.json")
        #expect(offers.offers.offers.first?.hostname == "agent-3.example.com")
        let failure = try load(Mesos_V1_Scheduler_Event.self, "scheduler-event-FAILURE.json")
        #expect(failure.failure.hasStatus && failure.failure.status == 0)
    }
}
