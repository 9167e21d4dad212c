import Foundation
import PodTestFixtures
import Testing

/// Resident pods on the embedded default, as a user runs them: pod-scheduler with
/// `--mesos-role pods`, the real embedded master and agent, pod-executor. The volume's data is
/// read where the agent keeps it (`<work dir>/…/volumes/roles/pods/<persistence id>`).
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups, volumes are bind mounts"))
struct ResidentPodEndToEndTests {
    /// Each run prints what the volume held and appends one line.
    static let pod = """
        {"id": "/db", "role": "pods", "scaling": {"kind": "fixed", "instances": 1},
         "containers": [{"name": "c", "resources": {"cpus": 0.1, "mem": 32},
           "exec": {"command": {"shell": "cat $MESOS_SANDBOX/data/log 2>/dev/null; echo run >> $MESOS_SANDBOX/data/log; sleep 1000"}},
           "volumeMounts": [{"name": "data", "mountPath": "data"}]}],
         "volumes": [{"name": "data", "persistent": {"type": "root", "size": 16}}],
         "networks": [{"mode": "host"}]}
        """

    static let wholeAgent = """
        {"id": "/whole", "scaling": {"kind": "fixed", "instances": 1}, "networks": [{"mode": "host"}],
         "containers": [{"name": "c", "resources": {"cpus": 7.8, "mem": 32}, "exec": {"command": {"shell": "sleep 1000"}}}]}
        """

    struct Instance: Equatable {
        var id: String
        var agentID: String
        var persistenceID: String
    }

    static func instance(_ daemon: SchedulerDaemon) async throws -> Instance? {
        let status = try await daemon.status("/db")
        guard status["status"] as? String == "STABLE", let instances = status["instances"] as? [[String: Any]], instances.count == 1,
              let id = instances[0]["id"] as? String, let agent = instances[0]["agentId"] as? String,
              let volumes = instances[0]["localVolumes"] as? [[String: Any]], let pid = volumes.first?["persistenceId"] as? String,
              let reservation = instances[0]["reservation"] as? [String: Any], reservation["role"] as? String == "pods"
        else { return nil }
        return Instance(id: id, agentID: agent, persistenceID: pid)
    }

    /// The volume directories the agent keeps for role `pods`, by persistence id.
    static func volumeDirectories(_ daemon: SchedulerDaemon) -> [String: String] {
        volumeDirectories(under: daemon.cluster?.workDirectory ?? daemon.workDirectory)
    }

