import Crypto
import Foundation
import MesosProtocol
import PodSystem
import PodTestFixtures
import Testing

/// Secrets by reference on the embedded default, through the real binaries: a pod with a
/// private image (`pullConfig`), a secret environment variable and a secret volume runs,
/// and its secret values are found nowhere but inside its containers.
@Suite("secrets by reference, end to end", .serialized,
       .enabled(if: isRoot(), "needs root: pods run in namespaces, mounts and cgroups; the sweep reads /proc"))
struct SecretsEndToEndTests {
    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func pod(image: String) -> String {
        let check = #"echo env=$(printf %s \"$DB_PASSWORD\" | sha256sum | cut -c1-64); "#
            + #"echo file=$(sha256sum < FILE | cut -c1-64) $(stat -c '%a %u' FILE); "#
            + #"if (echo x >> FILE) 2>/dev/null; then echo writable; else echo read-only; fi; exec sleep 3600"#
        return #"""
            {"id": "/secret-sweep",
             "secrets": {"pull": {"source": "/registry/config"}, "db": {"source": "/app/db-password"}, "cert": {"source": "/app/cert"}},
             "environment": {"DB_PASSWORD": {"secret": "db"}},
             "volumes": [{"name": "certs", "secret": "cert"}],
             "containers": [
               {"name": "app", "resources": {"cpus": 0.1, "mem": 64}, "user": "app",
                "image": {"kind": "DOCKER", "id": "\#(image)", "pullConfig": {"secret": "pull"}},
                "exec": {"command": {"shell": "\#(check.replacingOccurrences(of: "FILE", with: "$MESOS_SANDBOX/secrets/cert"))"}},
                "volumeMounts": [{"name": "certs", "mountPath": "secrets/cert"}]},
               {"name": "host", "resources": {"cpus": 0.1, "mem": 32}, "user": "nobody",
                "exec": {"command": {"shell": "\#(check.replacingOccurrences(of: "FILE", with: "$MESOS_SANDBOX/cert.pem"))"}},
                "volumeMounts": [{"name": "certs", "mountPath": "cert.pem"}]}]}
            """#
    }

    @Test("a private image, a secret variable and a secret volume run; the values are in the containers only")
    func sweep() async throws {
        let registry = try await RegistryFixture.shared()
        try await registry.copy("test/busybox:latest", to: "company/secret-image:latest")
        let daemon = try SchedulerDaemon(extraArguments: ["--docker-registry", registry.bearer])
        let password = "pw-\(UUID().uuidString)"
        let certificate = "cert-\(UUID().uuidString)\nline two\n"
        let config = registry.dockerConfig(registry: registry.bearer)
        let secrets = daemon.workDirectory + "/secrets"
        try FileManager.default.createDirectory(atPath: secrets + "/app", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: secrets + "/registry", withIntermediateDirectories: true)
        try config.write(to: URL(fileURLWithPath: secrets + "/registry/config"))
        try password.write(toFile: secrets + "/app/db-password", atomically: true, encoding: .utf8)
        try certificate.write(toFile: secrets + "/app/cert", atomically: true, encoding: .utf8)
        let sweep = SecretSweep(values: [("the db password", Array(password.utf8)), ("the certificate", Array(certificate.utf8)),
                                         ("the registry password", Array("testpass".utf8)),
                                         ("the registry credentials", Array("testuser:testpass".utf8)),
                                         ("the pull config", Array(config))])
        try await withDaemon(daemon) {
            var findings: [SecretSweep.Finding] = []
            let events = try await daemon.events(timeout: .seconds(240), whileOpen: {
                let created = try await daemon.request(.POST, "/v2/pods", body: Self.pod(image: "company/secret-image:latest"))
                #expect(created.status == 201, "\(created.text)")
            }, until: { $0.contains("deployment_success") })
            findings += sweep.find(in: events, place: "the event stream")
            try await daemon.wait("/secret-sweep STABLE", timeout: .seconds(120)) {
                try await daemon.status("/secret-sweep")["status"] as? String == "STABLE"
            }
            // Inside the containers: the variable, and the file (0400, the container's user's, read-only).
            let outputs = try await Self.containerOutputs(daemon)
            for (container, uid) in [("app", 1000), ("host", 65534)] {
                let lines = try #require(outputs[container], "\(container) printed nothing")
                #expect(lines.contains("env=\(Self.sha256(password))"), "\(container): \(lines)")
                #expect(lines.contains("file=\(Self.sha256(certificate)) 400 \(uid)"), "\(container): \(lines)")
                #expect(lines.contains("read-only"), "\(container): \(lines)")
            }
            let workloads = SecretSweep.processes(withEnvironment: "MARATHON_APP_ID=/secret-sweep")
            #expect(workloads.contains { $0.environment.contains("DB_PASSWORD=" + password) }, "the variable is in the containers")
            let app = try #require(workloads.first { $0.environment.contains("MARATHON_CONTAINER_ID=app") })
            #expect(FileManager.default.contents(atPath: "/proc/\(app.pid)/root/mnt/mesos/sandbox/secrets/cert") == Data(certificate.utf8))
            let tmpfs = try Self.secretTmpfs()
            #expect(tmpfs.count == 1, "one tmpfs for the pod: \(tmpfs)")

            // Everywhere else: REST answers, metrics, logs, the store, the agent's work
            // directory (checkpoints, sandboxes, images), runtime state, the executor, podctl.
            let instanceID = try #require(((try await daemon.status("/secret-sweep"))["instances"] as? [[String: Any]])?.first?["id"] as? String)
            findings += try await Self.sweepOutsideContainers(daemon, sweep: sweep, secrets: secrets, instanceID: instanceID)
            #expect(findings.isEmpty, "secret values found: \(findings)")
            // The sweep does find them where they are: the store (plain, and the credentials in base64).
            let control = Set(sweep.findInTree(secrets).findings.map(\.needle))
            #expect(control.isSuperset(of: ["the db password", "the certificate", "the registry credentials (base64)"]), "\(control)")

            // The token the executor redeemed is in the agent's checkpoint: it opens nothing now.
            let token = try #require(SecretSweep.token(under: daemon.workDirectory + "/agent"), "a token in the checkpoints")
            #expect(!daemon.log.contains(token), "the token is not in the scheduler's log")
            let logs = SeedPodsTests.sandboxFiles(under: daemon.workDirectory, named: "stderr", containing: "secret-sweep")
            #expect(!logs.isEmpty && logs.allSatisfy { !((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").contains(token) },
                    "the token is in no executor or container log")
            let again = try await Self.redeem(daemon, token: token, instanceID: instanceID)
            #expect(again.status == 403 && again.text.contains("used already"), "\(again.status) \(again.text)")
            // Deleting the pod unmounts its tmpfs; the token stays useless.
            #expect(try await daemon.request(.DELETE, "/v2/pods/secret-sweep").status == 202)
            try await daemon.wait("executors to exit", timeout: .seconds(60)) { daemon.executorPIDs().isEmpty }
            #expect(try Self.secretTmpfs().isEmpty)
            #expect(Directory.list("/run/mesos-pods/secrets").allSatisfy { !$0.contains("secret-sweep") })
            #expect(try await Self.redeem(daemon, token: token, instanceID: instanceID).status == 403)
        }
    }

    /// Findings of the values everywhere but the containers and the store: every REST
    /// answer, the scheduler's work directory (its store and log, the agent's checkpoints,
    /// sandboxes with the executor's log, images), the executors' runtime state, their
    /// environment and command line, and podctl agent inspect/ps.
    static func sweepOutsideContainers(_ daemon: SchedulerDaemon, sweep: SecretSweep, secrets: String,
                                       instanceID: String) async throws -> [SecretSweep.Finding] {
        var findings: [SecretSweep.Finding] = []
        let versions = try await daemon.request(.GET, "/v2/pods/secret-sweep::versions")
        let version = try #require((try JSONSerialization.jsonObject(with: versions.body) as? [String])?.first, "\(versions.text)")
        for path in ["/v2/pods", "/v2/pods/secret-sweep", "/v2/pods/secret-sweep::status", "/v2/pods/::status",
                     "/v2/pods/secret-sweep::versions", "/v2/pods/secret-sweep::versions/\(version)", "/v2/deployments",
                     "/v2/queue", "/v2/queue?embed=lastUnusedOffers", "/v2/info", "/metrics", "/ping"] {
            let answer = try await daemon.request(.GET, path)
            #expect(answer.status == 200, "GET \(path): \(answer.status)")
            findings += sweep.find(in: answer.body, place: "GET \(path)")
        }
        let tree = sweep.findInTree(daemon.workDirectory, excluding: [secrets])
        for file in ["/state.db", "/checkpoint.log", "/scheduler.log", "/stderr", "/stdout", "/state.db-wal"] {
            #expect(tree.files.contains { $0.hasSuffix(file) }, "the sweep read a \(file) (\(tree.files.count) files)")
        }
        findings += tree.findings
        let runtime = sweep.findInTree("/run/mesos-pods/pods")
        #expect(runtime.files.contains { $0.contains("secret-sweep") && $0.hasSuffix("/state.json") },
                 "the sweep read the executor's state.json (\(runtime.files.count) files)")
        findings += runtime.findings
        #expect(!daemon.executorPIDs().isEmpty, "the executor runs while it is swept")
        for pid in daemon.executorPIDs() {
            for file in ["environ", "cmdline"] {
                findings += sweep.find(in: FileManager.default.contents(atPath: "/proc/\(pid)/\(file)") ?? Data(),
                                       place: "/proc/<executor>/\(file)")
            }
        }
        for command in [["agent", "inspect", instanceID], ["agent", "ps"]] {
            let podctl = try await Podctl.run(command)
            #expect(podctl.code == 0, "\(command): \(podctl.stderr)")
            findings += sweep.find(in: podctl.stdout + podctl.stderr, place: "podctl \(command.joined(separator: " "))")
        }
        return findings
    }

    /// What each container printed (`env=…`, `file=…`, `read-only`), by container name.
    static func containerOutputs(_ daemon: SchedulerDaemon) async throws -> [String: String] {
        var outputs: [String: String] = [:]
        var seen: [String] = []
        do {
            try await daemon.wait("both containers' checks", timeout: .seconds(60)) {
                outputs = [:]
                let files = SeedPodsTests.sandboxFiles(under: daemon.workDirectory, named: "stdout", containing: "secret-sweep")
                seen = files.map { "\($0): \((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "-")" }
                for file in files {
                    guard let text = try? String(contentsOfFile: file, encoding: .utf8), text.contains("env="),
                          text.contains("read-only") || text.contains("writable") else { continue }
                    outputs[text.contains(" 1000\n") ? "app" : "host"] = text
                }
                return outputs.count == 2
            }
        } catch {
            Issue.record("container outputs: \(seen)")
            throw error
        }
        return outputs
    }

    /// Mount points of secret tmpfs of pods named `marker` (`/run/mesos-pods/secrets/<executor>`).
    static func secretTmpfs(_ marker: String = "secret-sweep") throws -> [String] {
        try FileContents.read("/proc/self/mountinfo").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 8, fields[4].hasPrefix("/run/mesos-pods/secrets/"), fields[4].contains(marker),
                  line.contains(" - tmpfs ") else { return nil }
            return String(fields[4])
        }
    }

    static func redeem(_ daemon: SchedulerDaemon, token: String, instanceID: String) async throws -> HTTPAnswer {
        try await daemon.request(.POST, PodSecretsContract.path, body: #"{"instanceId": "\#(instanceID)", "secrets": ["db"]}"#,
                                 headers: [("Authorization", "Bearer " + token)])
    }
}
