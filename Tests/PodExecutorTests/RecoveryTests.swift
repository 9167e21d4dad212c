import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite(.serialized, .enabled(if: isRoot(), "needs root"))
struct RecoveryTests {
    @Test("agent restart mid-run: the executor re-subscribes, no update is lost or duplicated")
    func agentRestart() async throws {
        let cluster = try await TestCluster.start()
        // 'short' finishes while the agent is down (when the test lets it); its update must
        // arrive exactly once.
        let go = cluster.workDirectory + "/short-may-end"
        let shortTask = shellTask("short", "while [ ! -e \(go) ]; do sleep 0.05; done; exit 0")
        await cluster.launch(cluster.executorInfo("e-rr"), [shellTask("long", "sleep 1000"), shortTask])
        try await cluster.master.wait("RUNNING") { u in u.filter { $0.state == .taskRunning }.count == 2 }
        await cluster.agent.stop()
        try Host.write(go, "")
        // The agent stays down until the executor has seen 'short' end (its state file says so).
        try await waitUntil("the executor to see 'short' end while the agent is down") {
            Self.hasEnded("short", stateFile: cluster.runtimeDirectory + "/pods/e-rr/state.json")
        }
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
        let marker = "sleep 1000.\(UInt32.random(in: 1...999_999))"
        await cluster.launch(cluster.executorInfo("e-nocp"), [shellTask("t", "exec \(marker)")])
        try await cluster.master.wait("RUNNING") { u in u.contains { $0.state == .taskRunning } }
        #expect(Self.processes(running: marker) == 1)
        await cluster.agent.stop()
        try await cluster.agent.start()
        let failure = try await cluster.master.waitForFailure(timeout: .seconds(15))
        #expect(failure.executorID == "e-nocp")
        #expect(failure.status == 0, "the executor should end on its own, cleanly, after killing its pod (status \(failure.status))")
        try await waitUntil("the pod's process to be gone") { Self.processes(running: marker) == 0 }
        #expect(await cluster.stop() == [])
    }

    @Test("JSON encoding works end to end as well as protobuf")
    func jsonEncoding() async throws {
        let cluster = try await TestCluster.start(encoding: "json")
        await cluster.launch(cluster.executorInfo("e-json"), [shellTask("j", "true")])
        try await cluster.master.wait("finished") { u in u.contains { $0.state == .taskFinished } }
        _ = try await cluster.master.waitForFailure()
        await cluster.stop()
    }

    /// Whether the executor's state file shows `task`'s container as ended.
    static func hasEnded(_ task: String, stateFile: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: stateFile),
              let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let containers = state["containers"] as? [[String: Any]],
              let container = containers.first(where: { $0["taskID"] as? String == task }) else { return false }
        return container["running"] as? Bool == false
    }

    /// Processes whose command line is exactly `command` (a test's unique marker).
    static func processes(running command: String) -> Int {
        let words = command.split(separator: " ").map(String.init)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { entry in
            guard Int32(entry) != nil, let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return false }
            return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) } == words
        }.count
    }
}
