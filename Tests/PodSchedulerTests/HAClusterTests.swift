import Foundation
import Logging
import PodTestFixtures
import Testing
import ZooKeeper

/// High availability end to end (issue 16): a real ZooKeeper server, `pod-scheduler
/// local-cluster` as a process of its own, and pod-scheduler instances started with `--zk`,
/// killed with SIGKILL or frozen with SIGSTOP, as an operator's machines fail.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"),
       .enabled(if: ZooKeeperServer.isInstalled, "\(ZooKeeperServer.skipReason)"))
struct HAClusterTests {
    /// ZooKeeper, the local cluster and `count` scheduler instances sharing both.
    final class Fleet: Sendable {
        let zooKeeper: ZooKeeperServer
        let cluster: LocalClusterDaemon
        let schedulers: [SchedulerDaemon]
        let path = "/pod-scheduler"

        /// `arguments` adds to the command line of instance `i`; with `httpsCA`, the test's
        /// requests go over HTTPS trusting it.
        init(count: Int, sessionTimeoutMilliseconds: Int, arguments: (Int) -> [String] = { _ in [] }, httpsCA: String? = nil) async throws {
            let zooKeeper = try await ZooKeeperServer.start()
            let cluster = try LocalClusterDaemon()
            self.zooKeeper = zooKeeper
            self.cluster = cluster
            let zk = "zk://\(zooKeeper.servers)/pod-scheduler"
            schedulers = try (0..<count).map { i in
                try SchedulerDaemon(extraArguments: ["--zk", zk, "--zk-session-timeout", "\(sessionTimeoutMilliseconds)"] + arguments(i),
                                    cluster: cluster, httpsCA: httpsCA)
            }
        }

        /// Starts the cluster, then the instances one after another (the first leads).
        func start() async throws {
            try await cluster.start()
            for scheduler in schedulers { try await scheduler.start() }
        }

        func tearDown() async {
            for scheduler in schedulers { scheduler.signal(SIGCONT) }
            if let live = schedulers.first(where: { $0.process.isRunning }) { await live.tearDown() }
            for scheduler in schedulers { await scheduler.tearDown() }
            await cluster.tearDown()
            await zooKeeper.destroy()
        }

        /// The instance `/v2/leader` of `asking` names.
        func leader(asking: SchedulerDaemon) async throws -> SchedulerDaemon? {
            let answer = try await asking.request(.GET, "/v2/leader")
            guard answer.status == 200, let hostPort = answer.object["leader"] as? String else { return nil }
            return schedulers.first { $0.hostPort == hostPort }
        }

        /// Every node under the state path with the zxids of its last change and of its
        /// children's last change: any write under it changes this.
        func stateDigest() async throws -> [String: [Int64]] {
            let session = try await ZooKeeperSession.connect(.init(servers: zooKeeper.servers, logger: Logger(label: "test.zookeeper")))
            defer { Task { await session.close() } }
            var digest: [String: [Int64]] = [:]
            var pending = [path + "/state"]
            while let node = pending.popLast() {
                guard let stat = try await session.exists(node) else { continue }
                digest[node] = [stat.mzxid, stat.pzxid]
                for child in try await session.children(node) { pending.append(node + "/" + child) }
            }
            return digest
        }
    }

    static func stable(_ status: [String: Any]) -> Int { SchedulerFaultTests.stableCount(status) }

    /// Every live instance answers `/v2/pods/ten::status` and `/v2/leader` correctly (served
    /// or proxied); returns the answers' statuses that were not.
    static func probe(_ instances: [SchedulerDaemon]) async -> [String] {
        var wrong: [String] = []
        for instance in instances {
            do {
                let status = try await instance.request(.GET, "/v2/pods/ten::status")
                if status.status != 200 || status.object["id"] as? String != "/ten" {
                    wrong.append("\(instance.httpPort) status: \(status.status) \(status.text.prefix(200))")
                }
                let leader = try await instance.request(.GET, "/v2/leader")
                if leader.status != 200 { wrong.append("\(instance.httpPort) leader: \(leader.status) \(leader.text.prefix(200))") }
            } catch {
                wrong.append("\(instance.httpPort): \(error)")
            }
        }
        return wrong
    }

