import Foundation
import PodTestFixtures
import Testing

/// `dependsOn` end to end on the real binary with its embedded Mesos: start order from the
/// conditions, stop order reversed on DELETE, seen in `/v2/events`.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct SchedulerOrderTests {
    /// db (HEALTHY) → migrate (COMPLETED) → app (STARTED) → shipper.
    static let pod = """
        {"id": "/ordered", "scaling": {"kind": "fixed", "instances": 1},
         "containers": [
           {"name": "shipper", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32},
            "dependsOn": [{"container": "app", "condition": "STARTED"}]},
           {"name": "app", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32},
            "dependsOn": [{"container": "migrate", "condition": "COMPLETED"}]},
           {"name": "migrate", "exec": {"command": {"shell": "sleep 0.5"}}, "resources": {"cpus": 0.1, "mem": 32},
            "dependsOn": [{"container": "db", "condition": "HEALTHY"}]},
           {"name": "db", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32},
            "healthCheck": {"exec": {"command": {"shell": "true"}}, "delaySeconds": 0, "intervalSeconds": 2,
                            "timeoutSeconds": 1, "gracePeriodSeconds": 10}}],
         "networks": [{"mode": "host"}]}
        """

    static func first(_ updates: [[String: Any]], _ container: String, _ state: String) -> Int? {
        updates.firstIndex { $0["containerName"] as? String == container && $0["taskStatus"] as? String == state }
    }

    /// When the executor saw it (`statusTimestamp`): Mesos orders updates per task only, so
    /// the events of different containers can arrive in another order than they happened.
    static func time(_ updates: [[String: Any]], _ index: Int?) -> Double {
        guard let index else { return -1 }
        return updates[index]["statusTimestamp"] as? Double ?? -1
    }

    @Test("db (HEALTHY) → migrate (COMPLETED) → app (STARTED) → shipper start in that order; DELETE stops them in reverse")
    func orderedStartAndStop() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            let started = try await daemon.events(timeout: .seconds(90), whileOpen: {
                let created = try await daemon.request(.POST, "/v2/pods", body: Self.pod)
                #expect(created.status == 201, "\(created.text)")
            }, until: { Self.first(SchedulerRestartTests.updates($0), "shipper", "TASK_RUNNING") != nil })
            let up = SchedulerRestartTests.updates(started)
            let running = ["db", "migrate", "app", "shipper"].map { Self.time(up, Self.first(up, $0, "TASK_RUNNING")) }
            #expect(running.allSatisfy { $0 > 0 } && running == running.sorted(), "start order: \(running)")
            let healthy = Self.time(up, up.firstIndex { $0["containerName"] as? String == "db" && $0["healthy"] as? Bool == true })
            let finished = Self.time(up, Self.first(up, "migrate", "TASK_FINISHED"))
            #expect(healthy > 0 && healthy <= running[1], "migrate started after db was healthy")
            #expect(finished > 0 && finished <= running[2], "app started after migrate completed")

            let stopped = try await daemon.events(timeout: .seconds(60), whileOpen: {
                let deleted = try await daemon.request(.DELETE, "/v2/pods/ordered")
                #expect(deleted.status == 202, "\(deleted.text)")
            }, until: { text in
                let u = SchedulerRestartTests.updates(text)
                return ["db", "app", "shipper"].allSatisfy { Self.first(u, $0, "TASK_KILLED") != nil }
            })
            let down = SchedulerRestartTests.updates(stopped)
            let killed = ["shipper", "app", "db"].map { Self.time(down, Self.first(down, $0, "TASK_KILLED")) }
            #expect(killed.allSatisfy { $0 > 0 } && killed == killed.sorted(), "stop order (dependents first): \(killed) \(down.map { "\($0["containerName"] ?? "") \($0["taskStatus"] ?? "") \($0["statusTimestamp"] ?? "") \($0["message"] ?? "")" })")
        } catch {
            Issue.record("\(error)\n\(daemon.logTail())")
        }
        await daemon.tearDown()
    }
}
