import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

/// Restarts in place (`lifecycle.restart`) with real containers behind the agent stand-in.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: namespaces, cgroups, CNI bridge"))
struct RestartTests {
    typealias Key = PodRestartContract.StatusLabel

    static func restartingTask(_ id: String, _ command: String, maxRestarts: Int) -> Mesos_V1_TaskInfo {
        var t = shellTask(id, command, volumes: [podVolume("v", at: "shared")])
        let policy = PodRestartContract.Restart(policy: .onFailure, maxRestarts: maxRestarts, windowSeconds: 600,
                                                backoffSeconds: 0.2, maxBackoffSeconds: 0.4)
        t.labels = Mesos_V1_Labels([(PodRestartContract.policyLabel, policy.labelValue)])
        return t
    }

    static func label(_ status: Mesos_V1_TaskStatus, _ key: String) -> String? {
        status.labels.labels.last { $0.key == key }?.value
    }

    /// The host PID of a container's init from the executor's runtime state.
    static func initPID(_ task: String, stateFile: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: stateFile),
              let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let containers = state["containers"] as? [[String: Any]],
              let container = containers.first(where: { $0["taskID"] as? String == task && $0["running"] as? Bool == true })
        else { return nil }
        return container["initPID"] as? Int
    }

    @Test("OnFailure: exit 1 restarts in place (same pod IP, sibling's PID and volume kept); exhausted: the pod restarts once, then the task fails")
    func restartAndEscalate() async throws {
        let cluster = try await TestCluster.start()
        // Its third run (after two restarts) waits for `go` before it exits, so that the checks
        // of the restarts in place see the pod before the escalation, however slow the machine.
        let crasher = Self.restartingTask("crasher", """
            echo start >> shared/crasher-starts; [ "$(wc -l < shared/crasher-starts)" -eq 3 ] && \
            while [ ! -f shared/go ]; do sleep 0.05; done; sleep 0.3; exit 1
            """, maxRestarts: 2)
        let sibling = shellTask("sibling", "echo start >> shared/sibling-starts; exec sleep 1000", volumes: [podVolume("v", at: "shared")])
        await cluster.launch(cluster.executorInfo("e-restart", networks: ["mesos-bridge"]), [crasher, sibling])
        let stateFile = cluster.runtimeDirectory + "/pods/e-restart/state.json"
        try await cluster.master.wait("both RUNNING") { u in u.filter { $0.state == .taskRunning }.count >= 2 }
        let firstRunning = await cluster.master.updates.first { $0.state == .taskRunning }
        let podIP = try #require(NetworkingTests.podIP(firstRunning))
        let siblingPID = try await waitFor("the sibling's init PID") { Self.initPID("sibling", stateFile: stateFile) }

        // Two restarts in place: TASK_RUNNING updates with the count and the last exit.
        try await cluster.master.wait("two restarts of crasher") { u in
            u.contains { $0.taskID.value == "crasher" && Self.label($0, Key.restartCount) == "2" && $0.message.contains("restarted in place") }
        }
        let restarts = await cluster.master.updates.filter { $0.taskID.value == "crasher" && Self.label($0, Key.restartCount) != nil }
        #expect(restarts.allSatisfy { $0.state == .taskRunning })
        #expect(restarts.allSatisfy { Self.label($0, Key.exitCode) == "1" && Self.label($0, Key.oomKilled) == "false" })
        #expect(restarts.allSatisfy { NetworkingTests.podIP($0) == podIP }, "the pod IP is kept")
        #expect(Self.initPID("sibling", stateFile: stateFile) == siblingPID, "the sibling was not touched")
        #expect(await cluster.master.states("sibling") == [.taskStarting, .taskRunning])

        let sandbox = await cluster.sandbox("e-restart")
        #expect(FileManager.default.createFile(atPath: sandbox + "/volumes/v/go", contents: Data()))
        // The third exit exhausts the restarts: the pod restarts in place (the sibling too).
        try await cluster.master.wait("the pod restarted in place") { u in
            u.contains { $0.taskID.value == "sibling" && Self.label($0, Key.scope) == "pod" && $0.state == .taskRunning }
        }
        let siblingAfter = await cluster.master.last("sibling")
        #expect(siblingAfter.map { NetworkingTests.podIP($0) } == podIP)
        // Then the crasher exhausts its fresh window: it fails and the group policy kills the sibling.
        try await cluster.master.wait("crasher FAILED, sibling KILLED") { u in
            u.contains { $0.taskID.value == "crasher" && $0.state == .taskFailed }
                && u.contains { $0.taskID.value == "sibling" && $0.state == .taskKilled }
        }
        let failed = await cluster.master.last("crasher")
        #expect(failed?.message.contains("after the pod was restarted in place") == true, "\(failed?.message ?? "")")
        let crasherStarts = lineCount(sandbox + "/volumes/v/crasher-starts")
        let siblingStarts = lineCount(sandbox + "/volumes/v/sibling-starts")
        #expect(crasherStarts == 6, "1 launch + 2 restarts + pod restart + 2 restarts, all in the same volume")
        #expect(siblingStarts == 2, "launched once, restarted once with the pod")
        _ = try await cluster.master.waitForFailure()
        #expect(await cluster.stop() == [])
    }
}

