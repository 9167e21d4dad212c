import Foundation
import SwiftProtobuf
import Testing

import MesosProtocol

/// proto2 semantics the Mesos protos rely on (docs/reference/mesos-executor-protocol.md §1.4 "Proto2 default values" and
/// §3 field numbers): explicit defaults, first-value enum defaults, presence, required.
@Suite("Proto2 defaults and presence")
struct Proto2Tests {
    // MARK: Explicit defaults

    @Test func commandInfoShellDefaultsToTrue() throws {
        let unset = Mesos_V1_CommandInfo()
        #expect(!unset.hasShell && unset.shell)
        // Absent in JSON and in protobuf: still true (run `value` via /bin/sh -c).
        #expect(try MesosEncoding.json.decode(Mesos_V1_CommandInfo.self, text: #"{"value":"sleep 1"}"#).shell)
        #expect(try MesosEncoding.protobuf.decode(Mesos_V1_CommandInfo.self, from: [UInt8]()).shell)
        // Explicit false and explicit true are both present.
        let off = try MesosEncoding.json.decode(Mesos_V1_CommandInfo.self, text: #"{"shell":false}"#)
        #expect(off.hasShell && !off.shell)
        let on = try MesosEncoding.json.decode(Mesos_V1_CommandInfo.self, text: #"{"shell":true}"#)
        #expect(on.hasShell && on.shell)
        // Field 6, varint: explicit true is written (0x30 0x01), unset is not.
        #expect(try MesosEncoding.protobuf.encode(on) == [0x30, 0x01])
        #expect(try MesosEncoding.protobuf.encode(off) == [0x30, 0x00])
        #expect(try MesosEncoding.protobuf.encode(unset) == [])
        #expect(try unset.mesosJSON() == .object([:]))
        #expect(try on.mesosJSON() == .object(["shell": .bool(true)]))
    }

    @Test func explicitDefaults() throws {
        #expect(Mesos_V1_Image().cached)
        #expect(!Mesos_V1_Image().hasCached)
        #expect(try MesosEncoding.json.decode(Mesos_V1_Image.self, text: #"{"type":"DOCKER","docker":{"name":"busybox"}}"#).cached)
        #expect(try !MesosEncoding.json.decode(Mesos_V1_Image.self, text: #"{"type":"DOCKER","docker":{"name":"busybox"},"cached":false}"#).cached)

        let health = Mesos_V1_HealthCheck()
        #expect(health.delaySeconds == 15)
        #expect(health.intervalSeconds == 10)
        #expect(health.timeoutSeconds == 20)
        #expect(health.consecutiveFailures == 3)
        #expect(health.gracePeriodSeconds == 10)
        #expect(!health.hasDelaySeconds && !health.hasIntervalSeconds && !health.hasTimeoutSeconds && !health.hasConsecutiveFailures && !health.hasGracePeriodSeconds)
        #expect(Mesos_V1_HealthCheck.HTTPCheckInfo().protocol == .ipv4)
        #expect(Mesos_V1_HealthCheck.TCPCheckInfo().protocol == .ipv4)

        let check = Mesos_V1_CheckInfo()
        #expect(check.delaySeconds == 15 && check.intervalSeconds == 10 && check.timeoutSeconds == 20)

        #expect(Mesos_V1_CommandInfo.URI().extract)
        #expect(!Mesos_V1_CommandInfo.URI().cache && !Mesos_V1_CommandInfo.URI().executable)
        #expect(Mesos_V1_Environment.Variable().type == .value)
        #expect(Mesos_V1_LinuxInfo().shareCgroups)
        #expect(Mesos_V1_Filters().refuseSeconds == 5)
        #expect(Mesos_V1_FrameworkInfo().failoverTimeout == 0)
        #expect(!Mesos_V1_FrameworkInfo().checkpoint)
        #expect(Mesos_V1_Resource().role == "*" && !Mesos_V1_Resource().hasRole)
        #expect(Mesos_V1_ContainerInfo.DockerInfo().network == .host)
        #expect(!Mesos_V1_ContainerInfo.DockerInfo().privileged)
        #expect(Mesos_V1_AgentInfo().port == 5051)
        #expect(Mesos_V1_MasterInfo().port == 5050)
        #expect(Mesos_V1_NetworkInfo.IPAddress().protocol == .ipv4)
    }

    @Test func enumDefaultsAreTheFirstDeclaredValue() {
        #expect(Mesos_V1_TaskStatus().state == .taskStaging)
        #expect(Mesos_V1_TaskState.taskStaging.rawValue == 6)
        #expect(Mesos_V1_TaskStatus().source == .master)
        #expect(Mesos_V1_TaskStatus().reason == .commandExecutorFailed)
        #expect(Mesos_V1_Image().type == .appc)
        #expect(Mesos_V1_Volume().mode == .rw)
        #expect(Mesos_V1_ContainerInfo().type == .docker)
        #expect(Mesos_V1_NetworkInfo.IPAddress().protocol == .ipv4)
        #expect(Mesos_V1_DiscoveryInfo().visibility == .framework)
        #expect(Mesos_V1_Value().type == .scalar)
        #expect(Mesos_V1_Executor_Event().type == .unknown)
        #expect(Mesos_V1_Executor_Call().type == .unknown)
    }

    @Test func healthCheckDefaultsSurviveTheWireAsAbsence() throws {
        var check = Mesos_V1_HealthCheck()
        check.type = .http
        check.http.port = 8080
        let bytes = try MesosEncoding.protobuf.encode(check)
        let back = try MesosEncoding.protobuf.decode(Mesos_V1_HealthCheck.self, from: bytes)
        #expect(!back.hasDelaySeconds && back.delaySeconds == 15 && back.consecutiveFailures == 3)
        // Mesos writes the defaults out in its JSON; they read back as present, same values.
        let mesos = #"{"type":"HTTP","http":{"port":8080,"protocol":"IPv4"},"delay_seconds":15.0,"interval_seconds":10.0,"timeout_seconds":20.0,"consecutive_failures":3,"grace_period_seconds":10.0}"#
        let fromMesos = try MesosEncoding.json.decode(Mesos_V1_HealthCheck.self, text: mesos)
        #expect(fromMesos.hasDelaySeconds && fromMesos.delaySeconds == back.delaySeconds)
        #expect(fromMesos.gracePeriodSeconds == back.gracePeriodSeconds && fromMesos.timeoutSeconds == back.timeoutSeconds)
        #expect(fromMesos != back)  // presence differs, values do not
    }

    // MARK: Presence

    @Test func presenceIsTrackedNotInferredFromValues() throws {
        var status = Mesos_V1_TaskStatus()
        status.taskID = .init("t")
        status.state = .taskStaging  // the default value, set explicitly
        status.healthy = false
        #expect(status.hasState && status.hasHealthy && !status.hasReason)
        for encoding in MesosEncoding.allCases {
            let back = try encoding.decode(Mesos_V1_TaskStatus.self, from: encoding.encode(status))
            #expect(back.hasState && back.state == .taskStaging, "\(encoding)")
            #expect(back.hasHealthy && !back.healthy, "\(encoding)")
            #expect(!back.hasReason && !back.hasSource && !back.hasUuid, "\(encoding)")
            #expect(back == status)
        }
    }

    // MARK: Field numbers

    @Test func callMessageDataIsFieldTwo() throws {
        var message = Mesos_V1_Executor_Call.Message()
        message.data = Data("hi".utf8)
        // Tag (2 << 3) | 2 = 0x12, length 2.
        #expect(try MesosEncoding.protobuf.encode(message) == [0x12, 0x02, 0x68, 0x69])
        var call = Mesos_V1_Executor_Call()
        call.executorID = .init("e")
        call.frameworkID = .init("f")
        call.type = .message
        call.message = message
        // executor_id (1), framework_id (2), type (3) = MESSAGE (3), message (6) holding field 2.
        #expect(try MesosEncoding.protobuf.encode(call) == [0x0A, 0x03, 0x0A, 0x01, 0x65, 0x12, 0x03, 0x0A, 0x01, 0x66, 0x18, 0x03, 0x32, 0x04, 0x12, 0x02, 0x68, 0x69])
        // The executor Event.Message carries its data as field 1.
        var event = Mesos_V1_Executor_Event.Message()
        event.data = Data("hi".utf8)
        #expect(try MesosEncoding.protobuf.encode(event) == [0x0A, 0x02, 0x68, 0x69])
        // Bytes with data as field 1 are not a valid Call.Message (required data missing).
        #expect(throws: BinaryDecodingError.missingRequiredFields) {
            try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Call.Message.self, from: [0x0A, 0x02, 0x68, 0x69])
        }
    }

