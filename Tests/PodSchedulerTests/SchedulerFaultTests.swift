import Foundation
import PodTestFixtures
import Testing

/// The real `pod-scheduler` binary (embedded master and agent) driven over HTTP, as an
/// operator drives it: the REST round trip, and the faults of issue 5 — SIGKILL of the
/// scheduler in the middle of a deployment, SIGKILL of an executor.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct SchedulerFaultTests {
    static func sleeper(_ id: String, instances: Int, backoff: Double = 1) -> String {
        """
        {"id": "\(id)", "scaling": {"kind": "fixed", "instances": \(instances)},
         "containers": [{"name": "sleep1", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32}}],
         "networks": [{"mode": "host"}],
         "scheduling": {"backoff": {"backoff": \(backoff), "backoffFactor": 1.15, "maxLaunchDelay": 300}}}
        """
    }

    static func instances(_ status: [String: Any]) -> [[String: Any]] { status["instances"] as? [[String: Any]] ?? [] }

    static func stableCount(_ status: [String: Any]) -> Int {
        instances(status).filter { $0["status"] as? String == "STABLE" }.count
    }

    @Test("REST on the real binary: 201 with Location and deployment id, STABLE, invalid pods 422, DELETE 202, then 404")
    func restRoundTrip() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            let created = try await daemon.request(.POST, "/v2/pods", body: Self.sleeper("/simplepod", instances: 1))
            #expect(created.status == 201, "\(created.text)")
            // Marathon's quirk: the pod id against the base URL, not the /v2/pods URL.
            #expect(created.headers.first(name: "Location") == "\(daemon.base)/simplepod")
            #expect(created.headers.first(name: "Marathon-Deployment-Id")?.isEmpty == false)
            try await daemon.wait("simplepod STABLE") {
                let s = try await daemon.status("/simplepod")
                return s["status"] as? String == "STABLE" && Self.stableCount(s) == 1
            }
            let status = try await daemon.status("/simplepod")
            let container = (Self.instances(status).first?["containers"] as? [[String: Any]])?.first
            #expect(container?["status"] as? String == "TASK_RUNNING")
            #expect(daemon.executorPIDs().count == 1)

            let duplicate = try await daemon.request(.POST, "/v2/pods", body: Self.sleeper("/simplepod", instances: 1))
            #expect(duplicate.status == 409)
            let broken = try await daemon.request(.POST, "/v2/pods", body: "{\"id\": ")
            #expect(broken.status == 400)
            #expect(broken.object["message"] as? String == "Invalid JSON")
            let invalid = try await daemon.request(.POST, "/v2/pods", body: """
                {"id": "/bad", "containers": [{"name": "c", "resources": {"cpus": 0.1, "mem": 32}, "exec": {"command": {"shell": "true"}}},
                                              {"name": "c", "resources": {"cpus": 0.1, "mem": 32}, "exec": {"command": {"shell": "true"}}}]}
                """)
            #expect(invalid.status == 422)
            #expect(invalid.object["message"] as? String == "Object is not valid")
            #expect((try await daemon.request(.GET, "/v2/pods/bad")).status == 404, "nothing of a rejected pod is stored")

            let deleted = try await daemon.request(.DELETE, "/v2/pods/simplepod")
            #expect(deleted.status == 202)
            try await daemon.wait("the executor to exit") { daemon.executorPIDs().isEmpty }
            try await daemon.wait("the pod to be gone") { try await daemon.request(.GET, "/v2/pods/simplepod").status == 404 }
        } catch {
            await daemon.tearDown()
            throw error
        }
        await daemon.tearDown()
    }

    @Test("kill -9 of the scheduler during a 10-instance deployment: after a restart exactly 10 instances run")
    func killSchedulerMidDeployment() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            let created = try await daemon.request(.POST, "/v2/pods", body: Self.sleeper("/ten", instances: 10))
            #expect(created.status == 201, "\(created.text)")
            let frameworkBefore = try await daemon.request(.GET, "/v2/info").object["frameworkId"] as? String
            // Kill as soon as the first executor exists: the deployment is under way, the
            // launches are in flight, most instances are not running yet.
            try await daemon.process.wait("a first executor", timeout: .seconds(30), interval: .milliseconds(10)) {
                !daemon.executorPIDs().isEmpty
            }
            daemon.kill9()
            let survivors = daemon.executorPIDs()

            try await daemon.start()
            // The agent may have started all ten executors by then (one ACCEPT launches them
            // all); what matters is that the deployment had not finished.
            let loaded = daemon.logTail(100_000).components(separatedBy: "\n").last { $0.contains("scheduler state loaded") } ?? ""
            #expect(loaded.contains("deployments=1"), "killed while the deployment was under way: \(loaded)")
            let frameworkAfter = try await daemon.request(.GET, "/v2/info").object["frameworkId"] as? String
            #expect(frameworkAfter == frameworkBefore, "re-subscribed with the stored framework id")
            try await daemon.wait("the deployment to finish with 10 STABLE instances", timeout: .seconds(120)) {
                let deployments = try await daemon.request(.GET, "/v2/deployments").json as? [Any]
                let s = try await daemon.status("/ten")
                return deployments?.isEmpty == true && s["status"] as? String == "STABLE" && Self.stableCount(s) == 10
            }
            let status = try await daemon.status("/ten")
            let ids = Self.instances(status).compactMap { $0["id"] as? String }
            #expect(ids.count == 10)
            #expect(Set(ids).count == 10)
            try await daemon.wait("exactly 10 executors") { daemon.executorPIDs().count == 10 }
            // Survivors were recovered, not replaced; only an executor spawned in the instant
            // before its checkpoint was written is an orphan, destroyed at recovery as Mesos does.
            let recovered = survivors.intersection(daemon.executorPIDs())
            #expect(survivors.count - recovered.count <= 1, "survivors \(survivors.sorted()), recovered \(recovered.sorted())")
        } catch {
            await daemon.tearDown()
            throw error
        }
        await daemon.tearDown()
    }

    @Test("kill -9 of an executor: TASK_FAILED in terminationHistory, the instance relaunched after its backoff")
    func killExecutor() async throws {
        let daemon = try SchedulerDaemon()
        let backoff = 3.0
        do {
            try await daemon.start()
            let created = try await daemon.request(.POST, "/v2/pods", body: Self.sleeper("/victim", instances: 1, backoff: backoff))
            #expect(created.status == 201, "\(created.text)")
            try await daemon.wait("victim STABLE") { Self.stableCount(try await daemon.status("/victim")) == 1 }
            let before = try await daemon.status("/victim")
            let instanceID = Self.instances(before).first?["id"] as? String
            let executors = daemon.executorPIDs()
            try #require(executors.count == 1)
            let killedAt = ContinuousClock.now
            kill(executors.first!, SIGKILL)

            try await daemon.wait("TASK_FAILED in the termination history") {
                let history = try await daemon.status("/victim")["terminationHistory"] as? [[String: Any]] ?? []
                let states = history.flatMap { ($0["containers"] as? [[String: Any]] ?? []).compactMap { $0["lastKnownState"] as? String } }
                return states.contains("TaskFailed")
            }
            try await daemon.wait("a new executor and a STABLE instance") {
                let fresh = daemon.executorPIDs()
                guard !fresh.isEmpty, fresh.isDisjoint(with: executors) else { return false }
                return Self.stableCount(try await daemon.status("/victim")) == 1
            }
            let relaunchedAfter = ContinuousClock.now - killedAt
            #expect(relaunchedAfter >= .milliseconds(Int64(backoff * 1000) - 200), "relaunch waited for the backoff (took \(relaunchedAfter))")
            let after = try await daemon.status("/victim")
            #expect(Self.instances(after).count == 1)
            #expect(Self.instances(after).first?["id"] as? String == instanceID, "the same instance, next incarnation")
            #expect(daemon.executorPIDs().count == 1)
        } catch {
            await daemon.tearDown()
            throw error
        }
        await daemon.tearDown()
    }
}
