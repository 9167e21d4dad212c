import Foundation
import PodTestFixtures
import Testing

/// Readiness checks and bounded logs end to end on the real binary and its embedded Mesos,
/// through the REST API and the event stream (docs/pod-lifecycle.md).
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct SchedulerReadinessTests {
    static func pod(_ id: String, instances: Int, readinessFile: String? = nil) -> String {
        let readiness = readinessFile.map { dir in
            #", "environment": {"VERSION": "2"}, "readinessCheck": {"exec": {"command": {"shell": "test -f \#(dir)/ready-$MESOS_TASK_ID"}}, "intervalSeconds": 2, "timeoutSeconds": 1}"#
        } ?? ""
        return """
            {"id": "\(id)", "scaling": {"kind": "fixed", "instances": \(instances)},
             "containers": [{"name": "app", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32}\(readiness)}],
             "networks": [{"mode": "host"}]}
            """
    }

    static func instances(_ status: [String: Any]) -> [[String: Any]] { status["instances"] as? [[String: Any]] ?? [] }

    static func ready(_ object: [String: Any]) -> String? {
        (object["conditions"] as? [[String: Any]])?.first { $0["name"] as? String == "ready" }?["value"] as? String
    }

    @Test("a rolling upgrade to a version that is ready only once a file appears kills no old instance before a new one is ready")
    func rollingUpgradeWaitsForReadiness() async throws {
        let daemon = try SchedulerDaemon()
        let files = try DaemonProcess.temporaryDirectory("ready-files")
        do {
            try await daemon.start()
            _ = try await daemon.request(.POST, "/v2/pods", body: Self.pod("/ready", instances: 3))
            try await daemon.wait("3 stable instances of version 1") {
                let status = try await daemon.status("/ready")
                return Self.instances(status).filter { $0["status"] as? String == "STABLE" }.count == 3
            }
            let old = Set(Self.instances(try await daemon.status("/ready")).compactMap { $0["id"] as? String })
            #expect(Self.instances(try await daemon.status("/ready")).allSatisfy { Self.ready($0) == nil },
                    "a pod without readiness checks shows no ready condition")

            let text = try await daemon.events(timeout: .seconds(150), whileOpen: {
                let put = try await daemon.request(.PUT, "/v2/pods/ready", body: Self.pod("/ready", instances: 3, readinessFile: files))
                #expect(put.status == 200, "\(put.text)")
                for round in 1...3 {
                    // A new instance runs but is not ready: nothing old goes.
                    let waiting = try await waitFor("a running new instance that is not ready (round \(round))", timeout: .seconds(60)) {
                        try await Self.unreadyNewTask(daemon, old: old, files: files)
                    }
                    #expect(Self.oldLeft(try await daemon.status("/ready"), old) == 4 - round, "no old instance goes before a new one is ready")
                    #expect(FileManager.default.createFile(atPath: files + "/ready-" + waiting, contents: Data()))
                    try await daemon.wait("an old instance stopped after a new one became ready (round \(round))") {
                        Self.oldLeft(try await daemon.status("/ready"), old) == 3 - round
                    }
                }
            }, until: { text in SchedulerEventsTests.events(text).contains { $0.type == "deployment_success" } })

            // The order of events: every kill of an old instance after at least as many new ones were ready.
            var readyNew = Set<String>(), killedOld = Set<String>()
            for event in SchedulerEventsTests.events(text) {
                let id = event.data["instanceId"] as? String ?? ""
                if event.type == "instance_readiness_changed_event", event.data["ready"] as? Bool == true, !old.contains(id) {
                    readyNew.insert(id)
                }
                if event.type == "instance_changed_event", old.contains(id),
                   ["Killing", "Killed"].contains(event.data["condition"] as? String ?? "") {
                    killedOld.insert(id)
                    #expect(killedOld.count <= readyNew.count, "old \(id) killed with only \(readyNew.count) new instances ready")
                }
            }
            #expect(readyNew.count == 3 && killedOld.count == 3, "ready \(readyNew), killed \(killedOld)")
            let final = Self.instances(try await daemon.status("/ready"))
            #expect(final.count == 3 && final.allSatisfy { Self.ready($0) == "true" }, "\(final)")
            let containers = final.flatMap { $0["containers"] as? [[String: Any]] ?? [] }
            #expect(containers.count == 3 && containers.allSatisfy { Self.ready($0) == "true" }, "\(containers)")
        } catch {
            Issue.record("\(error)\n\(daemon.logTail())")
        }
        await daemon.tearDown()
        try? FileManager.default.removeItem(atPath: files)
    }

    /// The task id of a new instance's container that runs and is not ready, with no file yet.
    static func unreadyNewTask(_ daemon: SchedulerDaemon, old: Set<String>, files: String) async throws -> String? {
        for instance in instances(try await daemon.status("/ready")) where !old.contains(instance["id"] as? String ?? "") {
            guard ready(instance) == "false", let container = (instance["containers"] as? [[String: Any]])?.first,
                  container["status"] as? String == "TASK_RUNNING", ready(container) == "false",
                  let task = container["containerId"] as? String,
                  !FileManager.default.fileExists(atPath: files + "/ready-" + task) else { continue }
            return task
        }
        return nil
    }

    static func oldLeft(_ status: [String: Any], _ old: Set<String>) -> Int {
        instances(status).filter { old.contains($0["id"] as? String ?? "") && $0["status"] as? String != "TERMINAL" }
            .filter { instance in
                (instance["containers"] as? [[String: Any]] ?? []).allSatisfy { $0["status"] as? String == "TASK_RUNNING" }
            }.count
    }

    @Test("a pod's logRotation reaches its executor: 5 MiB written through 1 MiB × 2 leaves two files of at most 1 MiB")
    func boundedLogs() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            let pod = """
                {"id": "/logs", "logRotation": {"maxSizeMB": 1, "maxFiles": 2},
                 "containers": [{"name": "writer", "exec": {"command": {"shell": "seq 1 700000; sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32}}],
                 "networks": [{"mode": "host"}]}
                """
            let created = try await daemon.request(.POST, "/v2/pods", body: pod)
            #expect(created.status == 201, "\(created.text)")
            #expect((try await daemon.request(.GET, "/v2/pods/logs").object["logRotation"] as? [String: Any])?["maxFiles"] as? Int == 2)
            let sizes = try await waitFor("the writer's stdout rotated", timeout: .seconds(60)) { () -> [String: Int]? in
                let found = Self.logFiles(under: daemon.workDirectory, container: "writer")
                return found.keys.contains { $0.hasSuffix("stdout.1") } ? found : nil
            }
            #expect(!sizes.keys.contains { $0.hasSuffix("stdout.2") }, "\(sizes)")
            #expect(sizes.filter { $0.key.contains("stdout") }.values.allSatisfy { $0 <= 1 << 20 }, "\(sizes)")
            let bad = try await daemon.request(.POST, "/v2/pods", body: pod.replacingOccurrences(of: "\"maxFiles\": 2", with: "\"maxFiles\": 0")
                .replacingOccurrences(of: "/logs", with: "/badlogs"))
            #expect(bad.status == 422, "\(bad.text)")
        } catch {
            Issue.record("\(error)\n\(daemon.logTail())")
        }
        await daemon.tearDown()
    }

    /// The sizes of the stdout/stderr files of containers named `container` below `directory`.
    static func logFiles(under directory: String, container: String) -> [String: Int] {
        var found: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return found }
        while let path = walker.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            guard path.contains("/containers/"), name.hasPrefix("stdout") || name.hasPrefix("stderr"),
                  let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + path))?[.size] as? Int else { continue }
            found[path] = size
        }
        return found
    }
}
