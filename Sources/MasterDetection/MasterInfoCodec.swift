import Foundation
import MesosHTTP
import MesosProtocol
import SwiftProtobuf

/// A leading master's node could not be read as a `MasterInfo`. The text says why, in
/// Mesos' words where it has them (`ZooKeeperMasterDetectorProcess::fetched`); it never
/// holds the node's data.
public struct MasterDetectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How Mesos masters describe themselves in ZooKeeper (`mesos:src/master/detector/zookeeper.cpp`,
/// `mesos:src/master/contender/zookeeper.cpp`): each master's group node holds its
/// `MasterInfo`, written by label: `json.info_N` as JSON (every master since 0.24), `info_N`
/// as a binary protobuf (deprecated, MESOS-2340), or a bare `N` holding the UPID
/// `master@ip:port` (before 0.23).
public enum MasterInfoCodec {
    /// `MASTER_INFO_JSON_LABEL`: what masters write.
    public static let jsonLabel = "json.info"
    /// `MASTER_INFO_LABEL`: the binary protobuf of masters before 0.24.
    public static let binaryLabel = "info"

    /// The `MasterInfo` of a group member's data, decoded by the member's label as Mesos'
    /// detector does. Any other label is an error: `Failed to parse data of unknown label '…'`.
    public static func decode(label: String?, data: [UInt8]) throws(MasterDetectionError) -> Mesos_V1_MasterInfo {
        switch label {
        case nil:
            guard let info = masterInfo(upid: String(decoding: data, as: UTF8.self)) else {
                throw MasterDetectionError("Failed to parse data into a UPID (master@ip:port)")
            }
            return info
        case binaryLabel?:
            guard let info = try? Mesos_V1_MasterInfo(serializedBytes: data), info.isInitialized else {
                throw MasterDetectionError("Failed to parse data into MasterInfo")
            }
            return info
        case jsonLabel?:
            return try decodeJSON(data)
        case let other?:
            throw MasterDetectionError("Failed to parse data of unknown label '\(other)'")
        }
    }

    /// The JSON a Mesos master writes into its `json.info_` node (`JSON::protobuf(masterInfo)`):
    /// proto field names, the fields that are set, keys sorted (stout's `JSON::Object` is a
    /// `std::map`).
    public static func json(_ info: Mesos_V1_MasterInfo) throws -> [UInt8] {
        let proto = try MesosEncoding.json.encode(info)
        let object = try JSONSerialization.jsonObject(with: Data(proto))
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// The `MasterInfo` a UPID stands for (`createMasterInfo(pid)` in
    /// `mesos:src/common/protobuf_utils.cpp`): the address, the packed `ip`, the `pid`; the id
    /// is the UPID itself (Mesos appends a random UUID, which would make every read differ).
    /// Nil unless the text is `id@host:port`.
    static func masterInfo(upid text: String) -> Mesos_V1_MasterInfo? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let at = trimmed.firstIndex(of: "@"), let colon = trimmed.lastIndex(of: ":"), at < colon else { return nil }
        let id = trimmed[..<at]
        let host = String(trimmed[trimmed.index(after: at)..<colon])
        guard !id.isEmpty, !host.isEmpty, let port = UInt16(trimmed[trimmed.index(after: colon)...]), port > 0,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else { return nil }
        var info = Mesos_V1_MasterInfo()
        info.id = trimmed
        info.pid = trimmed
        info.port = UInt32(port)
        info.address.port = Int32(port)
        if let packed = packedIPv4(host) {
            info.ip = packed
            info.address.ip = host
        } else {
            info.ip = 0
            info.hostname = host
            info.address.hostname = host
        }
        return info
    }

    /// Where the master's scheduler API is. Over `http` the address is preferred
    /// (`address.ip`, then the `pid`'s, then the packed `ip`), as the reference advises; over
    /// `https` the host name is (`address.hostname`, then `hostname`), since a certificate
    /// names hosts and every name is verified. The port is `address.port`, else the `pid`'s,
    /// else `port`. Nil when the info names no usable address.
    public static func endpoint(of info: Mesos_V1_MasterInfo, scheme: String) -> MesosEndpoint? {
        let pid = info.hasPid ? hostAndPort(ofUPID: info.pid) : nil
        var addresses: [String] = []
        if info.hasAddress, info.address.hasIp { addresses.append(info.address.ip) }
        if let pid { addresses.append(pid.host) }
        if info.hasIp, info.ip != 0 { addresses.append(unpackedIPv4(info.ip)) }
        var names: [String] = []
        if info.hasAddress, info.address.hasHostname { names.append(info.address.hostname) }
        if info.hasHostname { names.append(info.hostname) }
        let candidates = scheme == "https" ? names + addresses : addresses + names
        guard let host = candidates.first(where: { !$0.isEmpty }) else { return nil }
        var port = Int(info.port)
        if let pid { port = pid.port }
        if info.hasAddress, info.address.port > 0 { port = Int(info.address.port) }
        guard (1...65535).contains(port) else { return nil }
        return MesosEndpoint(scheme: scheme, host: host, port: port)
    }

    /// IPv4 `a.b.c.d` packed as Mesos stores `MasterInfo.ip` (MESOS-1201): `in_addr.s_addr`,
    /// the address in network byte order, read as an integer of this host. `10.0.0.11` is
    /// 184549386 on x86.
    public static func packedIPv4(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return address.s_addr
    }

    /// The dotted form of a packed `MasterInfo.ip`.
    public static func unpackedIPv4(_ packed: UInt32) -> String {
        withUnsafeBytes(of: packed) { bytes in bytes.map { String($0) }.joined(separator: ".") }
    }

    /// `JSON → MasterInfo` as `::protobuf::parse<MasterInfo>` does: unknown keys ignored,
    /// required fields (`id`, `ip`, `port`, `address.port`) checked.
    private static func decodeJSON(_ data: [UInt8]) throws(MasterDetectionError) -> Mesos_V1_MasterInfo {
        guard let object = try? JSONSerialization.jsonObject(with: Data(data)) else {
            throw MasterDetectionError("Failed to parse data into valid JSON: not JSON")
        }
        guard object is [String: Any] else {
            throw MasterDetectionError("Failed to parse data into valid JSON: not a JSON object")
        }
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        let info: Mesos_V1_MasterInfo
        do {
            info = try Mesos_V1_MasterInfo(jsonUTF8Bytes: MesosJSON.ignoringJSONNames(data), options: options)
        } catch {
            throw MasterDetectionError("Failed to parse JSON into a valid MasterInfo protocol buffer: \(error)")
        }
        var missing: [String] = []
        if !info.hasID { missing.append("id") }
        if !info.hasIp { missing.append("ip") }
        if !info.hasPort { missing.append("port") }
        if info.hasAddress && !info.address.hasPort { missing.append("address.port") }
        guard missing.isEmpty, info.isInitialized else {
            let list = missing.isEmpty ? "of a nested message" : missing.joined(separator: ", ")
            throw MasterDetectionError("Failed to parse JSON into a valid MasterInfo protocol buffer: Missing required fields: \(list)")
        }
        return info
    }

    /// `host` and `port` of `id@host:port`.
    private static func hostAndPort(ofUPID upid: String) -> (host: String, port: Int)? {
        guard let at = upid.firstIndex(of: "@"), let colon = upid.lastIndex(of: ":"), at < colon,
              let port = Int(upid[upid.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        let host = String(upid[upid.index(after: at)..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}
