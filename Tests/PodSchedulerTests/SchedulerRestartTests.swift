import Foundation
import PodTestFixtures
import Testing

/// `lifecycle.restart` end to end on the real binary with its embedded Mesos: restarts in
/// place in `::status`, `/v2/events` and `podctl pod status`; escalation to a pod restart,
/// then a failed instance that the scheduler relaunches after its backoff.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct SchedulerRestartTests {
    static let pod = """
        {"id": "/restarter", "scaling": {"kind": "fixed", "instances": 1},
         "containers": [
           {"name": "crasher", "exec": {"command": {"shell": "sleep 1.5; exit 1"}}, "resources": {"cpus": 0.1, "mem": 32},
            "lifecycle": {"restart": {"policy": "OnFailure", "maxRestarts": 2, "windowSeconds": 600,
                                      "backoffSeconds": 0.2, "maxBackoffSeconds": 0.4}}},
           {"name": "steady", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32}}],
         "networks": [{"mode": "host"}],
         "scheduling": {"backoff": {"backoff": 1, "backoffFactor": 1, "maxLaunchDelay": 300}}}
        """

    static func container(_ status: [String: Any], _ name: String) -> [String: Any]? {
        let instance = (status["instances"] as? [[String: Any]])?.first
        return (instance?["containers"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    static func updates(_ text: String) -> [[String: Any]] {
        SchedulerEventsTests.events(text).filter { $0.type == "status_update_event" }.map(\.data)
    }

    /// The stream is complete once a crasher of the next incarnation runs after the failure.
    static func replaced(_ text: String) -> Bool {
        let all = updates(text)
        guard let failed = all.firstIndex(where: { $0["containerName"] as? String == "crasher" && $0["taskStatus"] as? String == "TASK_FAILED" })
        else { return false }
        return all[failed...].contains { $0["containerName"] as? String == "crasher" && $0["taskStatus"] as? String == "TASK_RUNNING" && $0["restartCount"] == nil }
    }

    @Test("OnFailure end to end: restarts counted in ::status and podctl, pod restart, failure, relaunch after the backoff, in order in /v2/events")
    func restartEscalationRelaunch() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            let seen = SeenInstance()
            let text = try await daemon.events(timeout: .seconds(90), whileOpen: {
                let created = try await daemon.request(.POST, "/v2/pods", body: Self.pod)
                #expect(created.status == 201, "\(created.text)")
                try await daemon.wait("a restart in place in ::status") {
                    let status = try await daemon.status("/restarter")
                    guard let crasher = Self.container(status, "crasher"), (crasher["restartCount"] as? Int ?? 0) >= 1 else { return false }
                    let last = crasher["lastTermination"] as? [String: Any]
                    #expect(last?["exitCode"] as? Int == 1)
                    #expect(last?["oomKilled"] as? Bool == false)
                    #expect((last?["finishedAt"] as? String)?.hasSuffix("Z") == true)
                    #expect(crasher["status"] as? String == "TASK_RUNNING")
                    #expect(Self.container(status, "steady")?["restartCount"] == nil, "the sibling did not restart")
                    await seen.set(((status["instances"] as? [[String: Any]])?.first?["id"] as? String) ?? "")
                    return true
                }
                let podctl = try await Podctl.run(["pod", "status", "/restarter", "--url", daemon.base])
                #expect(podctl.stdout.contains("/crasher: restarted"), "\(podctl.stdout)")
            }, until: Self.replaced)
            let all = Self.updates(text)
            #expect(Self.replaced(text), "the stream ended before the relaunch: \(all.map { "\($0["taskId"] ?? "") \($0["taskStatus"] ?? "")" })")
            let instanceID = await seen.id
            #expect(!instanceID.isEmpty)
            #expect(all.allSatisfy { $0["instanceId"] as? String == instanceID }, "the same instance throughout")
            // In order: two restarts of crasher alone, the pod restart, the failure, the relaunch.
            let crasher = all.filter { $0["containerName"] as? String == "crasher" }
            let counts = crasher.compactMap { $0["restartCount"] as? Int }
            #expect(counts == counts.sorted(), "restart counts only grow: \(counts)")
            let firstPod = try #require(all.firstIndex { $0["restartScope"] as? String == "pod" })
            let secondRestart = try #require(all.firstIndex { $0["containerName"] as? String == "crasher" && $0["restartCount"] as? Int == 2 })
            let failed = try #require(all.firstIndex { $0["containerName"] as? String == "crasher" && $0["taskStatus"] as? String == "TASK_FAILED" })
            let relaunched = try #require(all.lastIndex { $0["containerName"] as? String == "crasher" && $0["taskStatus"] as? String == "TASK_RUNNING" })
            #expect(secondRestart < firstPod && firstPod < failed && failed < relaunched)
            #expect(all[firstPod...].contains { $0["containerName"] as? String == "steady" && $0["restartScope"] as? String == "pod" },
                    "the sibling restarted with the pod")
            #expect((all[failed]["message"] as? String)?.contains("after the pod was restarted in place") == true)
            let oldTask = all[failed]["taskId"] as? String
            #expect(all[relaunched]["taskId"] as? String != oldTask, "a new incarnation")
            try await daemon.wait("the relaunched instance STABLE") {
                let status = try await daemon.status("/restarter")
                return (status["instances"] as? [[String: Any]])?.first?["status"] as? String == "STABLE"
            }
        } catch {
            Issue.record("\(error)\n\(daemon.logTail())")
        }
        await daemon.tearDown()
    }
}

/// The instance id the test saw, set from inside the event stream's worker.
actor SeenInstance {
    var id = ""
    func set(_ value: String) { id = value }
}
