import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite(.serialized, .enabled(if: isRoot(), "needs root"))
struct RecoveryTests {
    @Test("agent restart mid-run: the executor re-subscribes, no update is lost or duplicated")
    func agentRestart() async throws {
        let cluster = try await TestCluster.start()
        // 'short' finishes while the agent is down; its update must arrive exactly once.
        let shortTask = shellTask("short", "sleep 1.5; exit 0")
        await cluster.launch(cluster.executorInfo("e-rr"), [shellTask("long", "sleep 1000"), shortTask])
        try await cluster.master.wait("RUNNING") { u in u.filter { $0.state == .taskRunning }.count == 2 }
        await cluster.agent.stop()
        try await Task.sleep(for: .seconds(2))  // the agent is down for a while, as in a real restart
        try await cluster.agent.start()
        try await cluster.master.wait("short FINISHED after restart") { u in
            u.contains { $0.taskID.value == "short" && $0.state == .taskFinished }
        }
        // The executor is still working for us: a KILL after the restart is obeyed.
        await cluster.kill("long")
        try await cluster.master.wait("long KILLED") { u in u.contains { $0.taskID.value == "long" && $0.state == .taskKilled } }
        let updates = await cluster.master.updates
        let uuids = updates.filter(\.hasUuid).map { Array($0.uuid) }
        #expect(Set(uuids).count == uuids.count, "an update was forwarded twice")
        #expect(await cluster.master.states("short") == [.taskStarting, .taskRunning, .taskFinished])
        #expect(await cluster.master.states("long") == [.taskStarting, .taskRunning, .taskKilling, .taskKilled])
        #expect(await cluster.stop() == [])
    }

    @Test("executor without checkpointing: disconnection kills the pod and the executor exits")
    func noCheckpoint() async throws {
        let cluster = try await TestCluster.start(checkpoint: false)
        await cluster.launch(cluster.executorInfo("e-nocp"), [shellTask("t", "sleep 1000")])
        try await cluster.master.wait("RUNNING") { u in u.contains { $0.state == .taskRunning } }
        await cluster.agent.stop()
        try await cluster.agent.start()
        _ = try await cluster.master.waitForFailure(timeout: .seconds(15))
        await cluster.stop()
    }

    @Test("JSON encoding works end to end as well as protobuf")
    func jsonEncoding() async throws {
        let cluster = try await TestCluster.start(encoding: "json")
        await cluster.launch(cluster.executorInfo("e-json"), [shellTask("j", "true")])
        try await cluster.master.wait("finished") { u in u.contains { $0.state == .taskFinished } }
        _ = try await cluster.master.waitForFailure()
        await cluster.stop()
    }
}

