import Foundation
import Primitives
import SwiftProtobuf
import Testing

import MesosProtocol

/// `executor-protobuf-stream.json`: a CUSTOM executor speaking `application/x-protobuf`.
/// Golden protobuf bytes of every event record and of the executor's calls.
@Suite("Protobuf goldens")
struct ProtobufGoldenTests {
    static let file = "executor-protobuf-stream.json"

    @Test func everyEventRecordDecodesMatchesAndReserializesIdentically() throws {
        let records = try #require(try Golden.json(Self.file)["records"]?.array)
        #expect(records.count == 8)
        var types: [String] = []
        for (index, record) in records.enumerated() {
            let b64 = try #require(record["payload_b64"]?.string)
            let hex = try #require(record["payload_hex"]?.string)
            let bytes = try #require(base64Bytes(b64))
            #expect(Hex.decode(hex) == bytes, "record \(index): hex and base64 agree")
            #expect(record["length_prefix"]?.string == String(bytes.count))
            #expect(record["seq"]?.number == Double(index))

            let event = try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Event.self, from: bytes)
            // No field outside our protos (they would be kept as unknown fields).
            #expect(event.unknownFields.data.isEmpty, "record \(index)")
            // Same content as the recorder's decode.
            let decoded = try #require(record["decoded"])
            #expect(mesosJSONDifference(decoded, try event.mesosJSON()) == nil, "record \(index)")
            // The recording says re-serializing reproduced the wire bytes: so must we.
            #expect(record["reserialization_identical_to_wire"]?.bool == true)
            #expect(try MesosEncoding.protobuf.encode(event) == bytes, "record \(index): re-serialization")
            // And the JSON form of the same event decodes to the same message.
            #expect(try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, from: MesosEncoding.json.encode(event)) == event)
            types.append(try #require(record["type"]?.string))
        }
        #expect(types == ["SUBSCRIBED", "LAUNCH_GROUP"] + Array(repeating: "ACKNOWLEDGED", count: 6))
    }

    @Test func subscribedAndLaunchGroupFields() throws {
        let records = try #require(try Golden.json(Self.file)["records"]?.array)
        let s0 = try #require(records[0]["payload_b64"]?.string)
        let s1 = try #require(records[1]["payload_b64"]?.string)
        let subscribed = try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Event.self, from: try #require(base64Bytes(s0)))
        #expect(subscribed.type == .subscribed)
        #expect(subscribed.subscribed.executorInfo.executorID.value == "pb-exec")
        #expect(subscribed.subscribed.executorInfo.resources.allSatisfy { $0.allocationInfo.role == "*" })
        #expect(subscribed.subscribed.frameworkInfo.capabilities.count == 3)
        // Explicit defaults are on the wire in protobuf too: presence survives decoding.
        #expect(subscribed.subscribed.executorInfo.command.hasShell)
        #expect(subscribed.subscribed.agentInfo.hasPort && subscribed.subscribed.agentInfo.port == 5051)

        let group = try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Event.self, from: try #require(base64Bytes(s1)))
        #expect(group.type == .launchGroup)
        #expect(group.launchGroup.taskGroup.tasks.map(\.taskID.value) == ["pb-t1", "pb-t2"])
        #expect(group.launchGroup.taskGroup.tasks.allSatisfy { $0.executor.executorID.value == "pb-exec" })
    }

