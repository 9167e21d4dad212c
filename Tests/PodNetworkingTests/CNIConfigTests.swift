import PodSystem
import PodTestFixtures
import Primitives
import Testing
@testable import PodNetworking

@Suite("CNI configuration and results")
struct CNIConfigTests {
    static let conflist = """
    {"cniVersion": "1.0.0", "name": "pods", "plugins": [
      {"type": "bridge", "bridge": "cni-pods", "ipam": {"type": "host-local", "subnet": "10.199.9.0/24"}},
      {"type": "portmap", "capabilities": {"portMappings": true}}
    ]}
    """

    @Test func parsesConfigurationList() throws {
        let config = try CNINetworkConfig.parse(Array(Self.conflist.utf8), source: "pods.conflist")
        #expect(config.name == "pods")
        #expect(config.cniVersion == "1.0.0")
        #expect(config.isList)
        #expect(config.pluginTypes == ["bridge", "portmap"])
        #expect(config.supportsCheck)
    }

    @Test func parsesSingleConfiguration() throws {
        let text = #"{"name": "single", "type": "bridge", "bridge": "x0"}"#
        let config = try CNINetworkConfig.parse(Array(text.utf8), source: "single.conf")
        #expect(!config.isList)
        #expect(config.cniVersion == "0.1.0")
        #expect(!config.supportsCheck)
        #expect(config.pluginTypes == ["bridge"])
    }

