import PodTestFixtures
import Foundation
import MesosProtocol
import PodSystem
import Testing

/// HTTP GET with a deadline, from the host namespace, to addresses of namespaces the
/// test created (pod IPs) or to 127.0.0.1.
func httpGet(_ url: String, timeout: Duration = .seconds(20)) async -> Int? {
    try? await waitFor("an HTTP answer from \(url)", timeout: timeout) { () async -> Int? in
        guard let out = try? await Subprocess.run("/usr/bin/curl", arguments: ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                                                                 "--max-time", "1", url],
                                                    environment: [], timeout: .seconds(3)),
              let code = Int(out.stdoutText), code > 0 else { return nil }
        return code
    }
}

func shell(_ command: String) async -> String {
    (try? await Subprocess.run("/bin/sh", arguments: ["sh", "-c", command],
                               environment: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]).stdoutText) ?? ""
}

@Suite(.serialized, .enabled(if: isRoot(), "needs root: network namespaces, CNI plugins, iptables"))
struct NetworkingTests {
    static func podIP(_ status: Mesos_V1_TaskStatus?) -> String? {
        status?.containerStatus.networkInfos.flatMap(\.ipAddresses).first?.ipAddress
    }

    @Test("container/bridge: an HTTP server on its containerPort is reachable through its hostPort and its pod IP")
    func bridge() async throws {
        let cluster = try await TestCluster.start()
        let hostPort: UInt32 = 31777
        let server = shellTask("web", "python3 -m http.server 8080")
        await cluster.launch(cluster.executorInfo("e-bridge", networks: ["mesos-bridge"], portMappings: [(hostPort, 8080)]), [server])
        try await cluster.master.wait("RUNNING") { u in u.contains { $0.state == .taskRunning } }
        let running = await cluster.master.updates.first { $0.state == .taskRunning }
        let ip = try #require(Self.podIP(running), "the pod IP is reported in container_status.network_infos")
        #expect(ip.hasPrefix("172.31.254."), "\(ip)")
        #expect(await httpGet("http://\(ip):8080/") == 200)
        #expect(await httpGet("http://127.0.0.1:\(hostPort)/") == 200, "portmap maps the host port")
        let leftovers = await cluster.stop()
        #expect(leftovers == [], "\(leftovers)")
        // Nothing of the pod is left: its veth, its IP allocation, its port mapping.
        let veths = await shell("ip -o link show master mesos-cni0 2>/dev/null")
        #expect(!veths.contains("veth"), "veths left on the bridge: \(veths)")
        let allocations = await shell("ls -R \(cluster.runtimeDirectory)/cni 2>/dev/null | grep -c '^172\\.31' || true")
        #expect(allocations.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "IP allocations left: \(allocations)")
        let rules = await shell("iptables-save 2>/dev/null")
        #expect(!rules.contains("e-bridge"), "port mapping rules left")
    }

    @Test("two pods on one CNI network reach each other by IP; kill -9 of an executor leaves nothing behind")
    func twoPods() async throws {
        let cluster = try await TestCluster.start()
        let configDir = cluster.workDirectory + "/cni"
        try FileManager.default.createDirectory(atPath: configDir, withIntermediateDirectories: true)
        let bridge = "tpod\(UInt32.random(in: 100...999))"
        let conf = """
        {"cniVersion": "0.4.0", "name": "testnet", "plugins": [
          {"type": "bridge", "bridge": "\(bridge)", "isGateway": true, "ipMasq": false,
           "ipam": {"type": "host-local", "subnet": "10.199.77.0/24", "dataDir": "\(cluster.workDirectory)/ipam"}}]}
        """
        try conf.write(toFile: configDir + "/testnet.conflist", atomically: true, encoding: .utf8)
        await cluster.launch(cluster.executorInfo("e-a", networks: ["testnet"]), [shellTask("a", "python3 -m http.server 9090")])
        try await cluster.master.wait("a RUNNING") { u in u.contains { $0.taskID.value == "a" && $0.state == .taskRunning } }
        let ipA = try #require(Self.podIP(await cluster.master.updates.first { $0.taskID.value == "a" && $0.state == .taskRunning }))
        let client = shellTask("b", "for i in $(seq 1 100); do curl -s -o /dev/null --max-time 1 http://\(ipA):9090/ && exit 0; sleep 0.2; done; exit 1")
        await cluster.launch(cluster.executorInfo("e-b", networks: ["testnet"]), [client])
        try await cluster.master.wait(timeout: .seconds(40), "b done") { u in u.contains { $0.taskID.value == "b" && $0.state.isTerminal } }
        #expect(await cluster.master.last("b")?.state == .taskFinished, "pod b reached pod a by IP")

        // kill -9 of pod a's executor: the agent runs the cleanup path.
        let pids = await shell("pgrep -f 'pod-executor' || true")
        let stateFile = cluster.runtimeDirectory + "/pods/e-a/state.json"
        let state = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stateFile))) as? [String: Any]
        let executorPID = (state?["executorPID"] as? Int).map(Int32.init) ?? 0
        #expect(executorPID > 0, "pids: \(pids)")
        kill(executorPID, SIGKILL)
        try await cluster.master.wait(timeout: .seconds(30), "a FAILED") { u in u.contains { $0.taskID.value == "a" && $0.state == .taskFailed } }
        var leftovers = ""
        try await waitUntil("the cleanup after kill -9", timeout: .seconds(20), state: { "left: \(leftovers)" }) {
            leftovers = await shell("ls \(cluster.workDirectory)/ipam/testnet 2>/dev/null | grep '^10\\.' ; ls \(cluster.netnsDirectory) 2>/dev/null | grep e-a ; ls \(cluster.runtimeDirectory)/cni/containers 2>/dev/null | grep e-a")
            return leftovers.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        await cluster.stop()
        _ = await shell("ip link delete \(bridge) 2>/dev/null")
    }
}
