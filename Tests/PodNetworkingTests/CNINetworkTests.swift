import Foundation
import PodSystem
import PodTestFixtures
import Testing
@testable import PodNetworking
#if canImport(Glibc)
import Glibc
#endif

/// Real namespaces, the Debian CNI plugins and iptables. Traffic goes only to 127.0.0.1
/// and to addresses inside namespaces these tests create.
@Suite("CNI with real plugins", .serialized,
       .enabled(if: isRoot(), "needs root for network namespaces, bridges and iptables"))
struct CNINetworkTests {
    @Test func twoPodsOnABridgeReachEachOtherAndTeardownLeavesNothing() async throws {
        try await withNetworkLab("bridge") { lab in
            let network = "lab-bridge"
            try lab.writeBridgeNetwork(name: network)
            let cni = lab.cni()
            let a = try lab.namespace("a"), b = try lab.namespace("b")
            let idA = lab.containerID("pod-a"), idB = lab.containerID("pod-b")
            let resultA = try await cni.attach(network: network, containerID: idA, netnsPath: a.path, interfaceName: "eth0")
            let resultB = try await cni.attach(network: network, containerID: idB, netnsPath: b.path, interfaceName: "eth0")
            let ipA = try #require(resultA.primaryIP), ipB = try #require(resultB.primaryIP)
            #expect(ipA.hasPrefix(lab.subnetPrefix + ".") && ipB.hasPrefix(lab.subnetPrefix + "."))
            #expect(ipA != ipB)
            #expect(resultA.ips.first?.gateway == lab.subnetPrefix + ".1")
            #expect(Set(lab.allocatedAddresses(network: network)) == [ipA, ipB])

            let site = lab.root + "/site"
            try Directory.create(site)
            try Host.write(site + "/hello.txt", "hello from pod b\n")
            try lab.serveHTTP(in: b, bind: ipB, port: 8080, directory: site)
            try await TestSupport.waitForListener(namespace: a.path, ip: ipB, port: 8080)
            let response = try await TestSupport.httpGet(namespace: a.path, ip: ipB, port: 8080, path: "/hello.txt")
            #expect(response.hasPrefix("HTTP/1.0 200"))
            #expect(response.contains("hello from pod b"))

            try await cni.check(containerID: idA, interfaceName: "eth0")

            let vethA = try #require(NetworkLab.hostVeth(resultA, bridge: lab.bridge))
            let vethB = try #require(NetworkLab.hostVeth(resultB, bridge: lab.bridge))
            #expect(try await NetworkLab.linkExists(vethA))
            try await cni.detach(containerID: idA, interfaceName: "eth0")
            try await cni.cleanup(containerID: idB)
            #expect(try await !NetworkLab.linkExists(vethA))
            #expect(try await !NetworkLab.linkExists(vethB))
            #expect(lab.allocatedAddresses(network: network).isEmpty)
            #expect(try await lab.natRules(mentioning: idA).isEmpty)
            #expect(!Directory.exists(lab.stateDirectory + "/containers/" + idA))
            #expect(try cni.attachments(containerID: idB).isEmpty)
            // Idempotent.
            try await cni.detach(containerID: idA, interfaceName: "eth0")
            try await cni.cleanup(containerID: idB)
        }
    }

    @Test func bridgeModePodGetsPortMappingFilesAndCleanTeardown() async throws {
        try await withNetworkLab("portmap") { lab in
            let resolv = lab.root + "/host-resolv.conf"
            try Host.write(resolv, "nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.test\n")
            let setup = PodNetworkSetup(cni: lab.cni(), hostResolvConf: resolv, fallbackResolvConf: lab.root + "/none")
            let pod = try lab.namespace("pod")
            let id = lab.containerID("web")
            let hostPort = Int.random(in: 20000..<40000)
            let files = lab.root + "/files/" + id
            let status = try await setup.setUp(
                containerID: id, hostname: "web-0", networks: [setup.bridgeNetwork(portMappings: [
                    CNIPortMapping(hostPort: hostPort, containerPort: 8080, protocol: "tcp"),
                ])], netnsPath: pod.path, filesDirectory: files)
            let address = try #require(status.addresses.first)
            #expect(address.network == "mesos-bridge")
            #expect(address.interfaceName == "eth0")
            #expect(address.ip.hasPrefix(lab.subnetPrefix + "."))
            // The default network was generated into the state directory, not /etc.
            let generated = try CNINetworkConfig.parse(
                try FileContents.bytes(lab.stateDirectory + "/networks/mesos-bridge.conflist"), source: "generated")
            #expect(generated.pluginTypes == ["bridge", "portmap"])
            #expect(try FileContents.read(status.files.hosts).contains("\(address.ip)\tweb-0\n"))
            #expect(try FileContents.read(status.files.hostname) == "web-0\n")
            #expect(try FileContents.read(status.files.resolvConf) == "nameserver 192.0.2.53\nsearch example.test\n")

            let site = lab.root + "/site"
            try Directory.create(site)
            try Host.write(site + "/index.txt", "through the host port\n")
            try lab.serveHTTP(in: pod, bind: "0.0.0.0", port: 8080, directory: site)
            try await TestSupport.waitForListener(namespace: pod.path, ip: address.ip, port: 8080)
            let response = try await TestSupport.httpGet(namespace: nil, ip: "127.0.0.1", port: hostPort, path: "/index.txt")
            #expect(response.contains("through the host port"))

            let rules = try await lab.natRules(mentioning: id)
            let dnatChain = try #require(rules.compactMap { line -> String? in
                let tokens = MasqueradeRuleSweeper.tokenize(line)
                guard let jump = tokens.firstIndex(of: "-j"), jump + 1 < tokens.count else { return nil }
                return tokens[jump + 1].hasPrefix("CNI-DN-") ? tokens[jump + 1] : nil
            }.first, "portmap made no CNI-DN chain for \(id): \(rules)")
            #expect(try await lab.natChainExists(dnatChain))
            let veth = try #require(NetworkLab.hostVeth(status.results[0], bridge: lab.bridge))

