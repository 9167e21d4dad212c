import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

/// Mesos checks (`TaskInfo.check`, what a pod's `readinessCheck` becomes) on the real executor
/// with the agent stand-in: results in `check_status` with `REASON_TASK_CHECK_STATUS_UPDATED`,
/// only on change, uninterpreted (docs/reference/mesos-cluster-operations.md §6.2).
@Suite(.serialized, .enabled(if: isRoot(), "needs root"))
struct CheckTests {
    static func check(_ type: Mesos_V1_CheckInfo.TypeEnum, port: UInt32 = 0, command: String? = nil) -> Mesos_V1_CheckInfo {
        var check = Mesos_V1_CheckInfo()
        check.type = type
        switch type {
        case .http:
            check.http.port = port
            check.http.path = "/"
        case .tcp:
            check.tcp.port = port
        default:
            check.command.command.shell = true
            check.command.command.value = command ?? "true"
        }
        check.delaySeconds = 0
        check.intervalSeconds = 0.5
        check.timeoutSeconds = 2
        return check
    }

    static func checkUpdates(_ updates: [Mesos_V1_TaskStatus], _ taskID: String) -> [Mesos_V1_TaskStatus] {
        updates.filter { $0.taskID.value == taskID && $0.reason == .taskCheckStatusUpdated }
    }

    @Test("a command check reports exit codes on change only; every update carries check_status; none after the kill")
    func commandCheck() async throws {
        let cluster = try await TestCluster.start()
        let flag = cluster.workDirectory + "/flag"
        var task = shellTask("app", "sleep 1000")
        task.check = Self.check(.command, command: "test -f \(flag)")
        await cluster.launch(cluster.executorInfo("e-check"), [task, shellTask("plain", "sleep 1000")])
        try await cluster.master.wait(timeout: .seconds(30), "exit code 1") { u in
            Self.checkUpdates(u, "app").contains { $0.checkStatus.command.exitCode == 1 }
        }
        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        try await cluster.master.wait(timeout: .seconds(30), "exit code 0") { u in
            Self.checkUpdates(u, "app").contains { $0.checkStatus.command.exitCode == 0 }
        }
        try FileManager.default.removeItem(atPath: flag)
        try await cluster.master.wait(timeout: .seconds(30), "exit code 1 again") { u in
            Self.checkUpdates(u, "app").map(\.checkStatus.command.exitCode) == [1, 0, 1]
        }
        let updates = await cluster.master.updates
        let running = updates.first { $0.taskID.value == "app" && $0.state == .taskRunning }
        #expect(running?.checkStatus.type == .command && running?.checkStatus.hasCommand == true
                && running?.checkStatus.command.hasExitCode == false, "TASK_RUNNING carries the empty result")
        #expect(Self.checkUpdates(updates, "app").allSatisfy { $0.state == .taskRunning && !$0.hasHealthy },
                "a check update is a TASK_RUNNING copy, never a health report")
        #expect(updates.filter { $0.taskID.value == "plain" }.allSatisfy { !$0.hasCheckStatus }, "no check, no check_status")

        await cluster.kill("app")
        try await cluster.master.wait("app KILLED") { u in u.contains { $0.taskID.value == "app" && $0.state == .taskKilled } }
        let afterKill = await cluster.master.updates.filter { $0.taskID.value == "app" }
        #expect(afterKill.last?.checkStatus.command.exitCode == 1, "the terminal update carries the last result")
        #expect(Self.checkUpdates(afterKill, "app").count == 3, "no check update once the task is being killed")
        await cluster.stop()
    }

    @Test("an HTTP check reports the status code (503, then 200); a TCP check whether it connected")
    func httpAndTCPChecks() async throws {
        let cluster = try await TestCluster.start()
        let flag = cluster.workDirectory + "/ready"
        let server = """
            python3 -c 'import http.server, os
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200 if os.path.exists("\(flag)") else 503); self.end_headers()
                def log_message(self, *a): pass
            http.server.HTTPServer(("127.0.0.1", 18191), H).serve_forever()'
            """
        var web = shellTask("web", server)
        web.check = Self.check(.http, port: 18191)
        var tcp = shellTask("tcp", "sleep 2; python3 -m http.server 18192 --bind 127.0.0.1")
        tcp.check = Self.check(.tcp, port: 18192)
        await cluster.launch(cluster.executorInfo("e-http", networks: [""]), [web, tcp])
        try await cluster.master.wait(timeout: .seconds(40), "HTTP 503") { u in
            Self.checkUpdates(u, "web").contains { $0.checkStatus.http.statusCode == 503 }
        }
        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        try await cluster.master.wait(timeout: .seconds(40), "HTTP 200 and a TCP connection") { u in
            Self.checkUpdates(u, "web").contains { $0.checkStatus.http.statusCode == 200 }
                && Self.checkUpdates(u, "tcp").contains { $0.checkStatus.tcp.succeeded }
        }
        let web200 = await Self.checkUpdates(cluster.master.updates, "web").map(\.checkStatus.http.statusCode)
        #expect(web200.suffix(2) == [503, 200], "\(web200)")
        #expect(Set(web200.filter { $0 == 200 }).count == 1 && web200.filter { $0 == 200 }.count == 1, "one update per change")
        await cluster.stop()
    }
}