    @Test func fieldNumbersOfTheReference() throws {
        // A few numbers from docs/reference/mesos-executor-protocol.md §3, checked on the wire.
        var status = Mesos_V1_TaskStatus()
        status.taskID = .init("t")  // 1
        status.state = .taskRunning  // 2
        status.uuid = Data([1])  // 11
        status.containerStatus.executorPid = 5  // 13 { 3 }
        #expect(try MesosEncoding.protobuf.encode(status) == [0x0A, 0x03, 0x0A, 0x01, 0x74, 0x10, 0x01, 0x5A, 0x01, 0x01, 0x6A, 0x02, 0x18, 0x05])
        var event = Mesos_V1_Executor_Event()
        event.type = .launchGroup  // 1 = 8
        event.launchGroup.taskGroup = .init()  // 8 { 1 }
        #expect(try MesosEncoding.protobuf.encode(event) == [0x08, 0x08, 0x42, 0x02, 0x0A, 0x00])
        var ack = Mesos_V1_Scheduler_Call.Acknowledge()
        ack.agentID = .init("a")  // 1
        ack.taskID = .init("t")  // 2
        ack.uuid = Data([9])  // 3
        #expect(try MesosEncoding.protobuf.encode(ack) == [0x0A, 0x03, 0x0A, 0x01, 0x61, 0x12, 0x03, 0x0A, 0x01, 0x74, 0x1A, 0x01, 0x09])
    }

