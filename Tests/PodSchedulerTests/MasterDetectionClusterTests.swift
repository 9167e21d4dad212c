import AsyncHTTPClient
import Foundation
import MasterDetection
import MesosHTTP
import MesosProtocol
import NIOCore
import PodTestFixtures
import Testing
import ZooKeeper

/// Masters found through ZooKeeper, end to end: `pod-scheduler local-cluster --zk` registers
/// its masters as Mesos masters do, and `pod-scheduler --master zk://…` finds the leader,
/// follows it through failovers, and relaunches nothing that still runs.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"),
       .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct MasterDetectionClusterTests {
    typealias Pods = SchedulerFaultTests

    /// Runs `body` with a local cluster registered at a fresh path of `server` (more of its
    /// flags in `clusterArguments`), and tears everything down after it.
    static func withCluster(_ server: ZooKeeperServer, credentials: String? = nil, clusterArguments: [String] = [],
                            _ body: (LocalClusterDaemon, String, inout [SchedulerDaemon]) async throws -> Void) async throws {
        let path = "/mesos-\(UUID().uuidString.prefix(8).lowercased())"
        let url = "zk://\(credentials.map { $0 + "@" } ?? "")127.0.0.1:\(server.port)\(path)"
        let cluster = try LocalClusterDaemon(extraArguments: ["--zk", url] + clusterArguments)
        var schedulers: [SchedulerDaemon] = []
        do {
            try await cluster.start()
            try await body(cluster, url, &schedulers)
        } catch {
            for s in schedulers { await s.tearDown() }
            await cluster.tearDown()
            throw error
        }
        for s in schedulers { await s.tearDown() }
        await cluster.tearDown()
    }

    static func marathonConfig(_ scheduler: SchedulerDaemon) async throws -> [String: Any] {
        try await scheduler.request(.GET, "/v2/info").object["marathon_config"] as? [String: Any] ?? [:]
    }

    /// The masters' nodes, in sequence order, with their MasterInfo.
    static func masters(_ session: ZooKeeperSession, _ path: String) async throws -> [(member: ZooKeeperGroupMember, info: Mesos_V1_MasterInfo)] {
        var list: [(ZooKeeperGroupMember, Mesos_V1_MasterInfo)] = []
        for member in try await ZooKeeperGroup(session: session, path: path).members() {
            let data = try await session.get(member.path).data
            list.append((member, try MasterInfoCodec.decode(label: member.label, data: data)))
        }
        return list
    }

    @Test("the local cluster registered in ZooKeeper, found through --master zk://: a pod reaches STABLE; its node is what Mesos writes")
    func foundThroughZooKeeper() async throws {
        let server = try await ZooKeeperServer.shared()
        try await Self.withCluster(server, credentials: "mesos:zk-s3cret") { cluster, url, schedulers in
            let scheduler = try SchedulerDaemon(cluster: cluster, master: url)
            schedulers.append(scheduler)
            try await scheduler.start()
            #expect(try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/found", instances: 1)).status == 201)
            try await scheduler.wait("found STABLE") { try await LocalClusterTests.stable(scheduler, "/found", 1) }
            #expect(scheduler.executorPIDs().count == 1)

            let config = try await Self.marathonConfig(scheduler)
            let path = String(url[url.range(of: "/mesos-")!.lowerBound...])
            #expect(config["master"] as? String == "zk://xxxxxxxx:xxxxxxxx@127.0.0.1:\(server.port)\(path)", "credentials redacted")
            #expect(config["mesos_leader_ui_url"] as? String == cluster.masterURL + "/")

            // The node, read without credentials (Mesos' ACL: world-readable).
            let reader = try await server.connect()
            defer { Task { await reader.close() } }
            let children = try await reader.children(path)
            #expect(children.count == 1)
            let name = try #require(children.first)
            #expect(name.hasPrefix("json.info_") && name.count == "json.info_".count + 10, "an ephemeral sequential json.info_ node")
            let (data, stat) = try await reader.get(path + "/" + name)
            #expect(stat.ephemeralOwner != 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any])
            // The reference's example fields (capabilities aside: the stand-in implements none of them).
            #expect(Set(object.keys) == ["address", "hostname", "id", "ip", "pid", "port", "version"])
            let sorted = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            #expect(Data(data) == sorted, "compact, keys sorted as stout writes them: \(String(decoding: data, as: UTF8.self))")
            let port = cluster.masterPort
            #expect(object["ip"] as? Int == 16_777_343, "127.0.0.1 packed in network byte order")
            #expect(object["port"] as? Int == port)
            #expect(object["pid"] as? String == "master@127.0.0.1:\(port)")
            #expect(object["hostname"] as? String == "127.0.0.1")
            #expect(object["version"] as? String == "1.12.0")
            let address = object["address"] as? [String: Any] ?? [:]
            #expect(address["ip"] as? String == "127.0.0.1" && address["hostname"] as? String == "127.0.0.1" && address["port"] as? Int == port)
            let info = try MasterInfoCodec.decode(label: "json.info", data: data)
            #expect(MasterInfoCodec.endpoint(of: info, scheme: "http")?.description == cluster.masterURL)
            let frameworkID = try #require(try await scheduler.currentFrameworkID())
            #expect(frameworkID.hasPrefix(info.id + "-"), "the framework id comes from the master the node describes")

            for log in [cluster.logTail(1_000_000), scheduler.log] { #expect(!log.contains("zk-s3cret")) }
        }
    }

    @Test("master failover: the scheduler follows the new leader with the same framework id, relaunches nothing; an update of the failover arrives once")
    func failover() async throws {
        let server = try await ZooKeeperServer.shared()
        try await Self.withCluster(server, clusterArguments: ["--masters", "2"]) { cluster, url, schedulers in
            let scheduler = try SchedulerDaemon(cluster: cluster, master: url)
            schedulers.append(scheduler)
            try await scheduler.start()
            #expect(try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/steady", instances: 1)).status == 201)
            #expect(try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/victim", instances: 1)).status == 201)
            try await scheduler.wait("both pods STABLE") {
                let steady = try await LocalClusterTests.stable(scheduler, "/steady", 1)
                let victim = try await LocalClusterTests.stable(scheduler, "/victim", 1)
                return steady && victim
            }
            let frameworkID = try await scheduler.currentFrameworkID()
            let steadyExecutors = Self.executors(scheduler, pod: "steady")
            let victimExecutors = Self.executors(scheduler, pod: "victim")
            try #require(steadyExecutors.count == 1 && victimExecutors.count == 1)

            let reader = try await server.connect()
            defer { Task { await reader.close() } }
            let path = String(url[url.range(of: "/mesos-")!.lowerBound...])
            let before = try await Self.masters(reader, path)
            try #require(before.count == 2)
            let standby = try #require(MasterInfoCodec.endpoint(of: before[1].info, scheme: "http"))
            let standbyPort = Int(before[1].info.port)
            #expect(before[0].info.port == UInt32(cluster.masterPort), "the first master leads")
            try await Self.expectStandby(standby, leaderPort: cluster.masterPort)

            // The leader crashes; a container dies while the standby takes over.
            let containers = DaemonProcess.containerPIDs(of: victimExecutors)
            try #require(!containers.isEmpty)
            cluster.crashLeadingMaster()
            for pid in containers { kill(pid, SIGKILL) }

            try await scheduler.wait("the scheduler subscribed to the new leader", timeout: .seconds(15)) {
                try await Self.marathonConfig(scheduler)["mesos_leader_ui_url"] as? String == standby.url("/")
            }
            #expect(try await scheduler.currentFrameworkID() == frameworkID, "re-subscribed with the same framework id")
            try await scheduler.wait("victim relaunched and STABLE", timeout: .seconds(60)) {
                let fresh = Self.executors(scheduler, pod: "victim")
                guard !fresh.isEmpty, fresh.isDisjoint(with: victimExecutors) else { return false }
                return try await LocalClusterTests.stable(scheduler, "/victim", 1)
            }
            #expect(Self.executors(scheduler, pod: "steady") == steadyExecutors, "the running instance was not relaunched")
            let status = try await scheduler.status("/victim")
            #expect((status["terminationHistory"] as? [Any])?.count == 1, "one failure recorded")
            let instanceID = try #require(Pods.instances(status).first?["id"] as? String)
            #expect(scheduler.logLines(containing: "instance failed; relaunch delayed") == 1, "the failure handled once")
            #expect(scheduler.log.contains("pod.instance=\(instanceID)"))
            let tasks = (Pods.instances(status).first?["containers"] as? [[String: Any]] ?? []).compactMap { $0["containerId"] as? String }
            #expect(tasks.allSatisfy { $0.hasSuffix(".2") }, "the second incarnation, not a third: \(tasks)")

            // The crashed leader's node is gone; a new master took its port as a standby.
            let after = try await Self.masters(reader, path)
            #expect(after.first?.member == before[1].member, "the standby's node leads")
            #expect(!after.contains { $0.member == before[0].member })
            #expect(after.count == 2 && after.last?.info.port == UInt32(cluster.masterPort) && after.last?.info.id != before[0].info.id)
            try await Self.expectStandby(MesosEndpoint(host: "127.0.0.1", port: cluster.masterPort), leaderPort: standbyPort)
            #expect(cluster.logTail(1_000_000).contains("agent re-registered with the new leading master"))
        }
    }

    @Test("a leading master that loses its ZooKeeper session aborts; once ZooKeeper is back a master leads and the scheduler follows")
    func sessionLoss() async throws {
        try await ZooKeeperServer.with { server in
            try await Self.withCluster(server, clusterArguments: ["--masters", "2", "--zk-session-timeout", "2"]) { cluster, url, schedulers in
                let scheduler = try SchedulerDaemon(cluster: cluster, master: url)
                schedulers.append(scheduler)
                try await scheduler.start()
                #expect(try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/steady", instances: 1)).status == 201)
                try await scheduler.wait("steady STABLE") { try await LocalClusterTests.stable(scheduler, "/steady", 1) }
                let frameworkID = try await scheduler.currentFrameworkID()
                let executors = scheduler.executorPIDs()

                await server.stop()
                try await cluster.wait("the leading master to abort", timeout: .seconds(30)) {
                    cluster.logTail(1_000_000).contains("leading master aborting")
                }
                try await server.start()
                #expect(try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/after", instances: 1)).status == 201)
                try await scheduler.wait("a pod created after the failover STABLE", timeout: .seconds(90)) {
                    try await LocalClusterTests.stable(scheduler, "/after", 1)
                }
                #expect(try await scheduler.currentFrameworkID() == frameworkID)
                #expect(executors.isSubset(of: scheduler.executorPIDs()), "nothing relaunched")
                try await scheduler.wait("steady STABLE") { try await LocalClusterTests.stable(scheduler, "/steady", 1) }
            }
        }
    }

    /// Live executors of one pod of the scheduler.
    static func executors(_ scheduler: SchedulerDaemon, pod: String) -> Set<pid_t> {
        scheduler.executorPIDs().filter { pid in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"))?.contains("/executors/instance-\(pod).") == true
        }
    }

    /// A standby answers scheduler calls as a Mesos standby: 307 with a protocol-relative
    /// Location on the leader, for each of the API's paths; it does not take the call.
    static func expectStandby(_ endpoint: MesosEndpoint, leaderPort: Int) async throws {
        let client = SchedulerMasterClient.makeHTTPClient()
        do {
            for path in ["/api/v1/scheduler", "/master/api/v1/scheduler"] {
                var request = HTTPClientRequest(url: endpoint.url(path))
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: #"{"type":"SUBSCRIBE"}"#))
                let response = try await client.execute(request, timeout: .seconds(10))
                #expect(response.status.code == 307, "\(endpoint)\(path)")
                #expect(response.headers.first(name: "Location") == "//127.0.0.1:\(leaderPort)\(path)")
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }
}
