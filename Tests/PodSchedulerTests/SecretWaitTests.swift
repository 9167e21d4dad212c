import Crypto
import Foundation
import PodTestFixtures
import Testing

/// Marathon's order of work: the pod first, its secret from the operators' vault pipeline
/// later. Over HTTPS: the executor verifies the scheduler with `--executor-ca-file`.
@Suite("a pod before its secret", .serialized,
       .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"),
       .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
struct SecretWaitTests {
    static let pod = #"""
        {"id": "/waiting", "secrets": {"db": {"source": "/late/db"}},
         "containers": [{"name": "c", "resources": {"cpus": 0.1, "mem": 32},
                         "environment": {"DB_PASSWORD": {"secret": "db"}},
                         "exec": {"command": {"shell": "echo env=$(printf %s \"$DB_PASSWORD\" | sha256sum | cut -c1-64); exec sleep 3600"}}}]}
        """#
    static let reason = "waiting for secret 'db' (source '/late/db' is not in the secret store)"

    @Test("201; the instance waits with a value-free reason in ::status, /v2/queue and podctl; it launches once the secret is stored")
    func podBeforeSecret() async throws {
        let certificates = try TestCertificates()
        let pair = try certificates.issue("api", serial: 0x5001)
        let ca = certificates.ca.certificate
        let daemon = try SchedulerDaemon(extraArguments: ["--tls-cert-file", pair.certificate, "--tls-key-file", pair.key,
                                                          "--executor-ca-file", ca, "--disable-http"], httpsCA: ca)
        let url = "https://127.0.0.1:\(daemon.httpsPort)"
        try await withDaemon(daemon) {
            let created = try await daemon.request(.POST, "/v2/pods", body: Self.pod)
            #expect(created.status == 201, "\(created.text)")
            try await daemon.wait("the instance to wait for its secret") {
                let instances = try await daemon.status("/waiting")["instances"] as? [[String: Any]] ?? []
                return instances.first?["message"] as? String == Self.reason && instances.first?["status"] as? String == "PENDING"
            }
            let queue = try await daemon.request(.GET, "/v2/queue").object["queue"] as? [[String: Any]] ?? []
            let wait = queue.first?["waitingForSecrets"] as? [String: Any]
            #expect(wait?["message"] as? String == Self.reason && wait?["secrets"] as? [String] == ["db"], "\(queue)")
            let status = try await Podctl.run(["pod", "status", "/waiting", "--url", url, "--ca-file", ca])
            #expect(status.code == 0 && status.stdout.contains(Self.reason), "\(status)")
            let podctlQueue = try await Podctl.run(["pod", "queue", "--url", url, "--ca-file", ca])
            #expect(podctlQueue.stdout.contains("secrets") && podctlQueue.stdout.contains(Self.reason), "\(podctlQueue)")
            #expect(daemon.executorPIDs().isEmpty, "nothing launched without the secret")

            // The operators' pipeline stores the secret; no further request.
            let value = "late-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: daemon.workDirectory + "/secrets/late", withIntermediateDirectories: true)
            try value.write(toFile: daemon.workDirectory + "/secrets/late/db", atomically: true, encoding: .utf8)
            try await daemon.wait("/waiting STABLE", timeout: .seconds(90)) {
                try await daemon.status("/waiting")["status"] as? String == "STABLE"
            }
            let digest = SHA256.hash(data: Array(value.utf8)).map { String(format: "%02x", $0) }.joined()
            try await daemon.wait("the container's check") {
                SeedPodsTests.sandboxFiles(under: daemon.workDirectory, named: "stdout", containing: "waiting").contains {
                    (try? String(contentsOfFile: $0, encoding: .utf8))?.contains("env=\(digest)") == true
                }
            }
            #expect(daemon.logLines(containing: "secrets handed to an executor") == 1)
            #expect(!daemon.log.contains(value))
            let instances = try await daemon.status("/waiting")["instances"] as? [[String: Any]] ?? []
            #expect(instances.first?["message"] == nil)
        }
    }
}
