import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite("podctl agent health", .serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts and cgroups"))
struct AgentHealthTests {
    /// A check the executor itself only runs in ten minutes: only podctl's run now.
    static func waiting(_ type: Mesos_V1_HealthCheck.TypeEnum, port: UInt32 = 0, command: String? = nil) -> Mesos_V1_HealthCheck {
        healthCheck(type, port: port, command: command, delay: 600, interval: 600, timeout: 2, grace: 600, failures: 3)
    }

    @Test("health runs HTTP, TCP and command checks once, now, and prints the result and its timing")
    func health() async throws {
        let cluster = try await TestCluster.start()
        var web = shellTask("web", "python3 -m http.server 18291 --bind 127.0.0.1")
        web.healthCheck = Self.waiting(.http, port: 18291)
        var closed = shellTask("closed", "sleep 1000")
        closed.healthCheck = Self.waiting(.tcp, port: 18292)
        var cmd = shellTask("cmd", "echo ok > $MESOS_SANDBOX/ready; sleep 1000")
        cmd.healthCheck = Self.waiting(.command, command: "test -f $MESOS_SANDBOX/ready && test \"$MODE\" = on")
        cmd.command.environment.variables = [variable("MODE", "on")]
        await cluster.launch(cluster.executorInfo("e-health", networks: [""]),
                             [web, closed, cmd, shellTask("plain", "sleep 1000")])
        _ = try await cluster.waitForRunning(4)

        // The HTTP server may need a moment to listen inside the pod's network namespace.
        var http = await cluster.podctl("health", ["e-health", "web"])
        try await waitUntil("the pod's HTTP server to answer podctl agent health", state: { "\(http)" }) {
            http = await cluster.podctl("health", ["e-health", "web"])
            return http.code == 0
        }
        #expect(http.code == 0, "\(http)")
        #expect(http.stdout.contains("HTTP GET http://127.0.0.1:18291/"), "\(http)")
        #expect(http.stdout.contains("healthy: HTTP 200"), "\(http)")
        #expect(http.stdout.contains(" ms)"), "timing: \(http)")

        let tcp = await cluster.podctl("health", ["e-health", "closed"])
        #expect(tcp.code == 1, "\(tcp)")
        #expect(tcp.stdout.contains("unhealthy: TCP connection to 127.0.0.1:18292 failed"), "\(tcp)")

        let command = await cluster.podctl("health", ["e-health", "cmd", "--json"])
        #expect(command.code == 0, "\(command)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(command.stdout.utf8)) as? [String: Any])
        #expect(document["healthy"] as? Bool == true)
        #expect((document["check"] as? String)?.hasPrefix("command: test -f") == true)
        #expect(document["milliseconds"] is Double)

        let none = await cluster.podctl("health", ["e-health", "plain"])
        #expect(none.code == 3)
        #expect(none.stderr.contains("has no health check"), "\(none)")
        #expect(await cluster.stop() == [])
    }
}