            try await setup.tearDown(containerID: id)
            #expect(try await lab.natRules(mentioning: id).isEmpty)
            #expect(try await !lab.natChainExists(dnatChain))
            #expect(try await !NetworkLab.linkExists(veth))
            #expect(lab.allocatedAddresses(network: "mesos-bridge").isEmpty)
            try await setup.tearDown(containerID: id)
        }
    }

    @Test func cleanupAfterACrashReleasesEverythingWhenTheNamespaceIsGone() async throws {
        try await withNetworkLab("crash") { lab in
            let network = "lab-crash"
            try lab.writeBridgeNetwork(name: network, portmap: true)
            let pod = try lab.namespace("pod")
            let id = lab.containerID("crashed")
            let result = try await lab.cni().attach(network: network, containerID: id, netnsPath: pod.path, interfaceName: "eth0",
                                                    portMappings: [CNIPortMapping(hostPort: Int.random(in: 40000..<50000),
                                                                                  containerPort: 80)])
            let ip = try #require(result.primaryIP)
            let veth = try #require(NetworkLab.hostVeth(result, bridge: lab.bridge))
            #expect(lab.allocatedAddresses(network: network) == [ip])
            #expect(try await !lab.natRules(mentioning: id).isEmpty)

            // The executor dies and its namespace goes with it; a new one cleans up from state.
            pod.remove()
            #expect(!CNI.isNetworkNamespace(pod.path))
            let recovered = lab.cni()
            #expect(recovered.containersWithAttachments().contains(id))
            try await recovered.cleanup(containerID: id)
            #expect(lab.allocatedAddresses(network: network).isEmpty)
            #expect(try await lab.natRules(mentioning: id).isEmpty)
            #expect(!recovered.containersWithAttachments().contains(id))
            try await waitUntil("the veth of the dead namespace to go") {
                (try? await NetworkLab.linkExists(veth)) == false
            }
        }
    }

    @Test func podWithTwoNetworksGetsEth0AndEth1() async throws {
        try await withNetworkLab("multi") { lab in
            let second = "pnx" + String(lab.bridge.dropFirst(3))
            try lab.writeBridgeNetwork(name: "first", version: "0.4.0")
            try lab.writeBridgeNetwork(name: "second", bridge: second, subnet: "172.31.\(lab.subnetPrefix.split(separator: ".")[2]).0/24")
            let setup = PodNetworkSetup(cni: lab.cni())
            let pod = try lab.namespace("pod")
            let id = lab.containerID("multi")
            let status = try await setup.setUp(containerID: id, hostname: "multi", networks: [.init(name: "first"), .init(name: "second")],
                                               netnsPath: pod.path, filesDirectory: lab.root + "/files")
            #expect(status.addresses.map(\.interfaceName) == ["eth0", "eth1"])
            #expect(status.addresses.map(\.network) == ["first", "second"])
            let inside = try await Host.run(["nsenter", "--net=\(pod.path)", "ip", "-o", "-4", "addr", "show"]).stdoutText
            #expect(inside.contains("eth0") && inside.contains(status.addresses[0].ip))
            #expect(inside.contains("eth1") && inside.contains(status.addresses[1].ip))
            #expect(try lab.cni().attachments(containerID: id).map(\.interfaceName) == ["eth0", "eth1"])
            // A second setUp is refused and leaves the first one alone.
            let again = await capturedError { () async throws(PodNetworkingError) in
                _ = try await setup.setUp(containerID: id, hostname: "multi", networks: [.init(name: "first")],
                                          netnsPath: pod.path, filesDirectory: lab.root + "/files")
            }
            #expect(again?.code == .invalidArgument)
            #expect(try lab.cni().attachments(containerID: id).count == 2)
            try await setup.tearDown(containerID: id)
            #expect(lab.allocatedAddresses(network: "first").isEmpty && lab.allocatedAddresses(network: "second").isEmpty)
        }
    }

    @Test func configurationAndPluginErrorsAreClearAndLeaveNoState() async throws {
        try await withNetworkLab("errors") { lab in
            let cni = lab.cni()
            let pod = try lab.namespace("pod")
            let id = lab.containerID("err")
            func attachError(_ network: String) async -> PodNetworkingError? {
                await capturedError { () async throws(PodNetworkingError) in
                    _ = try await cni.attach(network: network, containerID: id, netnsPath: pod.path, interfaceName: "eth0")
                }
            }
            try Host.write(lab.configDirectory + "/broken.conf", #"{"name": "broken", "type": "bridge""#)
            let unknown = try #require(await attachError("nope"))
            #expect(unknown.code == .networkNotFound)
            #expect(unknown.message.contains("unknown CNI network 'nope'") && unknown.message.contains("broken.conf is not valid JSON"))

            try Host.write(lab.configDirectory + "/missing.conf",
                                  #"{"cniVersion": "0.4.0", "name": "missing-plugin", "type": "no-such-plugin"}"#)
            let missing = try #require(await attachError("missing-plugin"))
            #expect(missing.code == .pluginNotFound)
            #expect(missing.message.contains("'no-such-plugin'") && missing.message.contains(TestSupport.pluginDirectory))

            try Host.write(lab.pluginDirectory + "/failing", """
            #!/bin/sh
            cat >/dev/null
            if [ "$CNI_COMMAND" = ADD ]; then
              echo '{"cniVersion": "1.0.0", "code": 11, "msg": "pool exhausted", "details": "no addresses left"}'
              exit 1
            fi
            exit 0
            """, mode: 0o755)
            try Host.write(lab.configDirectory + "/failing.conflist", """
            {"cniVersion": "1.0.0", "name": "failing", "plugins": [
              {"type": "bridge", "bridge": "\(lab.bridge)", "ipam": {"type": "host-local", "subnet": "\(lab.subnet)", "dataDir": "\(lab.ipamDirectory)"}},
              {"type": "failing"}]}
            """)
            let failing = try #require(await attachError("failing"))
            #expect(failing.code == .pluginFailed)
            #expect(failing.pluginError == CNIPluginError(code: 11, msg: "pool exhausted", details: "no addresses left"))
            #expect(failing.message.contains("CNI plugin 'failing' (ADD)") && failing.message.contains(id)
                && failing.message.contains("network 'failing'") && failing.message.contains("pool exhausted"))
            // The bridge plugin's work was undone: no address held, no veth left on the bridge.
            #expect(lab.allocatedAddresses(network: "failing").isEmpty)
            let ports = try await Host.run(["ip", "-o", "link", "show", "master", lab.bridge]).stdoutText
            #expect(ports.isEmpty, "\(ports)")

            try Host.write(lab.configDirectory + "/badsubnet.conf", """
            {"cniVersion": "1.0.0", "name": "badsubnet", "type": "bridge", "bridge": "\(lab.bridge)",
             "ipam": {"type": "host-local", "subnet": "10.199.0.0/33", "dataDir": "\(lab.ipamDirectory)"}}
            """)
            let real = try #require(await attachError("badsubnet"))
            #expect(real.code == .pluginFailed)
            #expect(real.message.contains("CNI plugin 'bridge' (ADD)") && real.message.contains("10.199.0.0/33"))

            // Nothing was left behind by the failed attachments.
            #expect(try cni.attachments(containerID: id).isEmpty)
            #expect(!cni.containersWithAttachments().contains(id))

            let badIDError = await capturedError { () async throws(PodNetworkingError) in
                _ = try await cni.attach(network: "failing", containerID: "../escape", netnsPath: pod.path, interfaceName: "eth0")
            }
            let badID = try #require(badIDError)
            #expect(badID.code == .invalidArgument)
            let notNamespaceError = await capturedError { () async throws(PodNetworkingError) in
                _ = try await cni.attach(network: "failing", containerID: id, netnsPath: lab.root, interfaceName: "eth0")
            }
            let notNamespace = try #require(notNamespaceError)
            #expect(notNamespace.message.contains("is not a network namespace"))
        }
    }
}
