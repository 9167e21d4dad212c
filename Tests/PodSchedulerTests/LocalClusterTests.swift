import Foundation
import PodTestFixtures
import Testing

/// `pod-scheduler local-cluster` with schedulers started against it (`--master http://…`):
/// the cluster outlives its frameworks, and the frameworks outlive the cluster's process.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct LocalClusterTests {
    typealias Pods = SchedulerFaultTests

    /// Runs `body` with a started local cluster and tears everything down after it,
    /// whether it threw or not (schedulers first: they delete their pods).
    static func withCluster(_ body: (LocalClusterDaemon, inout [SchedulerDaemon]) async throws -> Void) async throws {
        let cluster = try LocalClusterDaemon()
        var schedulers: [SchedulerDaemon] = []
        do {
            try await cluster.start()
            try await body(cluster, &schedulers)
        } catch {
            for s in schedulers { await s.tearDown() }
            await cluster.tearDown()
            throw error
        }
        for s in schedulers { await s.tearDown() }
        await cluster.tearDown()
    }

    static func stable(_ daemon: SchedulerDaemon, _ id: String, _ count: Int) async throws -> Bool {
        let s = try await daemon.status(id)
        return s["status"] as? String == "STABLE" && Pods.stableCount(s) == count
    }

    @Test("a scheduler against the local cluster: the pod reaches STABLE in the cluster's agent, DELETE removes it")
    func schedulerAgainstCluster() async throws {
        try await Self.withCluster { cluster, schedulers in
            let scheduler = try SchedulerDaemon(cluster: cluster)
            schedulers.append(scheduler)
            try await scheduler.start()
            let created = try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/simplepod", instances: 1))
            #expect(created.status == 201, "\(created.text)")
            try await scheduler.wait("simplepod STABLE") { try await Self.stable(scheduler, "/simplepod", 1) }
            #expect(scheduler.executorPIDs().count == 1, "the executor runs in the cluster's agent, under this framework")
            #expect(cluster.executorPIDs() == scheduler.executorPIDs())
            #expect(DaemonProcess.executorPIDs(under: scheduler.workDirectory).isEmpty, "no embedded agent in the scheduler")
            let info = try await scheduler.request(.GET, "/v2/info").object
            #expect((info["marathon_config"] as? [String: Any])?["master"] as? String == cluster.masterURL)

            #expect(try await scheduler.request(.DELETE, "/v2/pods/simplepod").status == 202)
            try await scheduler.wait("the executor to exit") { cluster.executorPIDs().isEmpty }
            try await scheduler.wait("the pod to be gone") { try await scheduler.request(.GET, "/v2/pods/simplepod").status == 404 }
        }
    }

    @Test("kill -9 of the scheduler mid 10-instance deployment: restarted, it keeps its framework id and ends with exactly 10, survivors kept")
    func killSchedulerMidDeployment() async throws {
        try await Self.withCluster { cluster, schedulers in
            let scheduler = try SchedulerDaemon(cluster: cluster)
            schedulers.append(scheduler)
            try await scheduler.start()
            let created = try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/ten", instances: 10))
            #expect(created.status == 201, "\(created.text)")
            let frameworkBefore = try await scheduler.currentFrameworkID()
            // Killed as soon as the first executor exists: the launches are in flight, and the
            // cluster, which lives on, goes on starting what the scheduler asked for.
            try await scheduler.process.wait("a first executor", timeout: .seconds(30), interval: .milliseconds(10)) {
                !scheduler.executorPIDs().isEmpty
            }
            scheduler.kill9()
            let survivors = scheduler.executorPIDs()

            try await scheduler.start()
            #expect(try await scheduler.currentFrameworkID() == frameworkBefore, "re-subscribed with the stored framework id")
            let loaded = scheduler.logTail(100_000).components(separatedBy: "\n").last { $0.contains("scheduler state loaded") } ?? ""
            #expect(loaded.contains("deployments=1"), "killed while the deployment was under way: \(loaded)")
            try await scheduler.wait("the deployment to finish with 10 STABLE instances", timeout: .seconds(120)) {
                let deployments = try await scheduler.request(.GET, "/v2/deployments").json as? [Any]
                let stable = try await Self.stable(scheduler, "/ten", 10)
                return deployments?.isEmpty == true && stable
            }
            let ids = Pods.instances(try await scheduler.status("/ten")).compactMap { $0["id"] as? String }
            #expect(ids.count == 10 && Set(ids).count == 10)
            try await scheduler.wait("exactly 10 executors") { scheduler.executorPIDs().count == 10 }
            // The cluster never went away: every executor that had started is still the one running.
            #expect(survivors.isSubset(of: scheduler.executorPIDs()), "survivors \(survivors.sorted()) all kept")
        }
    }

    @Test("a container killed while its scheduler is down: the restarted scheduler gets the TASK_FAILED and relaunches")
    func updateWhileSchedulerDown() async throws {
        try await Self.withCluster { cluster, schedulers in
            let scheduler = try SchedulerDaemon(cluster: cluster)
            schedulers.append(scheduler)
            try await scheduler.start()
            let created = try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/victim", instances: 1, backoff: 1))
            #expect(created.status == 201, "\(created.text)")
            try await scheduler.wait("victim STABLE") { try await Self.stable(scheduler, "/victim", 1) }
            let instanceID = Pods.instances(try await scheduler.status("/victim")).first?["id"] as? String
            let executors = scheduler.executorPIDs()
            try #require(executors.count == 1)

            scheduler.kill9()
            let containers = DaemonProcess.containerPIDs(of: executors)
            try #require(!containers.isEmpty, "the pod's container processes")
            for pid in containers { kill(pid, SIGKILL) }
            // The executor reports TASK_FAILED and exits while no scheduler is subscribed: the
            // agent keeps the update until a scheduler acknowledges it.
            try await cluster.wait("the executor to exit") { cluster.executorPIDs().isEmpty }

            try await scheduler.start()
            try await scheduler.wait("the executor's TASK_FAILED in the termination history") {
                let history = try await scheduler.status("/victim")["terminationHistory"] as? [[String: Any]] ?? []
                let states = history.flatMap { ($0["containers"] as? [[String: Any]] ?? []).compactMap { $0["lastKnownState"] as? String } }
                // Reconciliation also says TASK_FAILED, but only the resent update has the executor's message.
                let message = history.first?["message"] as? String ?? ""
                return states.contains("TaskFailed") && !message.isEmpty && !message.hasPrefix("Reconciliation")
            }
            try await scheduler.wait("a new executor and a STABLE instance") {
                let fresh = scheduler.executorPIDs()
                guard !fresh.isEmpty, fresh.isDisjoint(with: executors) else { return false }
                return try await Self.stable(scheduler, "/victim", 1)
            }
            let after = Pods.instances(try await scheduler.status("/victim"))
            #expect(after.count == 1)
            #expect(after.first?["id"] as? String == instanceID, "the same instance, next incarnation")
        }
    }

    @Test("two schedulers with their own work dirs are two frameworks on one cluster, each running its own pod")
    func twoFrameworks() async throws {
        try await Self.withCluster { cluster, schedulers in
            let first = try SchedulerDaemon(cluster: cluster)
            let second = try SchedulerDaemon(cluster: cluster)
            schedulers += [first, second]
            try await first.start()
            try await second.start()
            let firstID = try await first.currentFrameworkID()
            let secondID = try await second.currentFrameworkID()
            #expect(firstID != nil && secondID != nil && firstID != secondID)
            #expect(try await first.request(.POST, "/v2/pods", body: Pods.sleeper("/one", instances: 1)).status == 201)
            #expect(try await second.request(.POST, "/v2/pods", body: Pods.sleeper("/two", instances: 2)).status == 201)
            try await first.wait("/one STABLE on the first") { try await Self.stable(first, "/one", 1) }
            try await second.wait("/two STABLE on the second") { try await Self.stable(second, "/two", 2) }
            #expect(first.executorPIDs().count == 1)
            #expect(second.executorPIDs().count == 2)
            #expect(first.executorPIDs().isDisjoint(with: second.executorPIDs()))
            #expect(cluster.executorPIDs().count == 3)
            // Each framework sees only its own pods.
            #expect((try await first.request(.GET, "/v2/pods").json as? [Any])?.count == 1)
            #expect(try await second.request(.GET, "/v2/pods/one").status == 404)
        }
    }

    @Test("the local cluster stopped (SIGTERM) or killed (kill -9) and started again: pods keep running, the scheduler re-subscribes")
    func clusterRestarts() async throws {
        try await Self.withCluster { cluster, schedulers in
            let scheduler = try SchedulerDaemon(cluster: cluster)
            schedulers.append(scheduler)
            try await scheduler.start()
            #expect(try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/steady", instances: 2)).status == 201)
            try await scheduler.wait("steady STABLE") { try await Self.stable(scheduler, "/steady", 2) }
            let frameworkID = try await scheduler.currentFrameworkID()
            let executors = scheduler.executorPIDs()
            let instances = Set(Pods.instances(try await scheduler.status("/steady")).compactMap { $0["id"] as? String })
            try #require(executors.count == 2)

            #expect(await cluster.terminate(), "SIGTERM stops it")
            #expect(scheduler.executorPIDs() == executors, "a stopped cluster leaves its executors running")
            try await cluster.start()
            cluster.kill9()
            #expect(scheduler.executorPIDs() == executors, "a killed cluster leaves its executors running")
            try await cluster.start()

            // Re-subscribed: offers reach it again (a new pod launches), with the same framework id.
            #expect(try await scheduler.request(.POST, "/v2/pods", body: Pods.sleeper("/after", instances: 1)).status == 201)
            try await scheduler.wait("a pod created after the restarts STABLE") { try await Self.stable(scheduler, "/after", 1) }
            #expect(try await scheduler.currentFrameworkID() == frameworkID)
            // Nothing lost: the same instances on the same executors, recovered by the agent.
            try await scheduler.wait("steady STABLE with its instances") { try await Self.stable(scheduler, "/steady", 2) }
            let after = Set(Pods.instances(try await scheduler.status("/steady")).compactMap { $0["id"] as? String })
            #expect(after == instances)
            #expect(executors.isSubset(of: scheduler.executorPIDs()))
            #expect(scheduler.executorPIDs().count == 3)
            #expect(cluster.logTail(200_000).contains("recovered executor"))
        }
    }
}