    @Test("kill -9 of the leader during a 10-instance deployment: another leads, exactly 10 instances, same framework id, every instance answers")
    func killLeaderMidDeployment() async throws {
        let fleet = try await Fleet(count: 3, sessionTimeoutMilliseconds: 4000)
        do {
            try await fleet.start()
            let first = fleet.schedulers[0]
            let leader = try #require(try await fleet.leader(asking: fleet.schedulers[2]))
            #expect(leader === first, "the first instance started leads")
            let frameworkID = try #require(try await first.currentFrameworkID())
            // Created through a follower: proxied to the leader.
            let created = try await fleet.schedulers[1].request(.POST, "/v2/pods", body: SchedulerFaultTests.sleeper("/ten", instances: 10))
            #expect(created.status == 201, "\(created.text)")
            try await first.process.wait("a first executor", timeout: .seconds(30), interval: .milliseconds(10)) {
                !first.executorPIDs().isEmpty
            }
            let executorsAtKill = fleet.cluster.executorPIDs().count
            let killed = ContinuousClock.now
            leader.kill9()
            let survivors = fleet.schedulers.filter { $0 !== leader }
            // Requests during the failover: answered once a new leader serves, never wrong.
            let during = await Self.probe(survivors)
            #expect(during.isEmpty, "answers during the failover: \(during)")
            var newLeader: SchedulerDaemon?
            try await survivors[0].wait("another instance to lead", timeout: .seconds(15)) {
                newLeader = try await fleet.leader(asking: survivors[0])
                return newLeader != nil && newLeader !== leader
            }
            print("HA failover: leader killed with \(executorsAtKill) executors started; another leads after \(ContinuousClock.now - killed)")
            let elected = try await newLeader?.request(.GET, "/v2/info")
            #expect(elected?.object["elected"] as? Bool == true)
            #expect(elected?.object["frameworkId"] as? String == frameworkID, "the new leader subscribed with the same framework id")
            try await survivors[0].wait("the deployment to finish with 10 STABLE instances", timeout: .seconds(120)) {
                let deployments = try await survivors[1].request(.GET, "/v2/deployments").json as? [Any]
                let status = try await survivors[0].status("/ten")
                return deployments?.isEmpty == true && status["status"] as? String == "STABLE" && Self.stable(status) == 10
            }
            let ids = SchedulerFaultTests.instances(try await survivors[1].status("/ten")).compactMap { $0["id"] as? String }
            #expect(ids.count == 10 && Set(ids).count == 10)
            try await survivors[0].wait("exactly 10 executors on the cluster") { fleet.cluster.executorPIDs().count == 10 }
            let after = await Self.probe(survivors)
            #expect(after.isEmpty, "answers after the failover: \(after)")
            for survivor in survivors {
                let info = try await survivor.request(.GET, "/v2/info")
                #expect(info.object["frameworkId"] as? String == frameworkID)
                #expect(info.headers.first(name: "X-Marathon-Leader") == newLeader.map { "http://127.0.0.1:\($0.httpPort)" })
            }
        } catch {
            await fleet.tearDown()
            throw error
        }
        await fleet.tearDown()
    }

    @Test("a leader frozen past its session timeout is replaced; resumed, it neither launches, kills nor writes, and follows")
    func frozenLeader() async throws {
        let fleet = try await Fleet(count: 2, sessionTimeoutMilliseconds: 2000)
        do {
            try await fleet.start()
            let (frozen, other) = (fleet.schedulers[0], fleet.schedulers[1])
            #expect(try await fleet.leader(asking: other) === frozen)
            let frameworkID = try #require(try await frozen.currentFrameworkID())
            let created = try await frozen.request(.POST, "/v2/pods", body: SchedulerFaultTests.sleeper("/ten", instances: 10))
            #expect(created.status == 201, "\(created.text)")
            try await frozen.process.wait("a first executor", timeout: .seconds(30), interval: .milliseconds(10)) {
                !frozen.executorPIDs().isEmpty
            }
            // Frozen in the middle of its deployment: work pending for when it resumes.
            frozen.signal(SIGSTOP)
            // A request proxied to the frozen leader waits for its read timeout (10 s), as
            // with Marathon; asked again, the new leader answers.
            try await other.wait("the other instance to lead", timeout: .seconds(40)) {
                (try? await fleet.leader(asking: other)) === other
            }
            try await other.wait("the deployment to finish with 10 STABLE instances", timeout: .seconds(120)) {
                let deployments = try await other.request(.GET, "/v2/deployments").json as? [Any]
                let status = try await other.status("/ten")
                return deployments?.isEmpty == true && status["status"] as? String == "STABLE" && Self.stable(status) == 10
            }
            try await other.wait("exactly 10 executors") { fleet.cluster.executorPIDs().count == 10 }
            let stateBefore = try await fleet.stateDigest()
            #expect(stateBefore.keys.filter { $0.contains("/state/instances/") }.count >= 10 + 16, "the instances and their buckets")
            let executorsBefore = fleet.cluster.executorPIDs()
            let marker = frozen.log.utf8.count
            let otherMarker = other.log.utf8.count

            frozen.signal(SIGCONT)
            try await frozen.wait("the resumed instance to follow", timeout: .seconds(30)) {
                let since = String(decoding: frozen.log.utf8.dropFirst(marker), as: UTF8.self)
                return since.contains("ha.state=following")
            }
            // It answers again, through the leader.
            let answer = try await frozen.request(.GET, "/v2/pods/ten::status")
            #expect(answer.status == 200)
            #expect(try await fleet.leader(asking: frozen) === other)
            // A few of its housekeeping ticks later: nothing launched, killed or written.
            try await Task.sleep(for: .seconds(3))
            let stateAfter = try await fleet.stateDigest()
            let changed = stateAfter.filter { stateBefore[$0.key] != $0.value }.map(\.key)
                + stateBefore.keys.filter { stateAfter[$0] == nil }
            #expect(changed.isEmpty, "state nodes written after the old leader resumed: \(changed.sorted())")
            #expect(fleet.cluster.executorPIDs() == executorsBefore)
            // Had it subscribed again, the master would have given it the framework back.
            let otherSince = String(decoding: other.log.utf8.dropFirst(otherMarker), as: UTF8.self)
            #expect(!otherSince.contains("the master gave the framework to another scheduler"))
            #expect(!otherSince.contains("leadership ended"))
            let info = try await other.request(.GET, "/v2/info")
            #expect(info.object["frameworkId"] as? String == frameworkID)
        } catch {
            await fleet.tearDown()
            throw error
        }
        await fleet.tearDown()
    }
}