    static func volumeDirectories(under root: String) -> [String: String] {
        var found: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [:] }
        while let path = walker.nextObject() as? String {
            if path.hasSuffix("/sandboxes") || path.contains("/sandboxes/") || path.contains("/runs/") { walker.skipDescendants() }
            let parts = path.split(separator: "/")
            if parts.count >= 4, parts[parts.count - 4] == "volumes", parts[parts.count - 3] == "roles", parts[parts.count - 2] == "pods" {
                found[String(parts[parts.count - 1])] = root + "/" + path
                walker.skipDescendants()
            }
        }
        return found
    }

    static func lines(_ daemon: SchedulerDaemon, _ instance: Instance) -> Int? {
        guard let directory = volumeDirectories(daemon)[instance.persistenceID],
              let text = try? String(contentsOfFile: directory + "/log", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").count
    }

    /// Waits for the pod STABLE with `lines` lines in its volume (any, when nil); returns its instance.
    static func stable(_ daemon: SchedulerDaemon, lines: Int?, _ what: String) async throws -> Instance {
        var seen: Instance?
        try await daemon.wait(what, timeout: .seconds(60)) {
            seen = try await instance(daemon)
            guard let seen, let count = Self.lines(daemon, seen) else { return false }
            return lines == nil || count == lines
        }
        return try #require(seen)
    }

    @Test("kill relaunches in place with the data; a scheduler kill -9 changes nothing; wipe starts empty; deletion frees all")
    func lifecycle() async throws {
        let daemon = try SchedulerDaemon(extraArguments: ["--mesos-role", "pods"])
        do {
            try await daemon.start()
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.pod).status == 201)
            let first = try await Self.stable(daemon, lines: 1, "the resident pod STABLE with one line in its volume")

            // Killed: the same instance on the same agent and volume reads the line and appends.
            let executors = daemon.executorPIDs()
            #expect(try await daemon.request(.DELETE, "/v2/pods/db::instances/\(first.id)").status == 200)
            let second = try await Self.stable(daemon, lines: 2, "relaunched in place with two lines")
            #expect(second == first)
            #expect(daemon.executorPIDs().isDisjoint(with: executors))

            // kill -9 of pod-scheduler, restart: one reservation and one volume, found again.
            daemon.kill9()
            try await daemon.start()
            let third = try await Self.stable(daemon, lines: 2, "STABLE again after the scheduler's restart")
            #expect(third == first)
            #expect(try await daemon.request(.DELETE, "/v2/pods/db::instances/\(first.id)").status == 200)
            _ = try await Self.stable(daemon, lines: 3, "relaunched in place after the restart")
            #expect(Array(Self.volumeDirectories(daemon).keys) == [first.persistenceID])

            // wipe=true: a new instance with a new, empty volume; the old directory is gone.
            #expect(try await daemon.request(.DELETE, "/v2/pods/db::instances/\(first.id)?wipe=true").status == 200)
            let wiped = try await Self.stable(daemon, lines: 1, "a new instance with an empty volume")
            #expect(wiped.id != first.id && wiped.persistenceID != first.persistenceID)
            try await daemon.wait("the wiped volume's directory gone", timeout: .seconds(30)) {
                Array(Self.volumeDirectories(daemon).keys) == [wiped.persistenceID]
            }

            // Deleting the pod destroys the volume and frees the reservation.
            #expect(try await daemon.request(.DELETE, "/v2/pods/db").status == 202)
            try await daemon.wait("every volume directory gone and the pod deleted", timeout: .seconds(30)) {
                let gone = try await daemon.request(.GET, "/v2/pods/db").status == 404
                let deployments = try await daemon.request(.GET, "/v2/deployments").json as? [Any]
                return gone && deployments?.isEmpty == true && Self.volumeDirectories(daemon).isEmpty
            }
            // Nothing is left reserved: a pod that needs every cpu of the agent unreserved
            // (7.9 of 8 with its executor; the reservation held 0.2) runs.
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.wholeAgent).status == 201)
            try await daemon.wait("a pod of 7.9 cpus STABLE on the unreserved agent") {
                try await daemon.status("/whole")["status"] as? String == "STABLE"
            }
        } catch {
            print(daemon.logTail())
            await daemon.tearDown()
            throw error
        }
        await daemon.tearDown()
    }

    @Test("on a separate local cluster: an agent restart, then a scheduler kill -9, keep the one reservation and the data")
    func agentAndSchedulerRestarts() async throws {
        let cluster = try LocalClusterDaemon()
        let daemon = try SchedulerDaemon(extraArguments: ["--mesos-role", "pods"], cluster: cluster)
        do {
            try await cluster.start()
            try await daemon.start()
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.pod).status == 201)
            let first = try await Self.stable(daemon, lines: 1, "the resident pod STABLE")

            // The agent (and master) killed and started again on their checkpoints.
            cluster.kill9()
            try await cluster.start()
            let recovered = try await Self.stable(daemon, lines: nil, "STABLE after the agent's restart")
            #expect(recovered == first)
            var lines = try #require(Self.lines(daemon, recovered))
            #expect(try await daemon.request(.DELETE, "/v2/pods/db::instances/\(first.id)").status == 200)
            lines += 1
            #expect(try await Self.stable(daemon, lines: lines, "relaunched in place after the agent's restart") == first)

            // pod-scheduler alone killed and started again.
            daemon.kill9()
            try await daemon.start()
            #expect(try await daemon.request(.DELETE, "/v2/pods/db::instances/\(first.id)").status == 200)
            lines += 1
            #expect(try await Self.stable(daemon, lines: lines, "relaunched in place after the scheduler's restart") == first)
            #expect(Array(Self.volumeDirectories(daemon).keys) == [first.persistenceID])
        } catch {
            print(daemon.logTail())
            print(cluster.logTail())
            await daemon.tearDown()
            await cluster.tearDown()
            throw error
        }
        await daemon.tearDown()
        await cluster.tearDown()
    }

    @Test("a volume larger than the agent's disk waits in the queue with a clear reason; nothing is reserved")
    func volumeTooLarge() async throws {
        let daemon = try SchedulerDaemon(extraArguments: ["--mesos-role", "pods", "--local-disk", "1000"])
        do {
            try await daemon.start()
            let big = Self.pod.replacingOccurrences(of: "\"size\": 16", with: "\"size\": 5000")
            #expect(try await daemon.request(.POST, "/v2/pods", body: big).status == 201)
            try await daemon.wait("the instance PENDING with the reason") {
                let status = try await daemon.status("/db")
                let instance = (status["instances"] as? [[String: Any]])?.first
                return instance?["status"] as? String == "PENDING"
                    && (instance?["message"] as? String)?.contains("MiB of unreserved disk") == true
            }
            let queue = try await daemon.request(.GET, "/v2/queue").object
            let item = try #require((queue["queue"] as? [[String: Any]])?.first)
            let summary = (item["processedOffersSummary"] as? [String: Any])?["rejectSummaryLastOffers"] as? [[String: Any]] ?? []
            let disk = summary.first { $0["reason"] as? String == "InsufficientDisk" }?["declined"] as? Int
            #expect((disk ?? 0) > 0, "\(summary)")
            #expect(Self.volumeDirectories(daemon).isEmpty)
        } catch {
            print(daemon.logTail())
            await daemon.tearDown()
            throw error
        }
        await daemon.tearDown()
    }
}
