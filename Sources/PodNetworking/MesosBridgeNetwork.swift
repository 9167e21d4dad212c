import PodSystem
import Primitives

/// The network Marathon's `container/bridge` mode asks for (`NetworkInfo.name =
/// "mesos-bridge"`, Marathon's `--mesos_bridge_name`). When the operator's configuration
/// directory has no network of that name, this one is generated into the state directory
/// (never into `/etc`): a `bridge` plugin on a dedicated Linux bridge with masquerading and
/// `host-local` addresses, followed by `portmap` for the endpoints' host ports.
public struct MesosBridgeNetwork: Sendable, Equatable {
    /// Marathon's default bridge network name.
    public static let defaultName = "mesos-bridge"

    /// The network name pods ask for.
    public var name: String
    /// The Linux bridge device (at most 15 bytes).
    public var bridgeName: String
    /// The IPv4 subnet addresses come from, e.g. `172.31.254.0/24`.
    public var subnet: String
    /// `host-local`'s `dataDir` (its IP allocations); nil: `<stateDirectory>/ipam`.
    public var ipamDataDirectory: String?
    /// The `cniVersion` written into the configuration.
    public var cniVersion: String

    /// The default network: `mesos-bridge` on bridge `mesos-cni0` with 172.31.254.0/24.
    public init(name: String = MesosBridgeNetwork.defaultName, bridgeName: String = "mesos-cni0",
                subnet: String = "172.31.254.0/24", ipamDataDirectory: String? = nil, cniVersion: String = "0.4.0") {
        self.name = name
        self.bridgeName = bridgeName
        self.subnet = subnet
        self.ipamDataDirectory = ipamDataDirectory
        self.cniVersion = cniVersion
    }

    /// Checks the bridge name and the subnet.
    public func validate() throws(PodNetworkingError) {
        guard CNINetworkConfig.isValidNetworkName(name) else {
            throw PodNetworkingError(.invalidArgument, "invalid bridge network name '\(name)'")
        }
        guard CNI.isValidInterfaceName(bridgeName) else {
            throw PodNetworkingError(.invalidArgument,
                                     "invalid bridge device name '\(bridgeName)' for network '\(name)' (1–15 bytes, no '/', ':' or spaces)")
        }
        guard Self.isIPv4Network(subnet) else {
            throw PodNetworkingError(.invalidArgument,
                                     "invalid subnet '\(subnet)' for network '\(name)': expected an IPv4 network such as 172.31.254.0/24 (prefix 8–30, host bits zero)")
        }
    }

    /// The configuration list.
    public func document(ipamDataDirectory: String) -> JSONValue {
        .object([
            "cniVersion": .string(cniVersion),
            "name": .string(name),
            "plugins": .array([
                .object([
                    "type": .string("bridge"),
                    "bridge": .string(bridgeName),
                    "isGateway": .bool(true),
                    "ipMasq": .bool(true),
                    // A pod can reach its own host ports through the bridge.
                    "hairpinMode": .bool(true),
                    "ipam": .object([
                        "type": .string("host-local"),
                        "ranges": .array([.array([.object(["subnet": .string(subnet)])])]),
                        "routes": .array([.object(["dst": .string("0.0.0.0/0")])]),
                        "dataDir": .string(ipamDataDirectory),
                    ]),
                ]),
                .object([
                    "type": .string("portmap"),
                    "capabilities": .object(["portMappings": .bool(true)]),
                    "snat": .bool(true),
                ]),
            ]),
        ])
    }

    /// Writes the configuration into `<stateDirectory>/networks/<name>.conflist` (only when
    /// it changed) and returns it parsed.
    func install(stateDirectory: String) throws(PodNetworkingError) -> CNINetworkConfig {
        try validate()
        let directory = stateDirectory + "/networks"
        let path = directory + "/" + name + ".conflist"
        let bytes = document(ipamDataDirectory: ipamDataDirectory ?? stateDirectory + "/ipam").jsonBytes(.sortedKeys)
        do {
            if (try? FileContents.bytes(path, limit: 1 << 20)) != bytes {
                try Directory.create(directory, mode: 0o755)
                try FileContents.writeAtomically(path, bytes, mode: 0o644)
            }
        } catch {
            throw PodNetworkingError(.state, "cannot write the default '\(name)' network configuration \(path): \(error)",
                                     cause: error)
        }
        return try CNINetworkConfig.parse(bytes, source: path)
    }

    /// `a.b.c.d/n` with n in 8…30 and no host bits set.
    static func isIPv4Network(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (8...30).contains(prefix) else { return false }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCII), let number = UInt32(octet), number <= 255 else {
                return false
            }
            value = value << 8 | number
        }
        let hostMask: UInt32 = prefix == 32 ? 0 : (UInt32.max >> UInt32(prefix))
        return value & hostMask == 0
    }
}
