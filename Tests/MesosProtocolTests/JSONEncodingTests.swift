import Foundation
import SwiftProtobuf
import Testing

import MesosProtocol

/// Mesos' JSON dialect (docs/reference/mesos-executor-protocol.md §1.4) as `MesosEncoding.json` writes and reads it.
@Suite("JSON encoding")
struct JSONEncodingTests {
    static let uuid: [UInt8] = [0xCF, 0x34, 0x4A, 0x3A, 0x7D, 0x5B, 0x46, 0x76, 0xB9, 0xC2, 0x4C, 0x40, 0x70, 0x70, 0xA5, 0x33]

    static var update: Mesos_V1_Executor_Call {
        var call = Mesos_V1_Executor_Call()
        call.type = .update
        call.frameworkID = .init("3c7e1a2b-5f6d-4e8a-9b0c-1d2e3f4a5b6c-0001")
        call.executorID = .init("instance-prod_web.6f1c1d2e")
        var status = Mesos_V1_TaskStatus()
        status.taskID = .init("prod_web.instance-6f1c1d2e.nginx.1")
        status.state = .taskRunning
        status.source = .executor
        status.reason = .containerLaunchFailed
        status.executorID = call.executorID
        status.uuid = Data(uuid)
        status.timestamp = 1_700_000_001.5
        status.healthy = false
        status.containerStatus.containerID.value = "9d0f1a2b"
        status.containerStatus.containerID.parent.value = "b4c1f0de"
        call.update.status = status
        return call
    }

    // MARK: Writing

    @Test func encodesProtoFieldNamesEnumNamesAndPaddedBase64() throws {
        let text = String(decoding: try MesosEncoding.json.encode(Self.update), as: UTF8.self)
        for key in ["\"framework_id\"", "\"executor_id\"", "\"task_id\"", "\"container_status\"", "\"container_id\""] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        for camel in ["frameworkId", "executorId", "taskId", "containerStatus", "containerId"] {
            #expect(!text.contains(camel))
        }
        let json = try JSON(parsing: text)
        #expect(json["type"] == .string("UPDATE"))
        let status = try #require(json["update"]?["status"])
        #expect(status["state"] == .string("TASK_RUNNING"))
        #expect(status["source"] == .string("SOURCE_EXECUTOR"))
        #expect(status["reason"] == .string("REASON_CONTAINER_LAUNCH_FAILED"))
        #expect(status["healthy"] == .bool(false))
        #expect(status["timestamp"] == .number(1_700_000_001.5))
        let uuid = try #require(status["uuid"]?.string)
        #expect(uuid == "zzRKOn1bRna5wkxAcHClMw==")
        #expect(uuid.count == 24 && uuid.hasSuffix("=="))
    }

    @Test func randomUUIDsAreAlways24PaddedCharacters() throws {
        for _ in 0..<200 {
            var ack = Mesos_V1_Executor_Event.Acknowledged()
            ack.taskID = .init("t")
            ack.uuid = Data(MesosUUID.random())
            let uuid = try #require(try ack.mesosJSON()["uuid"]?.string)
            #expect(uuid.count == 24 && uuid.hasSuffix("=="))
            #expect(!uuid.contains("-") && !uuid.contains("_"))  // standard alphabet
        }
    }