    @Test func acknowledgementsMatchTheUpdatesSent() throws {
        let fixture = try Golden.json(Self.file)
        let records = try #require(fixture["records"]?.array)
        var acked: [String] = []
        for record in records.dropFirst(2) {
            let b64 = try #require(record["payload_b64"]?.string)
            let bytes = try #require(base64Bytes(b64))
            #expect(bytes.count == 31)
            let event = try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Event.self, from: bytes)
            #expect(event.type == .acknowledged)
            #expect(event.acknowledged.uuid.count == 16 && MesosUUID.isValid(event.acknowledged.uuid))
            acked.append(event.acknowledged.uuid.base64EncodedString())
        }
        var sent: [String] = []
        for task in ["pb-t1", "pb-t2"] {
            sent += try #require(fixture["tasks"]?[task]?["sent"]?.array).compactMap { $0["uuid"]?.string }
        }
        #expect(Set(acked) == Set(sent))
        #expect(acked.count == sent.count)
    }

    @Test func updateCallsAsProtobufBytes() throws {
        let calls = try #require(try Golden.json(Self.file)["calls"]?.array)
        var protobufUpdates = 0
        for call in calls {
            let purpose = call["purpose"]?.string ?? "?"
            let contentType = call["request_headers"]?.array?.first { $0[0]?.string == "Content-Type" }?[1]?.string
            let b64 = try #require(call["request_body_b64"]?.string)
            let body = try #require(base64Bytes(b64))
            switch (contentType, call["status"]?.number) {
            case ("application/x-protobuf", 202):
                let decoded = try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Call.self, from: body)
                #expect(decoded.unknownFields.data.isEmpty)
                #expect(decoded.executorID.value == "pb-exec")
                #expect(try MesosEncoding.protobuf.encode(decoded) == body, "\(purpose): re-serialization")
                if let json = call["request_body_json"], json.object != nil {
                    #expect(decoded.type == .update, "\(purpose)")
                    #expect(mesosJSONDifference(json, try decoded.mesosJSON()) == nil, "\(purpose)")
                    #expect(decoded.update.status.source == .executor)
                    #expect(MesosUUID.isValid(decoded.update.status.uuid))
                    protobufUpdates += 1
                } else {
                    #expect(decoded.type == .heartbeat, "\(purpose)")
                }
            case ("application/json", 202):
                // The one UPDATE sent as JSON on the protobuf executor.
                let text = try #require(call["request_body_json"]?.string)
                #expect(body == Array(text.utf8))
                let decoded = try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, from: body)
                #expect(decoded.type == .update && decoded.update.status.state == .taskRunning)
            case ("application/json", 400):
                // Protobuf bytes labelled JSON: "Failed to parse body into JSON".
                #expect(call["body"]?.string?.hasPrefix("Failed to parse body into JSON") == true)
                #expect(throws: (any Error).self) { try MesosEncoding.json.decode(Mesos_V1_Executor_Call.self, from: body) }
                #expect(try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Call.self, from: body).type == .heartbeat)
            default:
                Issue.record("unexpected call \(purpose)")
            }
        }
        #expect(protobufUpdates == 5)
    }

    @Test func subscribeRequestBytes() throws {
        let request = try #require(try Golden.json(Self.file)["subscribe_request"])
        let b64 = try #require(request["body_b64"]?.string)
        let body = try #require(base64Bytes(b64))
        #expect(Hex.decode(try #require(request["body_hex"]?.string)) == body)
        let call = try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Call.self, from: body)
        #expect(call.type == .subscribe)
        #expect(mesosJSONDifference(try #require(request["body_as_json"]), try call.mesosJSON()) == nil)
        #expect(try MesosEncoding.protobuf.encode(call) == body)
        // Our own SUBSCRIBE, built from scratch, is byte-identical.
        var ours = Mesos_V1_Executor_Call()
        ours.executorID = .init(call.executorID.value)
        ours.frameworkID = .init(call.frameworkID.value)
        ours.type = .subscribe
        ours.subscribe = .init()
        #expect(call.hasSubscribe == ours.hasSubscribe)
        if call.hasSubscribe {
            #expect(try MesosEncoding.protobuf.encode(ours) == body)
        }
    }

    @Test func truncatedOrCorruptBytesAreRejected() throws {
        let records = try #require(try Golden.json(Self.file)["records"]?.array)
        let b64 = try #require(records[1]["payload_b64"]?.string)
        let bytes = try #require(base64Bytes(b64))
        // Every proper prefix either fails to parse or lacks required fields, or (at a field
        // boundary) decodes to something different: never silently the same event.
        let full = try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Event.self, from: bytes)
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            if let partial = try? MesosEncoding.protobuf.decode(Mesos_V1_Executor_Event.self, from: bytes[..<cut]) {
                #expect(partial != full, "cut at \(cut)")
            }
        }
        // A JSON body is not protobuf.
        #expect(throws: (any Error).self) {
            try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Event.self, from: Array(#"{"type":"HEARTBEAT"}"#.utf8))
        }
    }
}
