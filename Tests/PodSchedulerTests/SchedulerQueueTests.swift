import Foundation
import PodTestFixtures
import Testing

/// `/v2/queue` on the real `pod-scheduler` binary and its embedded master and agent (8 cpus):
/// pods that cannot fit show up with Marathon's reasons and leave once they can, and a
/// backing-off pod's delay can be reset.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct SchedulerQueueTests {
    static func pod(_ id: String, instances: Int = 1, cpus: Double = 0.1, shell: String = "sleep 1000", scheduling: String = "") -> String {
        """
        {"id": "\(id)", "scaling": {"kind": "fixed", "instances": \(instances)},
         "containers": [{"name": "c", "exec": {"command": {"shell": "\(shell)"}}, "resources": {"cpus": \(cpus), "mem": 32}}],
         "networks": [{"mode": "host"}]\(scheduling)}
        """
    }

    static let unique = #", "scheduling": {"placement": {"constraints": [{"fieldName": "hostname", "operator": "UNIQUE"}]}}"#

    /// The queue items by pod id.
    static func queue(_ daemon: SchedulerDaemon, embed: Bool = false) async throws -> [String: [String: Any]] {
        let response = try await daemon.request(.GET, "/v2/queue" + (embed ? "?embed=lastUnusedOffers" : ""))
        #expect(response.status == 200, "\(response.text)")
        var items: [String: [String: Any]] = [:]
        for item in response.object["queue"] as? [[String: Any]] ?? [] {
            if let id = (item["pod"] as? [String: Any])?["id"] as? String { items[id] = item }
        }
        return items
    }

    /// `reason: declined` of a reject summary, in its order.
    static func declined(_ item: [String: Any]?, _ summary: String) -> [(String, Int, Int)] {
        let steps = (item?["processedOffersSummary"] as? [String: Any])?[summary] as? [[String: Any]] ?? []
        return steps.map { ($0["reason"] as? String ?? "?", $0["declined"] as? Int ?? -1, $0["processed"] as? Int ?? -1) }
    }

    static let funnel = ["UnfulfilledRole", "UnfulfilledConstraint", "NoCorrespondingReservationFound", "AgentMaintenance",
                         "InsufficientCpus", "InsufficientMemory", "InsufficientDisk", "InsufficientGpus", "InsufficientPorts",
                         "DeclinedScarceResources"]

    @Test("a pod asking for more cpus than the agent has and one with an unmet UNIQUE constraint wait with their reasons, then leave")
    func waitingPods() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            #expect(try await daemon.request(.GET, "/v2/queue").text == #"{"queue":[]}"#)
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.pod("/big", cpus: 16)).status == 201)
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.pod("/unique", instances: 2, scheduling: Self.unique)).status == 201)
            // Until its first instance reports, /unique counts it too (provisioned).
            try await daemon.wait("both pods in the queue with their reasons, the first /unique instance started") {
                let items = try await Self.queue(daemon)
                return Self.declined(items["/big"], "rejectSummaryLastOffers").contains { $0 == ("InsufficientCpus", 1, 1) }
                    && Self.declined(items["/unique"], "rejectSummaryLastOffers").contains { $0 == ("UnfulfilledConstraint", 1, 1) }
                    && items["/unique"]?["count"] as? Int == 1
            }
            let items = try await Self.queue(daemon, embed: true)
            let big = try #require(items["/big"])
            #expect(big["count"] as? Int == 1)
            #expect(big["role"] as? String == "*")
            let delay = big["delay"] as? [String: Any]
            #expect(delay?["timeLeftSeconds"] as? Int == 0 && delay?["overdue"] as? Bool == true)
            #expect((big["since"] as? String)?.hasSuffix("Z") == true)
            #expect(Self.declined(big, "rejectSummaryLastOffers").map(\.0) == Self.funnel, "all ten reasons, in funnel order")
            let bigSummary = try #require(big["processedOffersSummary"] as? [String: Any])
            let processed = try #require(bigSummary["processedOffersCount"] as? Int)
            #expect(processed >= 1 && bigSummary["unusedOffersCount"] as? Int == processed, "no offer fitted /big")
            #expect(Self.declined(big, "rejectSummaryLaunchAttempt").first { $0.0 == "InsufficientCpus" }?.1 == processed)
            #expect(bigSummary["lastUnusedOfferAt"] != nil && bigSummary["lastUsedOfferAt"] == nil)
            let unused = try #require((big["lastUnusedOffers"] as? [[String: Any]])?.first)
            #expect(unused["reason"] as? [String] == ["InsufficientCpus"])
            let offer = try #require(unused["offer"] as? [String: Any])
            #expect((offer["agentId"] as? String)?.isEmpty == false)
            let resources = offer["resources"] as? [[String: Any]] ?? []
            #expect(resources.contains { $0["name"] as? String == "cpus" && $0["role"] as? String == "*" && $0["scalar"] is Double })

            // One /unique instance runs; the other waits on the only host.
            let uniqueItem = try #require(items["/unique"])
            #expect(uniqueItem["count"] as? Int == 1)
            let uniqueSummary = try #require(uniqueItem["processedOffersSummary"] as? [String: Any])
            #expect(uniqueSummary["lastUsedOfferAt"] != nil, "the first instance was placed in this launch attempt")
            #expect((uniqueItem["lastUnusedOffers"] as? [[String: Any]])?.first?["reason"] as? [String] == ["UnfulfilledConstraint"])

            // What `dcos marathon pod list` reads: every status, and the queue's overdue flag by pod id.
            let statuses = try await daemon.request(.GET, "/v2/pods/::status").json as? [[String: Any]] ?? []
            #expect(Set(statuses.compactMap { $0["id"] as? String }) == ["/big", "/unique"])
            #expect(Set(try await Self.queue(daemon).keys) == ["/big", "/unique"])

            #expect(try await daemon.request(.DELETE, "/v2/queue/big/delay").status == 204)
            let unknown = try await daemon.request(.DELETE, "/v2/queue/nope/delay")
            #expect(unknown.status == 404)
            #expect(unknown.object["message"] as? String == "Application /nope not found in tasks queue.")

            // Satisfiable now: /big asks for less; /unique needs one instance only (forced:
            // their deployments cannot finish).
            let smaller = try await daemon.request(.PUT, "/v2/pods/big?force=true", body: Self.pod("/big", cpus: 0.1))
            #expect(smaller.status == 200, "\(smaller.text)")
            let fewer = try await daemon.request(.PUT, "/v2/pods/unique?force=true", body: Self.pod("/unique", instances: 1, scheduling: Self.unique))
            #expect(fewer.status == 200, "\(fewer.text)")
            try await daemon.wait("the queue to empty, /big running") {
                let status = try await daemon.status("/big")
                let running = (status["instances"] as? [[String: Any]])?.contains { $0["status"] as? String == "STABLE" } == true
                let queue = try await Self.queue(daemon)
                return running && queue.isEmpty
            }
            #expect(try await daemon.request(.DELETE, "/v2/queue/big/delay").status == 404, "nothing of /big waits any more")
        } catch {
            await daemon.tearDown()
            throw error
        }
        await daemon.tearDown()
    }

    @Test("a crashing pod backs off (overdue false, seconds left); DELETE …/delay relaunches it at once; deleting the pod empties the queue")
    func backoffReset() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            let backoff = #", "scheduling": {"backoff": {"backoff": 120, "backoffFactor": 1, "maxLaunchDelay": 300}}"#
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.pod("/crash", shell: "exit 3", scheduling: backoff)).status == 201)
            var firstFailure = ""
            try await daemon.wait("/crash backing off after its first failure") {
                let delay = try await Self.queue(daemon)["/crash"]?["delay"] as? [String: Any]
                guard delay?["overdue"] as? Bool == false, let left = delay?["timeLeftSeconds"] as? Int, left > 60 else { return false }
                let history = try await daemon.status("/crash")["terminationHistory"] as? [[String: Any]]
                firstFailure = history?.first?["terminatedAt"] as? String ?? ""
                return !firstFailure.isEmpty
            }
            #expect(try await daemon.request(.DELETE, "/v2/queue/crash/delay").status == 204)
            // Without the reset the next launch would wait two minutes.
            try await daemon.wait("a relaunch and a second failure", timeout: .seconds(30)) {
                let history = try await daemon.status("/crash")["terminationHistory"] as? [[String: Any]]
                let last = history?.first?["terminatedAt"] as? String ?? ""
                return !last.isEmpty && last != firstFailure
            }
            #expect(try await daemon.request(.DELETE, "/v2/pods/crash").status == 202)
            try await daemon.wait("the queue to empty") { try await Self.queue(daemon).isEmpty }
        } catch {
            await daemon.tearDown()
            throw error
        }
        await daemon.tearDown()
    }
}
