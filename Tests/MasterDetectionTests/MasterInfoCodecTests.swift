import Foundation
import MasterDetection
import MesosHTTP
import MesosProtocol
import Testing

/// The master's node as Mesos writes it and as the detector reads it, checked against the
/// reference's example (`docs/reference/mesos-cluster-operations.md` §1.3) and Mesos' decoding by label.
@Suite struct MasterInfoCodecTests {
    /// `/mesos/json.info_0000000042` of the reference, as a master writes it (keys sorted).
    static let referenceJSON = #"{"address":{"hostname":"m1.example.com","ip":"10.0.0.11","port":5050},"#
        + #""capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}],"#
        + #""hostname":"m1.example.com","id":"1b9e5c0e-7f1c-4c55-9d6d-0e9c1e2d7c11","ip":184549386,"#
        + #""pid":"master@10.0.0.11:5050","port":5050,"version":"1.11.0"}"#

    static var referenceInfo: Mesos_V1_MasterInfo {
        var info = Mesos_V1_MasterInfo()
        info.id = "1b9e5c0e-7f1c-4c55-9d6d-0e9c1e2d7c11"
        info.ip = 184_549_386
        info.port = 5050
        info.pid = "master@10.0.0.11:5050"
        info.hostname = "m1.example.com"
        info.version = "1.11.0"
        info.address.hostname = "m1.example.com"
        info.address.ip = "10.0.0.11"
        info.address.port = 5050
        let types: [Mesos_V1_MasterInfo.Capability.TypeEnum] = [.agentUpdate, .agentDraining, .quotaV2]
        info.capabilities = types.map {
            var capability = Mesos_V1_MasterInfo.Capability()
            capability.type = $0
            return capability
        }
        return info
    }

    @Test("the reference's json.info payload decodes; written back it is the same bytes, keys sorted")
    func referencePayload() throws {
        let info = try MasterInfoCodec.decode(label: "json.info", data: Array(Self.referenceJSON.utf8))
        #expect(info == Self.referenceInfo)
        #expect(String(decoding: try MasterInfoCodec.json(Self.referenceInfo), as: UTF8.self) == Self.referenceJSON)
    }

    @Test("ip is the IPv4 address packed in network byte order and read as a host integer (MESOS-1201)")
    func packedIP() {
        #expect(MasterInfoCodec.packedIPv4("10.0.0.11") == 184_549_386)
        #expect(MasterInfoCodec.packedIPv4("127.0.0.1") == 16_777_343)  // as the recorded Mesos 1.12 SUBSCRIBED says
        #expect(MasterInfoCodec.unpackedIPv4(184_549_386) == "10.0.0.11")
        #expect(MasterInfoCodec.packedIPv4("m1.example.com") == nil)
    }

    @Test("the endpoint: address.ip and address.port over http, the host name over https")
    func endpoints() {
        var info = Self.referenceInfo
        #expect(MasterInfoCodec.endpoint(of: info, scheme: "http") == MesosEndpoint(host: "10.0.0.11", port: 5050))
        #expect(MasterInfoCodec.endpoint(of: info, scheme: "https") == MesosEndpoint(scheme: "https", host: "m1.example.com", port: 5050))
        // address wins over the deprecated fields, whatever they say.
        info.address.port = 5051
        info.port = 6060
        info.ip = MasterInfoCodec.packedIPv4("10.9.9.9") ?? 0
        #expect(MasterInfoCodec.endpoint(of: info, scheme: "http") == MesosEndpoint(host: "10.0.0.11", port: 5051))
        // Without an address: the pid, then the packed ip.
        info.clearAddress()
        #expect(MasterInfoCodec.endpoint(of: info, scheme: "http") == MesosEndpoint(host: "10.0.0.11", port: 5050))
        info.clearPid()
        #expect(MasterInfoCodec.endpoint(of: info, scheme: "http") == MesosEndpoint(host: "10.9.9.9", port: 6060))
        info.ip = 0
        #expect(MasterInfoCodec.endpoint(of: info, scheme: "http") == MesosEndpoint(host: "m1.example.com", port: 6060))
        info.clearHostname()
        #expect(MasterInfoCodec.endpoint(of: info, scheme: "http") == nil)
    }

    @Test("label info: a binary MasterInfo; no label: a UPID")
    func olderLabels() throws {
        let binary = try Self.referenceInfo.serializedBytes() as [UInt8]
        #expect(try MasterInfoCodec.decode(label: "info", data: binary) == Self.referenceInfo)
        let upid = try MasterInfoCodec.decode(label: nil, data: Array("master@10.0.0.1:5050\n".utf8))
        #expect(upid.pid == "master@10.0.0.1:5050")
        #expect(upid.ip == MasterInfoCodec.packedIPv4("10.0.0.1"))
        #expect(upid.address.ip == "10.0.0.1" && upid.address.port == 5050 && upid.port == 5050)
        #expect(MasterInfoCodec.endpoint(of: upid, scheme: "http") == MesosEndpoint(host: "10.0.0.1", port: 5050))
    }

    @Test("what cannot be decoded gets Mesos' error, by label, without the data")
    func errors() {
        func failure(_ label: String?, _ text: String) -> String {
            do {
                _ = try MasterInfoCodec.decode(label: label, data: Array(text.utf8))
                return "decoded"
            } catch {
                return error.description
            }
        }
        #expect(failure("foo", #"{"id":"x"}"#) == "Failed to parse data of unknown label 'foo'")
        #expect(failure("json.info", "secret-garbage").hasPrefix("Failed to parse data into valid JSON"))
        #expect(!failure("json.info", "secret-garbage").contains("secret"))
        #expect(failure("json.info", "[1]") == "Failed to parse data into valid JSON: not a JSON object")
        #expect(failure("json.info", #"{"hostname":"m"}"#)
                == "Failed to parse JSON into a valid MasterInfo protocol buffer: Missing required fields: id, ip, port")
        #expect(failure("json.info", #"{"id":"a","ip":1,"port":5050,"address":{"ip":"10.0.0.1"}}"#)
                == "Failed to parse JSON into a valid MasterInfo protocol buffer: Missing required fields: address.port")
        #expect(failure("json.info", #"{"id":"a","ip":"x","port":5050}"#).hasPrefix("Failed to parse JSON into a valid MasterInfo protocol buffer"))
        #expect(failure("info", "\u{FF}\u{FF}") == "Failed to parse data into MasterInfo")
        #expect(failure(nil, "not a pid") == "Failed to parse data into a UPID (master@ip:port)")
        #expect(failure(nil, "master@10.0.0.1:0") == "Failed to parse data into a UPID (master@ip:port)")
        // Unknown keys are ignored, as stout's parser ignores them.
        #expect(failure("json.info", #"{"id":"a","ip":1,"port":5050,"future_field":{"x":1}}"#) == "decoded")
    }
}
