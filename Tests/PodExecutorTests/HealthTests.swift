import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite(.serialized, .enabled(if: isRoot(), "needs root"))
struct HealthTests {
    @Test("an HTTP-checked container goes healthy (a TASK_RUNNING copy with the health reason)")
    func becomesHealthy() async throws {
        let cluster = try await TestCluster.start()
        var task = shellTask("web", "python3 -m http.server 18181 --bind 127.0.0.1")
        // A long grace period: failures while python starts on a loaded machine do not count.
        task.healthCheck = healthCheck(.http, port: 18181, grace: 20)
        var sibling = shellTask("tcp", "python3 -m http.server 18182 --bind 127.0.0.1")
        sibling.healthCheck = healthCheck(.tcp, port: 18182, grace: 20)
        let plain = shellTask("plain", "sleep 1000")
        await cluster.launch(cluster.executorInfo("e-h", networks: [""]), [task, sibling, plain])
        try await cluster.master.wait(timeout: .seconds(40), "both healthy") { u in
            Set(u.filter { $0.healthy && $0.reason == .taskHealthCheckStatusUpdated }.map(\.taskID.value)) == ["web", "tcp"]
        }
        let healthy = await cluster.master.updates.first { $0.taskID.value == "web" && $0.hasHealthy }
        #expect(healthy?.state == .taskRunning)
        #expect(await cluster.master.updates.filter { $0.taskID.value == "plain" }.allSatisfy { !$0.hasHealthy },
                "a task without a health check never carries healthy")
        await cluster.stop()
    }

    @Test("an endpoint that stops answering: unhealthy on each counted failure, then killed; the group follows")
    func becomesUnhealthy() async throws {
        let cluster = try await TestCluster.start()
        // The grace period covers the server's start on a loaded machine; it answers for 8 s.
        var task = shellTask("flaky", "python3 -m http.server 18183 --bind 127.0.0.1 & P=$!; sleep 8; kill $P; sleep 1000")
        task.healthCheck = healthCheck(.http, port: 18183, grace: 5, failures: 2)
        await cluster.launch(cluster.executorInfo("e-u", networks: [""]), [task, shellTask("sibling", "sleep 1000")])
        try await cluster.master.wait(timeout: .seconds(40), "flaky KILLED") { u in
            u.contains { $0.taskID.value == "flaky" && $0.state == .taskKilled }
        }
        let flaky = await cluster.master.updates.filter { $0.taskID.value == "flaky" }
        let health = flaky.filter(\.hasHealthy).map { "\($0.state.name):\($0.healthy)" }
        // healthy once, then one unhealthy per counted failure, then the kill (KILLING, KILLED both unhealthy).
        #expect(health.first == "TASK_RUNNING:true", "\(health)")
        #expect(health.filter { $0 == "TASK_RUNNING:false" }.count == 2, "\(health)")
        #expect(flaky.map(\.state).suffix(2) == [.taskKilling, .taskKilled])
        #expect(flaky.last?.healthy == false)
        try await cluster.master.wait("sibling KILLED") { u in u.contains { $0.taskID.value == "sibling" && $0.state == .taskKilled } }
        await cluster.stop()
    }

    @Test("a command check that hangs is timed out and counts as a failure")
    func hangingCommand() async throws {
        let cluster = try await TestCluster.start()
        var task = shellTask("hang", "sleep 1000")
        task.healthCheck = healthCheck(.command, command: "sleep 100", interval: 0.5, timeout: 1, grace: 0, failures: 1)
        await cluster.launch(cluster.executorInfo("e-c"), [task])
        try await cluster.master.wait(timeout: .seconds(30), "killed for failing health") { u in
            u.contains { $0.taskID.value == "hang" && $0.state == .taskKilled }
        }
        let unhealthy = await cluster.master.updates.first { $0.taskID.value == "hang" && $0.hasHealthy && !$0.healthy }
        #expect(unhealthy != nil)
        await cluster.stop()
    }

    @Test("a command check runs inside the container (its environment and filesystem view)")
    func commandInContainer() async throws {
        let cluster = try await TestCluster.start()
        var task = shellTask("cmd", "echo ready > $MESOS_SANDBOX/marker; sleep 1000")
        task.command.environment.variables = [{ var v = Mesos_V1_Environment.Variable(); v.name = "CHECK_ME"; v.value = "yes"; return v }()]
        task.healthCheck = healthCheck(.command, command: "test \"$CHECK_ME\" = yes && test -f $MESOS_SANDBOX/marker", grace: 5)
        await cluster.launch(cluster.executorInfo("e-cmd"), [task])
        try await cluster.master.wait("healthy") { u in u.contains { $0.taskID.value == "cmd" && $0.healthy } }
        await cluster.stop()
    }
}
