import Foundation
@testable import LocalMesos
@testable import PodSchedulerCore
import PodSpec
import PodTestFixtures
import Testing

@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct SchedulerLifecycleTests {
    static let simplepod = """
    {"id": "/simplepod", "scaling": {"kind": "fixed", "instances": 1},
     "containers": [{"name": "sleep1", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32}}],
     "networks": [{"mode": "host"}]}
    """

    @Test("Quick Start through the core: create → running instance → delete → gone")
    func quickStart() async throws {
        let cluster = try await EmbeddedCluster.start()
        let change = try await cluster.scheduler.create(try cluster.pod(Self.simplepod), force: false)
        #expect(change.created)
        try await cluster.wait("an instance running") { s in
            await s.statusSnapshot(PodId(canonicalizing: "/simplepod"))?.instances.contains { $0.condition == .running } == true
        }
        try await cluster.wait("the deployment to finish") { s in await s.deployments().isEmpty }
        let status = await cluster.scheduler.statusSnapshot(PodId(canonicalizing: "/simplepod"))
        #expect(status?.instances.count == 1)
        #expect(status?.instances.first?.tasks.first?.state == "TASK_RUNNING")
        _ = try await cluster.scheduler.delete(PodId(canonicalizing: "/simplepod"), force: false)
        #expect(await cluster.scheduler.pod(PodId(canonicalizing: "/simplepod")) == nil)
        try await cluster.wait("instances gone") { s in await s.deployments().isEmpty }
        // The executor ends after its tasks, once the agent has reaped it.
        let frameworkID = await cluster.scheduler.frameworkID ?? ""
        try await cluster.wait("the executor to end") { _ in await cluster.agent.liveExecutors(frameworkID: frameworkID).isEmpty }
        // Once its process has ended and its tasks' last updates are acknowledged, the agent
        // forgets the executor (records of ended executors do not pile up).
        try await cluster.wait("the agent to forget the ended executor") { _ in
            let (executors, index) = (await cluster.agent.executors, await cluster.agent.taskIndex)
            return executors.isEmpty && index.isEmpty
        }
        await cluster.stop()
    }

    @Test("scale up, then down, then a restart with a changed command")
    func scaleAndRestart() async throws {
        let cluster = try await EmbeddedCluster.start()
        var pod = try cluster.pod(Self.simplepod)
        _ = try await cluster.scheduler.create(pod, force: false)
        try await cluster.wait("deployment done") { s in await s.deployments().isEmpty }
        pod.instances = 3
        let id = pod.id
        _ = try await cluster.scheduler.update(pod, force: false)
        try await cluster.wait("3 running") { s in
            await s.statusSnapshot(id)?.instances.filter { $0.condition == .running }.count == 3
        }
        try await cluster.wait("deployment done") { s in await s.deployments().isEmpty }
        pod.instances = 2
        _ = try await cluster.scheduler.update(pod, force: false)
        try await cluster.wait("2 left") { s in
            let list = await s.statusSnapshot(id)?.instances ?? []
            return list.count == 2 && list.allSatisfy { $0.condition == .running }
        }
        let before = Set(await cluster.scheduler.statusSnapshot(pod.id)?.instances.map(\.instanceID) ?? [])
        pod.containers[0].exec = try cluster.pod("""
            {"id": "/x", "containers": [{"name": "c", "exec": {"command": {"shell": "sleep 999"}}, "resources": {}}]}
            """).containers[0].exec
        let change = try await cluster.scheduler.update(pod, force: false)
        try await cluster.wait("restart done", timeout: .seconds(60)) { s in await s.deployments().isEmpty }
        let after = await cluster.scheduler.statusSnapshot(pod.id)?.instances ?? []
        #expect(after.count == 2)
        #expect(Set(after.map(\.instanceID)).isDisjoint(with: before), "every instance was replaced")
        #expect(after.allSatisfy { $0.specVersion == change.version })
        await cluster.stop()
    }

    @Test("an agent restart loses nothing: the same instances and tasks run on, no relaunch, later updates flow")
    func agentRestart() async throws {
        let cluster = try await EmbeddedCluster.start()
        var pod = try cluster.pod(Self.simplepod)
        pod.instances = 3
        let id = pod.id
        _ = try await cluster.scheduler.create(pod, force: false)
        try await cluster.wait("3 running, deployment done") { s in
            guard await s.deployments().isEmpty else { return false }
            return await s.statusSnapshot(id)?.instances.filter { $0.condition == .running }.count == 3
        }
        let before = await cluster.scheduler.statusSnapshot(id)?.instances ?? []
        let tasksBefore = Set(before.flatMap { $0.tasks.map(\.taskID) })
        let frameworkID = await cluster.scheduler.frameworkID ?? ""

        await cluster.agent.stop()
        try await cluster.agent.start()
        // Past the re-registration timeout every executor must have come back.
        try await cluster.wait("recovery to end") { _ in await !cluster.agent.recovering }
        let live = await cluster.agent.liveExecutors(frameworkID: frameworkID)
        #expect(Set(live).count == 3)
        let after = await cluster.scheduler.statusSnapshot(id)?.instances ?? []
        #expect(Set(after.map(\.instanceID)) == Set(before.map(\.instanceID)))
        #expect(Set(after.flatMap { $0.tasks.map(\.taskID) }) == tasksBefore, "no task was relaunched")
        #expect(after.allSatisfy { $0.condition == .running })

        // Updates after the restart still reach the scheduler: scale down by one.
        pod.instances = 2
        _ = try await cluster.scheduler.update(pod, force: false)
        try await cluster.wait("2 left") { s in
            let list = await s.statusSnapshot(id)?.instances ?? []
            return list.count == 2 && list.allSatisfy { $0.condition == .running }
        }
        try await cluster.wait("its executor gone") { _ in await cluster.agent.liveExecutors(frameworkID: frameworkID).count == 2 }
        await cluster.stop()
    }

    @Test("an agent removes empty executor cgroups that no run of its own owns, and keeps busy and young ones")
    func staleExecutorCgroups() async throws {
        let cluster = try await EmbeddedCluster.start()
        defer { Task { await cluster.stop() } }
        let root = try #require(await cluster.agent.executorCgroupRoot)
        let tag = UUID().uuidString.prefix(8)
        let empty = try root.child("stale-empty-\(tag)")
        let busy = try root.child("stale-busy-\(tag)")
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer { kill(sleeper.processIdentifier, SIGKILL) }
        for file in busy.procsFiles {
            try "\(sleeper.processIdentifier)".write(toFile: file, atomically: false, encoding: .utf8)
        }
        // Only this test's cgroups are candidates: other agents in this process share the root.
        let others = root.childNames().filter { !$0.hasSuffix(String(tag)) }
        await cluster.agent.removeStaleExecutorCgroups(except: others, minimumAge: 30)
        #expect(empty.exists, "a young cgroup may be about to receive its executor")
        await cluster.agent.removeStaleExecutorCgroups(except: others, minimumAge: 0)
        #expect(!empty.exists)
        #expect(busy.exists, "a cgroup with processes may be another agent's live executor")
        kill(sleeper.processIdentifier, SIGKILL)
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !busy.processesInTree().isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await cluster.agent.removeStaleExecutorCgroups(except: others, minimumAge: 0)
        #expect(!busy.exists)
    }
}