/// Ordered start and stop (`dependsOn`) with real containers behind the agent stand-in.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: namespaces and cgroups"))
struct DependsOnTests {
    static func task(_ id: String, _ command: String, dependsOn: String? = nil) -> Mesos_V1_TaskInfo {
        var t = shellTask(id, command, volumes: [podVolume("v", at: "shared")])
        if let dependsOn { t.labels = Mesos_V1_Labels([(PodRestartContract.dependsOnLabel, dependsOn)]) }
        return t
    }

    @Test("init step, app and log shipper: start in dependency order; KILL stops the app first and the shipper last")
    func shipperOutlivesApp() async throws {
        let cluster = try await TestCluster.start()
        let log = "shared/order"
        let shipper = Self.task("shipper", "echo shipper-start >> \(log); trap 'echo shipper-stop >> \(log); exit 0' TERM; while true; do sleep 0.05; done")
        let migrate = Self.task("migrate", "echo migrate-start >> \(log); sleep 0.3", dependsOn: "shipper:STARTED")
        let app = Self.task("app", "echo app-start >> \(log); trap 'sleep 0.3; echo app-stop >> \(log); exit 0' TERM; while true; do sleep 0.05; done",
                            dependsOn: "migrate:COMPLETED,shipper:STARTED")
        await cluster.launch(cluster.executorInfo("e-order"), [app, migrate, shipper])
        try await cluster.master.wait("app RUNNING") { u in u.contains { $0.taskID.value == "app" && $0.state == .taskRunning } }
        #expect(await cluster.master.states("migrate") == [.taskStarting, .taskRunning, .taskFinished])
        let sandbox = await cluster.sandbox("e-order")
        await cluster.kill("shipper", grace: .seconds(5))
        try await cluster.master.wait("all ended") { u in
            ["app", "shipper"].allSatisfy { id in u.contains { $0.taskID.value == id && $0.state.isTerminal } }
        }
        let lines = (try? String(contentsOfFile: sandbox + "/volumes/v/order", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        #expect(lines == ["shipper-start", "migrate-start", "app-start", "app-stop", "shipper-stop"], "\(lines)")
        _ = try await cluster.master.waitForFailure()
        #expect(await cluster.stop() == [])
    }

    @Test("READY: the client starts only once the server's readiness check (a command) exits 0")
    func readyDependency() async throws {
        let cluster = try await TestCluster.start()
        let flag = cluster.workDirectory + "/ready"
        var server = Self.task("server", "echo server-start >> shared/order; exec sleep 1000")
        server.check = CheckTests.check(.command, command: "test -f \(flag)")
        let client = Self.task("client", "echo client-start >> shared/order; exec sleep 1000", dependsOn: "server:READY")
        await cluster.launch(cluster.executorInfo("e-ready"), [client, server])
        try await cluster.master.wait(timeout: .seconds(30), "the server's check said not ready") { u in
            CheckTests.checkUpdates(u, "server").contains { $0.checkStatus.command.exitCode == 1 }
        }
        #expect(await cluster.master.states("client") == [.taskStarting], "the client waits while the server is not ready")
        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        try await cluster.master.wait(timeout: .seconds(30), "client RUNNING") { u in
            u.contains { $0.taskID.value == "client" && $0.state == .taskRunning }
        }
        let updates = await cluster.master.updates
        let ready = try #require(updates.firstIndex { $0.taskID.value == "server" && $0.checkStatus.command.exitCode == 0 && $0.reason == .taskCheckStatusUpdated })
        let running = try #require(updates.firstIndex { $0.taskID.value == "client" && $0.state == .taskRunning })
        #expect(ready < running, "the ready result came first")
        let order = await cluster.sandbox("e-ready") + "/volumes/v/order"
        func lines() -> [String] { (try? String(contentsOfFile: order, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? [] }
        // TASK_RUNNING comes when the container starts, before its shell has written.
        try await waitUntil("the client wrote its start", state: { "\(lines())" }) { lines().count >= 2 }
        #expect(lines() == ["server-start", "client-start"], "\(lines())")
        await cluster.stop()
    }
}
