import Foundation
import Logging
import PodSystem
import PodTestFixtures
import Synchronization
import Testing
@testable import PodNetworking
#if canImport(Glibc)
import Glibc
#endif

/// Everything one network test creates — a temporary tree (configurations, state, IPAM
/// data, namespaces), a Linux bridge with a test subnet, namespaces, servers — and its
/// removal, which runs even when the test fails.
final class NetworkLab {
    let root: String
    let configDirectory: String
    let stateDirectory: String
    let ipamDirectory: String
    let namespaceDirectory: String
    let pluginDirectory: String
    let bridge: String
    /// `10.199.<n>`: the test's /24.
    let subnetPrefix: String
    var subnet: String { subnetPrefix + ".0/24" }
    private(set) var namespaces: [NetworkNamespace] = []
    private(set) var servers: [BackgroundProcess] = []
    private(set) var containerIDs: [String] = []
    private(set) var extraBridges: [String] = []

    private static let counter = Mutex(Int.random(in: 0..<200))

    /// Fails (not skips) when run as root without the plugins and tools the tests need.
    static func requireTools() throws {
        for plugin in ["bridge", "host-local", "portmap", "loopback"] {
            try #require(access(TestSupport.pluginDirectory + "/" + plugin, X_OK) == 0,
                         "CNI plugin '\(plugin)' is missing from \(TestSupport.pluginDirectory): apt-get install containernetworking-plugins")
        }
        for tool in ["ip", "iptables", "iptables-save", "nsenter"] {
            try #require(Host.locate(tool) != nil, "'\(tool)' is missing: apt-get install iproute2 iptables util-linux")
        }
        try #require(access(Host.python, X_OK) == 0, "\(Host.python) is missing: apt-get install python3")
    }

    init(_ label: String) throws {
        try Self.requireTools()
        let n = Self.counter.withLock { value -> Int in
            value += 1
            return value % 250 + 1
        }
        subnetPrefix = "10.199.\(n)"
        let tag = String(UInt32.random(in: 0...0xffffff), radix: 16)
        bridge = "pnt\(tag)"
        root = try Host.temporaryDirectory(label)
        configDirectory = root + "/net.d"
        stateDirectory = root + "/state"
        ipamDirectory = root + "/ipam"
        namespaceDirectory = root + "/netns"
        pluginDirectory = root + "/plugins"
        for directory in [configDirectory, stateDirectory, ipamDirectory, pluginDirectory] {
            try Directory.create(directory, mode: 0o755)
        }
    }

    /// A CNI front end on the lab's directories; the default bridge network uses the lab's
    /// bridge device, subnet and IPAM directory.
    func cni(pluginDirectories: [String]? = nil) -> CNI {
        CNI(configuration: CNI.Configuration(
            configDirectory: configDirectory,
            pluginDirectories: pluginDirectories ?? [pluginDirectory, TestSupport.pluginDirectory],
            stateDirectory: stateDirectory,
            defaultBridge: MesosBridgeNetwork(bridgeName: bridge, subnet: subnet, ipamDataDirectory: ipamDirectory),
            pluginTimeout: .seconds(30)),
            logger: Logger(label: "test.cni"))
    }

    /// A container id the lab cleans up.
    func containerID(_ label: String) -> String {
        let id = "\(label)-\(UInt32.random(in: 0...UInt32.max))"
        containerIDs.append(id)
        return id
    }

    func namespace(_ name: String) throws -> NetworkNamespace {
        let namespace = try NetworkNamespace.create(name: name, directory: namespaceDirectory)
        namespaces.append(namespace)
        return namespace
    }

    /// Writes a bridge network configuration list (bridge + host-local [+ portmap]).
    @discardableResult
    func writeBridgeNetwork(name: String, bridge device: String? = nil, subnet: String? = nil, portmap: Bool = false,
                            version: String = "1.0.0") throws -> String {
        let device = device ?? bridge
        if device != bridge { extraBridges.append(device) }
        var plugins = ["""
        {"type": "bridge", "bridge": "\(device)", "isGateway": true, "ipMasq": true,
         "ipam": {"type": "host-local", "subnet": "\(subnet ?? self.subnet)", "dataDir": "\(ipamDirectory)"}}
        """]
        if portmap { plugins.append(#"{"type": "portmap", "capabilities": {"portMappings": true}}"#) }
        let path = configDirectory + "/\(name).conflist"
        try Host.write(path, """
        {"cniVersion": "\(version)", "name": "\(name)", "plugins": [\(plugins.joined(separator: ","))]}
        """)
        return path
    }

    /// Serves `directory` over HTTP inside a namespace.
    func serveHTTP(in namespace: NetworkNamespace, bind address: String, port: Int, directory: String) throws {
        let server = try BackgroundProcess(["/usr/bin/nsenter", "--net=\(namespace.path)", Host.python, "-m", "http.server",
                                            "\(port)", "--bind", address, "--directory", directory],
                                           directory: root, log: root + "/server-\(servers.count).log")
        servers.append(server)
    }

    /// The IP addresses host-local still holds for `network`.
    func allocatedAddresses(network: String) -> [String] {
        Directory.list(ipamDirectory + "/" + network).filter { $0.first?.isNumber == true && $0.contains(".") && !$0.hasPrefix("last_") }
    }

    /// `iptables-save -t nat` lines that mention `containerID`.
    func natRules(mentioning containerID: String) async throws -> [String] {
        let dump = try await Host.run(["iptables-save", "-t", "nat"]).stdoutText
        return dump.split(separator: "\n").map(String.init).filter { $0.contains("id: \\\"\(containerID)\\\"") }
    }

    /// Whether a chain exists in the nat table.
    func natChainExists(_ chain: String) async throws -> Bool {
        let dump = try await Host.run(["iptables-save", "-t", "nat"]).stdoutText
        return dump.split(separator: "\n").contains { $0.hasPrefix(":\(chain) ") }
    }

    static func linkExists(_ name: String) async throws -> Bool {
        try await Host.run(["ip", "link", "show", "dev", name], allowFailure: true).succeeded
    }

    /// The host-side veth of a bridge result.
    static func hostVeth(_ result: CNIResult, bridge: String) -> String? {
        result.interfaces.first { $0.sandbox == nil && $0.name != bridge }?.name
    }

    /// Removes everything, tolerating what is already gone.
    func cleanUp() async {
        for server in servers { await server.stop() }
        let cni = cni()
        for id in containerIDs {
            try? await cni.cleanup(containerID: id)
            await purgeNatRules(mentioning: id)
        }
        for namespace in namespaces { namespace.remove() }
        for device in [bridge] + extraBridges {
            _ = try? await Host.run(["ip", "link", "del", device], allowFailure: true)
        }
        Directory.removeTree(root)
    }

    /// Last resort after a failed test: deletes nat rules whose comment names the
    /// container, and the CNI chains they jump to.
    func purgeNatRules(mentioning containerID: String) async {
        guard let dump = try? await Host.run(["iptables-save", "-t", "nat"]).stdoutText else { return }
        var chains: Set<String> = []
        for line in dump.split(separator: "\n") where line.hasPrefix("-A ") && line.contains("id: \\\"\(containerID)\\\"") {
            let tokens = MasqueradeRuleSweeper.tokenize(String(line))
            guard tokens.count > 2 else { continue }
            if let jump = tokens.firstIndex(of: "-j"), jump + 1 < tokens.count, tokens[jump + 1].hasPrefix("CNI-"),
               !tokens[jump + 1].hasPrefix("CNI-HOSTPORT") {
                chains.insert(tokens[jump + 1])
            }
            _ = try? await Host.run(["iptables", "-w", "-t", "nat", "-D", tokens[1]] + tokens.dropFirst(2), allowFailure: true)
        }
        for chain in chains {
            _ = try? await Host.run(["iptables", "-w", "-t", "nat", "-F", chain], allowFailure: true)
            _ = try? await Host.run(["iptables", "-w", "-t", "nat", "-X", chain], allowFailure: true)
        }
    }
}

/// Runs `body` with a lab and always cleans up.
func withNetworkLab(_ label: String, _ body: (NetworkLab) async throws -> Void) async throws {
    let lab = try NetworkLab(label)
    do {
        try await body(lab)
    } catch {
        await lab.cleanUp()
        throw error
    }
    await lab.cleanUp()
}