    @Test func jsonRoundTripIsStable() throws {
        let message = Self.update
        let first = try MesosEncoding.json.encode(message)
        let decoded = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, from: first)
        #expect(decoded == message)
        let second = try MesosEncoding.json.encode(decoded)
        #expect(second == first)
        #expect(try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, from: second) == message)
    }

    @Test func encodingRequiresInitializedMessages() {
        var call = Self.update
        call.update.status.clearTaskID()
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.executor.Call")) {
            try MesosEncoding.json.encode(call)
        }
        #expect(throws: BinaryEncodingError.missingRequiredFields) { try MesosEncoding.protobuf.encode(call) }
    }

    @Test func sixtyFourBitIntegersAreWrittenAsStringsAndReadEitherWay() throws {
        // swift-protobuf writes int64/uint64 as JSON strings; Mesos accepts numeric strings.
        var range = Mesos_V1_Value.Range()
        range.begin = 31000
        range.end = 32000
        #expect(try range.mesosJSON() == .object(["begin": .string("31000"), "end": .string("32000")]))
        // Mesos writes them as numbers.
        let fromNumbers = try MesosEncoding.json.decode(Mesos_V1_Value.Range.self, text: #"{"begin":31000,"end":32000}"#)
        #expect(fromNumbers == range)
        var grace = Mesos_V1_DurationInfo()
        grace.nanoseconds = 30_000_000_000
        #expect(try MesosEncoding.json.decode(Mesos_V1_DurationInfo.self, text: #"{"nanoseconds":30000000000}"#) == grace)
        #expect(try MesosEncoding.json.decode(Mesos_V1_DurationInfo.self, text: #"{"nanoseconds":"30000000000"}"#) == grace)
    }

    @Test func infiniteLimitsAreWrittenQuoted() throws {
        var task = Mesos_V1_TaskInfo()
        task.name = "t"
        task.taskID = .init("t")
        task.agentID = .init("a")
        var unlimited = Mesos_V1_Value.Scalar()
        unlimited.value = .infinity
        task.limits["cpus"] = unlimited
        let text = String(decoding: try MesosEncoding.json.encode(task), as: UTF8.self)
        #expect(text.contains(#""limits":{"cpus":{"value":"Infinity"}}"#))
        #expect(try MesosEncoding.json.decode(Mesos_V1_TaskInfo.self, text: text) == task)
    }

    // MARK: Reading Mesos' dialect

    @Test func bareInfinityInLimitsDecodes() throws {
        // What Mesos writes (rapidjson kWriteNanAndInfFlag): not strict JSON.
        let text = #"{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},"limits":{"cpus":{"value":Infinity},"mem":{"value":-Infinity},"disk":{"value":NaN},"gpus":{"value":1.0}}}"#
        #expect(throws: (any Error).self) { try JSON(parsing: text) }  // not JSON as is
        let task = try MesosEncoding.json.decode(Mesos_V1_TaskInfo.self, text: text)
        #expect(task.limits["cpus"]?.value == .infinity)
        #expect(task.limits["mem"]?.value == -.infinity)
        #expect(task.limits["disk"]?.value.isNaN == true)
        #expect(task.limits["gpus"]?.value == 1)
    }

    @Test func quoteNonFiniteNumbersLeavesStringsAlone() {
        func q(_ s: String) -> String { String(decoding: MesosJSON.quoteNonFiniteNumbers(Array(s.utf8)), as: UTF8.self) }
        #expect(q(#"{"v":Infinity}"#) == #"{"v":"Infinity"}"#)
        #expect(q(#"[Infinity,-Infinity,NaN,1]"#) == #"["Infinity","-Infinity","NaN",1]"#)
        #expect(q(#"{"message":"Infinity and NaN"}"#) == #"{"message":"Infinity and NaN"}"#)
        #expect(q(#"{"m":"a \"quoted\" Infinity","v":Infinity}"#) == #"{"m":"a \"quoted\" Infinity","v":"Infinity"}"#)
        #expect(q(#"{"m":"ends with backslash\\","v":NaN}"#) == #"{"m":"ends with backslash\\","v":"NaN"}"#)
        #expect(q(#"{"Infinity":1}"#) == #"{"Infinity":1}"#)
        #expect(q(#"{"v":"Infinity"}"#) == #"{"v":"Infinity"}"#)
        #expect(q("Infinit") == "Infinit")
        #expect(q("-I") == "-I")
    }

    @Test func unknownKeysAreIgnored() throws {
        let text = #"{"type":"UPDATE","framework_id":{"value":"f","extra":1},"executor_id":{"value":"e"},"future_field":{"nested":[1,{"x":null}],"s":"t"},"update":{"status":{"task_id":{"value":"t"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","new_thing":true}},"...":"..."}"#
        let call = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: text)
        #expect(call.frameworkID.value == "f")
        #expect(call.update.status.state == .taskRunning)
        #expect(try call.mesosJSON()["future_field"] == nil)
    }

    @Test func camelCaseKeysAreIgnoredSoRequiredFieldsAreMissing() throws {
        // Mesos: 400 "Missing required fields: executor_id, framework_id, update.status.task_id".
        let camel = #"{"type":"UPDATE","frameworkId":{"value":"f"},"executorId":{"value":"e"},"update":{"status":{"taskId":{"value":"t"},"state":"TASK_STARTING","source":"SOURCE_EXECUTOR"}}}"#
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.executor.Call")) {
            try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: camel)
        }
        // An optional field under its camelCase name is silently lost, as in Mesos.
        let optional = #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","containerStatus":{"executorPid":7},"container_status":{"executor_pid":8}}"#
        let status = try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: optional)
        #expect(status.containerStatus.executorPid == 8)
        let onlyCamel = #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","containerStatus":{"executor_pid":7}}"#
        #expect(try !MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: onlyCamel).hasContainerStatus)
        // Escapes are read as JSON reads them: an escaped "_" still names the field, an
        // escaped upper-case letter makes a camelCase name.
        let escaped = #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","executor\u005fid":{"value":"e"}}"#
        #expect(try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: escaped).executorID.value == "e")
        let escapedCamel = #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","executor\u0049d":{"value":"e"},"agent\"Id":1}"#
        #expect(try !MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: escapedCamel).hasExecutorID)
        // Values with upper-case letters are untouched.
        let values = #"{"task_id":{"value":"Task-ABC"},"state":"TASK_RUNNING","message":"Some Message","executor_id":{"value":"EXEC"}}"#
        let decoded = try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: values)
        #expect(decoded.taskID.value == "Task-ABC" && decoded.message == "Some Message" && decoded.executorID.value == "EXEC")
    }

    @Test func mapKeysKeepTheirCase() throws {
        // `limits` is a map: its keys are data, not field names.
        let text = #"{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},"limits":{"Cpus":{"value":2,"extraKey":1},"mem":{"value":64}},"labels":{"labels":[{"key":"UPPER","value":"V"}]}}"#
        let task = try MesosEncoding.json.decode(Mesos_V1_TaskInfo.self, text: text)
        #expect(task.limits["Cpus"]?.value == 2)
        #expect(task.limits["mem"]?.value == 64)
        #expect(task.labels.labels.first?.key == "UPPER")
        let transformed = String(decoding: MesosJSON.ignoringJSONNames(Array(text.utf8)), as: UTF8.self)
        #expect(transformed.contains(#""Cpus":"#))
        #expect(!transformed.contains(#""extraKey""#))
    }

    @Test func ignoringJSONNamesNeverCrashesOnGarbage() {
        var generator = SeededGenerator(seed: 77)
        let alphabet = Array(#"{}[]:,"\aZ 1"#.utf8)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...60, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let out = MesosJSON.ignoringJSONNames(bytes)
            // Only key renames: the output is at least as long and every input byte is kept in order.
            #expect(out.count >= bytes.count)
            var it = out.makeIterator()
            #expect(bytes.allSatisfy { b in while let o = it.next() { if o == b { return true } }; return false })
            // And decoding it never crashes.
            _ = try? MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, from: bytes)
        }
    }

    @Test func unknownEnumNames() throws {
        // Optional field: swift-protobuf (ignoreUnknownFields) drops the value, the field is
        // unset, exactly as Mesos does ("type":"FOO" → "Expecting 'type' to be present").
        let call = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: #"{"type":"FOO","framework_id":{"value":"f"},"executor_id":{"value":"e"}}"#)
        #expect(!call.hasType)
        #expect(call.type == .unknown)
        let status = try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","reason":"REASON_FROM_THE_FUTURE","source":"SOURCE_NEW"}"#)
        #expect(!status.hasReason && !status.hasSource)
        // Inside a repeated message field: that element's field is unset, the element stays.
        let info = try MesosEncoding.json.decode(Mesos_V1_FrameworkInfo.self, text: #"{"user":"u","name":"n","capabilities":[{"type":"MULTI_ROLE"},{"type":"TELEPORTATION"}]}"#)
        #expect(info.capabilities.count == 2)
        #expect(info.capabilities[0].type == .multiRole && !info.capabilities[1].hasType)
        // Required field: unset, so the message is not initialized (Mesos: an error).
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.TaskStatus")) {
            try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: #"{"task_id":{"value":"t"},"state":"TASK_FROM_THE_FUTURE"}"#)
        }
    }

    @Test func otherInputFormsMesosAccepts() throws {
        // Unpadded base64 (the agent accepted it and echoed the uuid padded).
        let unpadded = try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","uuid":"zzRKOn1bRna5wkxAcHClMw"}"#)
        #expect(Array(unpadded.uuid) == Self.uuid)
        // null = unset.
        let null = try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","message":null}"#)
        #expect(!null.hasMessage)
        // Numeric strings for doubles.
        let stringDouble = try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","timestamp":"1.5"}"#)
        #expect(stringDouble.timestamp == 1.5)
        // Whitespace and pretty-printing.
        let pretty = "{\n  \"task_id\" : { \"value\" : \"t\" },\n  \"state\" : \"TASK_RUNNING\"\n}\n"
        #expect(try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: pretty).state == .taskRunning)
    }

    @Test func knownDeviationsFromMesos() throws {
        // Documented differences of swift-protobuf's parser from Mesos' (stout) one. If one of
        // these starts failing, the deviation is gone: update the reference notes.
        // 1. Mesos rejects numbers for enums; swift-protobuf accepts them.
        let numeric = try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: #"{"task_id":{"value":"t"},"state":1}"#)
        #expect(numeric.state == .taskRunning)
        // 2. Mesos accepts "true"/"false" strings for bools; swift-protobuf does not.
        #expect(throws: (any Error).self) {
            try MesosEncoding.json.decode(Mesos_V1_TaskStatus.self, text: #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","healthy":"true"}"#)
        }
    }

    @Test func decodingRequiresInitializedMessages() throws {
        // No executor_id / framework_id (required): Mesos answers "Missing required fields".
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.executor.Call")) {
            try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: #"{"type":"HEARTBEAT"}"#)
        }
        // Nested: update.status.state missing.
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.executor.Call")) {
            try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: #"{"type":"UPDATE","framework_id":{"value":"f"},"executor_id":{"value":"e"},"update":{"status":{"task_id":{"value":"t"}}}}"#)
        }
        // Inside a repeated field.
        #expect(throws: MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.executor.Event")) {
            try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, text: #"{"type":"LAUNCH_GROUP","launch_group":{"task_group":{"tasks":[{"name":"n","task_id":{"value":"t"}}]}}}"#)
        }
        // The library's HEARTBEAT with dummy ids is fine.
        let heartbeat = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: #"{"type":"HEARTBEAT","framework_id":{"value":"unused"},"executor_id":{"value":"unused"}}"#)
        #expect(heartbeat.type == .heartbeat)
        // Not JSON at all.
        #expect(throws: (any Error).self) { try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: "{not json") }
        #expect(throws: (any Error).self) { try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, text: "") }
    }

    @Test func missingRequiredFieldsErrorNamesItself() {
        // LocalMesos' MesosCallParser turns any error whose text contains
        // "missingRequiredFields" into Mesos' "Missing required fields": keep that true.
        let error: any Error = MesosEncodingError.missingRequiredFields(messageName: "mesos.v1.executor.Call")
        #expect("\(error)".contains("missingRequiredFields"))
        #expect("\(BinaryDecodingError.missingRequiredFields)".contains("missingRequiredFields"))
    }

    @Test func mediaTypes() {
        #expect(MesosEncoding.json.mediaType == "application/json")
        #expect(MesosEncoding.protobuf.mediaType == "application/x-protobuf")
        #expect(MesosEncoding(mediaType: "application/json") == .json)
        #expect(MesosEncoding(mediaType: "application/x-protobuf") == .protobuf)
        // String equality, like the agent: a charset parameter is a 415 there.
        #expect(MesosEncoding(mediaType: "application/json; charset=utf-8") == nil)
        #expect(MesosEncoding(mediaType: "Application/JSON") == nil)
        #expect(MesosEncoding(mediaType: "") == nil)
    }
}