    // MARK: Required fields

    @Test func requiredFieldsAreEnforcedOnEncode() throws {
        var status = Mesos_V1_TaskStatus()
        status.taskID = .init("t")
        // state (required) missing.
        #expect(!status.isInitialized)
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try status.serializedBytes() as [UInt8] }
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try MesosEncoding.protobuf.encode(status) }
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.TaskStatus")) { try MesosEncoding.json.encode(status) }
        status.state = .taskRunning
        #expect(try !MesosEncoding.protobuf.encode(status).isEmpty)
        #expect(try !MesosEncoding.json.encode(status).isEmpty)

        // Nested and inside repeated fields.
        var group = Mesos_V1_TaskGroupInfo()
        var task = Mesos_V1_TaskInfo()
        task.name = "n"
        task.taskID = .init("t")
        group.tasks = [task]  // agent_id missing
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try MesosEncoding.protobuf.encode(group) }
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.TaskGroupInfo")) { try MesosEncoding.json.encode(group) }
        group.tasks[0].agentID = .init("a")
        #expect(try MesosEncoding.protobuf.decode(Mesos_V1_TaskGroupInfo.self, from: MesosEncoding.protobuf.encode(group)) == group)

        // A present sub-message must itself be complete (ContainerID.value).
        var container = Mesos_V1_ContainerStatus()
        container.containerID.parent = .init()
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try MesosEncoding.protobuf.encode(container) }
    }

    @Test func requiredFieldsAreEnforcedOnDecode() throws {
        // TaskStatus with only task_id (field 1): state missing.
        let bytes: [UInt8] = [0x0A, 0x03, 0x0A, 0x01, 0x74]
        #expect(throws: BinaryDecodingError.missingRequiredFields) {
            try MesosEncoding.protobuf.decode(Mesos_V1_TaskStatus.self, from: bytes)
        }
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.TaskStatus")) {
            try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: #"{"task_id":{"value":"t"}}"#)
        }
        // With state (field 2 = TASK_RUNNING): fine.
        #expect(try MesosEncoding.protobuf.decode(Mesos_V1_TaskStatus.self, from: bytes + [0x10, 0x01]).state == .taskRunning)
        // Acknowledged without uuid.
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.executor.Event")) {
            try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: #"{"type":"ACKNOWLEDGED","acknowledged":{"task_id":{"value":"t"}}}"#)
        }
        // Optional sub-messages may be absent: a bare KILL type is fine.
        #expect(try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: #"{"type":"KILL"}"#).type == .kill)
    }
}