    @Test(arguments: [
        ("{not json", "is not valid JSON"),
        ("[1]", "not an object"),
        (#"{"type": "bridge"}"#, "has no \"name\""),
        (#"{"name": "-bad", "type": "bridge"}"#, "must start with a letter or digit"),
        (#"{"name": "n", "cniVersion": "0.4.0"}"#, "has no \"type\""),
        (#"{"name": "n", "type": "../bin/sh"}"#, "invalid plugin type"),
        (#"{"name": "n", "cniVersion": "1.0.0", "plugins": []}"#, "non-empty array"),
        (#"{"name": "n", "cniVersion": "1.0.0", "plugins": [{"type": "a"}, 3]}"#, "plugin #2 is a JSON number"),
        (#"{"name": "n", "plugins": [{"type": "a"}]}"#, "needs a \"cniVersion\""),
    ])
    func rejectsInvalidConfigurations(text: String, expected: String) {
        #expect {
            _ = try CNINetworkConfig.parse(Array(text.utf8), source: "/etc/cni/x.conf")
        } throws: { error in
            guard let error = error as? PodNetworkingError else { return false }
            return error.code == .invalidConfiguration && error.message.contains(expected) && error.message.contains("/etc/cni/x.conf")
        }
    }

    @Test func pluginInputCarriesNameVersionPrevResultAndGrantedCapabilitiesOnly() throws {
        let config = try CNINetworkConfig.parse(Array(Self.conflist.utf8), source: "pods.conflist")
        let runtime: [String: JSONValue] = ["portMappings": .array([CNIPortMapping(hostPort: 8080, containerPort: 80).json])]
        let previous = JSONValue.object(["cniVersion": .string("1.0.0"), "ips": .array([])])
        let bridge = config.pluginInput(index: 0, prevResult: nil, runtimeConfig: runtime, args: ["k": .string("v")])
        #expect(bridge["name"] == .string("pods"))
        #expect(bridge["cniVersion"] == .string("1.0.0"))
        #expect(bridge["runtimeConfig"] == nil)
        #expect(bridge["prevResult"] == nil)
        #expect(bridge["args"]?["k"] == .string("v"))
        let portmap = config.pluginInput(index: 1, prevResult: previous, runtimeConfig: runtime, args: [:])
        #expect(portmap["prevResult"] == previous)
        #expect(portmap["runtimeConfig"]?["portMappings"]?.arrayValue?.first?["hostPort"] == .int(8080))
        #expect(portmap["runtimeConfig"]?["portMappings"]?.arrayValue?.first?["protocol"] == .string("tcp"))
    }

    @Test func directoryFindsByNameAndReportsDuplicatesAndBrokenFiles() async throws {
        let directory = try Host.temporaryDirectory("confdir")
        defer { Directory.removeTree(directory) }
        try Host.write(directory + "/10-pods.conflist", Self.conflist)
        try Host.write(directory + "/20-a.conf", #"{"cniVersion": "0.4.0", "name": "a", "type": "bridge"}"#)
        try Host.write(directory + "/30-a.json", #"{"cniVersion": "0.4.0", "name": "a", "type": "macvlan"}"#)
        try Host.write(directory + "/40-broken.conf", "{ nope")
        try Host.write(directory + "/README.md", "not a config")
        let configs = CNIConfigDirectory(path: directory)
        #expect(try configs.load("pods").pluginTypes == ["bridge", "portmap"])
        #expect {
            _ = try configs.load("a")
        } throws: { error in
            guard let error = error as? PodNetworkingError else { return false }
            return error.code == .duplicateNetwork && error.message.contains("20-a.conf") && error.message.contains("30-a.json")
        }
        #expect {
            _ = try configs.load("missing")
        } throws: { error in
            guard let error = error as? PodNetworkingError else { return false }
            return error.code == .networkNotFound && error.message.contains("unknown CNI network 'missing'")
                && error.message.contains("available: pods") && error.message.contains("40-broken.conf is not valid JSON")
        }
    }

    @Test func missingDirectoryIsNamed() {
        #expect {
            _ = try CNIConfigDirectory(path: "/nonexistent/cni").load("x")
        } throws: { error in
            (error as? PodNetworkingError)?.message.contains("does not exist") == true
        }
    }

    @Test func parsesCurrentAndLegacyResults() throws {
        let current = try JSONValue.parse(Array("""
        {"cniVersion": "1.0.0",
         "interfaces": [{"name": "br0", "mac": "aa"}, {"name": "veth1"}, {"name": "eth0", "sandbox": "/run/netns/x"}],
         "ips": [{"interface": 2, "address": "10.199.9.2/24", "gateway": "10.199.9.1"},
                 {"interface": 2, "address": "fd00::2/64"}],
         "routes": [{"dst": "0.0.0.0/0"}],
         "dns": {"nameservers": ["10.0.0.53"], "search": ["svc.local"], "options": ["ndots:2"]}}
        """.utf8))
        let result = try CNIResult(json: current)
        #expect(result.primaryIP == "10.199.9.2")
        #expect(result.ips[0].prefixLength == 24)
        #expect(result.ips[1].isIPv6)
        #expect(result.interface(of: result.ips[0])?.sandbox == "/run/netns/x")
        #expect(result.dns.nameservers == ["10.0.0.53"])
        let legacy = try CNIResult(json: try JSONValue.parse(Array("""
        {"cniVersion": "0.2.0", "ip4": {"ip": "10.1.2.3/16", "gateway": "10.1.0.1", "routes": [{"dst": "0.0.0.0/0"}]},
         "dns": {"nameservers": ["8.8.8.8"]}}
        """.utf8)))
        #expect(legacy.primaryIP == "10.1.2.3")
        #expect(legacy.routes.count == 1)
        #expect(throws: PodNetworkingError.self) { try CNIResult(json: .object(["ips": .array([.object([:])])])) }
    }

    @Test func pluginErrorsReadWell() {
        let error = CNIPluginError(json: .object(["code": .int(7), "msg": .string("bad subnet"),
                                                  "details": .string("10.0.0.0/33")]))
        #expect(error?.description == "[code 7, invalid network config] bad subnet (details: 10.0.0.0/33)")
        #expect(CNIPluginError(json: .object(["msg": .string("no code")])) == nil)
    }

    @Test func defaultBridgeNetworkIsAPortmapConflist() throws {
        let bridge = MesosBridgeNetwork()
        try bridge.validate()
        let config = try CNINetworkConfig(document: bridge.document(ipamDataDirectory: "/var/lib/x/ipam"), source: "generated")
        #expect(config.name == "mesos-bridge")
        #expect(config.pluginTypes == ["bridge", "portmap"])
        #expect(config.plugins[0]["ipMasq"] == .bool(true))
        #expect(config.plugins[0]["bridge"] == .string("mesos-cni0"))
        #expect(config.plugins[0]["ipam"]?["ranges"]?.arrayValue?.first?.arrayValue?.first?["subnet"] == .string("172.31.254.0/24"))
        #expect(config.plugins[0]["ipam"]?["dataDir"] == .string("/var/lib/x/ipam"))
        #expect(config.plugins[1]["capabilities"]?["portMappings"] == .bool(true))
        for subnet in ["172.31.254.1/24", "10.0.0.0/31", "300.1.1.0/24", "10.0.0.0", "a.b.c.d/24"] {
            #expect(throws: PodNetworkingError.self) { try MesosBridgeNetwork(subnet: subnet).validate() }
        }
        #expect(throws: PodNetworkingError.self) { try MesosBridgeNetwork(bridgeName: "a-very-long-bridge").validate() }
    }

    @Test func validatesIdentifiers() {
        #expect(CNI.isValidContainerID("instance-web.marathon-1f2e_3"))
        #expect(!CNI.isValidContainerID("../etc"))
        #expect(!CNI.isValidContainerID(""))
        #expect(CNI.isValidInterfaceName("eth0"))
        #expect(!CNI.isValidInterfaceName("eth0:1"))
        #expect(!CNI.isValidInterfaceName("sixteen-chars-xx"))
        #expect(throws: PodNetworkingError.self) { try CNIPortMapping(hostPort: 0, containerPort: 80).validate() }
        #expect(throws: PodNetworkingError.self) { try CNIPortMapping(hostPort: 80, containerPort: 80, protocol: "icmp").validate() }
        #expect(CNIAttachmentStore.interfaceOrder("eth2", "eth10"))
    }

    @Test func masqueradeRulesAreFoundByExactComment() {
        let dump = """
        *nat
        -A POSTROUTING -s 10.199.1.5/32 -m comment --comment "name: \\"net\\" id: \\"c1\\"" -j CNI-0123456789abcdef01234567
        -A POSTROUTING -s 10.199.1.6/32 -m comment --comment "name: \\"net\\" id: \\"c10\\"" -j CNI-aaaaaaaaaaaaaaaaaaaaaaaa
        -A CNI-0123456789abcdef01234567 -d 10.199.1.0/24 -m comment --comment "name: \\"net\\" id: \\"c1\\"" -j ACCEPT
        COMMIT
        """
        let rules = MasqueradeRuleSweeper.postroutingRules(in: dump, comment: "name: \"net\" id: \"c1\"")
        #expect(rules == [MasqueradeRuleSweeper.Rule(
            arguments: ["-s", "10.199.1.5/32", "-m", "comment", "--comment", "name: \"net\" id: \"c1\"",
                        "-j", "CNI-0123456789abcdef01234567"],
            chain: "CNI-0123456789abcdef01234567")])
    }

    @Test func podFilesAreRendered() {
        #expect(PodNetworkFiles.renderHosts(hostname: "web-1.pods", ip: "10.1.0.5")
            == "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.1.0.5\tweb-1.pods web-1\n")
        var dns = CNIResult.DNS()
        dns.nameservers = ["10.0.0.53"]
        dns.domain = "pods.local"
        dns.search = ["svc.local"]
        dns.options = ["ndots:2"]
        #expect(PodNetworkFiles.renderResolvConf(dns) == "nameserver 10.0.0.53\nsearch pods.local svc.local\noptions ndots:2\n")
        let host = "# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver ::1\nsearch example.com\n"
        #expect(PodNetworkFiles.filterHostResolvConf(host) == "# generated\nnameserver 192.0.2.53\nsearch example.com\n")
        #expect(PodNetworkFiles.filterHostResolvConf("nameserver 127.0.0.53\n") == nil)
        #expect(PodNetworkFiles.isValidHostname("pod-1.example"))
        #expect(!PodNetworkFiles.isValidHostname("-pod"))
        #expect(!PodNetworkFiles.isValidHostname("pod one"))
    }
}
