import Foundation
import PodTestFixtures
import Testing

/// A killed instance relaunches (same id, next incarnation, same executor id) only once
/// its old executor is gone: an agent queues a task group for an executor id that still
/// runs on it, and fails it when that executor exits (Mesos 1.12 `Slave::__run`,
/// `Slave::executorTerminated`).
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct SchedulerRelaunchTests {
    /// A container that ignores SIGTERM, with a kill grace period, next to an ordinary one;
    /// a failed launch would hold the relaunch back for 60 s.
    static let stubborn = """
        {"id": "/stubborn", "scaling": {"kind": "fixed", "instances": 1},
         "containers": [
           {"name": "deaf", "exec": {"command": {"shell": "trap '' TERM; while true; do sleep 0.1; done"}},
            "resources": {"cpus": 0.1, "mem": 32}, "lifecycle": {"killGracePeriodSeconds": 2}},
           {"name": "plain", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32}}],
         "networks": [{"mode": "host"}],
         "scheduling": {"backoff": {"backoff": 60, "backoffFactor": 1, "maxLaunchDelay": 300}}}
        """

    static func instances(_ status: [String: Any]) -> [[String: Any]] { status["instances"] as? [[String: Any]] ?? [] }

    @Test("DELETE …::instances/{id}: the relaunch waits for the old executor to exit, then runs at once, without a failure or backoff")
    func killRelaunch() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.stubborn).status == 201)
            for round in 1...3 {
                try await daemon.wait("/stubborn STABLE (round \(round))") {
                    let status = try await daemon.status("/stubborn")
                    return status["status"] as? String == "STABLE" && Self.instances(status).count == 1
                        && daemon.executorPIDs().count == 1
                }
                let instanceID = try #require(Self.instances(try await daemon.status("/stubborn")).first?["id"] as? String)
                let executors = daemon.executorPIDs()
                let killed = try await daemon.request(.DELETE, "/v2/pods/stubborn::instances/\(instanceID)")
                #expect(killed.status == 200, "\(killed.text)")
                // The old executor exits after the grace period; a relaunch that landed on it
                // would fail and wait for the 60 s backoff.
                try await daemon.wait("a new executor and the same instance STABLE again (round \(round))", timeout: .seconds(30)) {
                    let fresh = daemon.executorPIDs()
                    guard fresh.count == 1, fresh.isDisjoint(with: executors) else { return false }
                    let status = try await daemon.status("/stubborn")
                    return status["status"] as? String == "STABLE" && Self.instances(status).first?["id"] as? String == instanceID
                }
                let history = try await daemon.status("/stubborn")["terminationHistory"] as? [[String: Any]] ?? []
                #expect(history.isEmpty, "no task of the relaunch failed: \(history)")
            }
        } catch {
            await daemon.tearDown()
            throw error
        }
        await daemon.tearDown()
    }
}
