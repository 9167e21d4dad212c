import Foundation
@testable import LocalMesos
import PodTestFixtures
import Testing

/// The real binary against masters that require framework credentials or serve HTTPS.
@Suite("pod-scheduler against a master that requires framework credentials", .serialized)
struct SchedulerAuthenticationTests {
    static let secret = "Sup3r-s3cret-4-tests"

    /// A directory with the master's credentials file and the framework's secret file.
    struct Files {
        let directory: String
        var credentials: String { directory + "/credentials.json" }
        var secret: String { directory + "/secret" }
        var wrongSecret: String { directory + "/wrong-secret" }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try #"{"credentials":[{"principal":"pod-scheduler","secret":"\#(SchedulerAuthenticationTests.secret)"}]}"#
                .write(toFile: credentials, atomically: true, encoding: .utf8)
            try (SchedulerAuthenticationTests.secret + "\n").write(toFile: secret, atomically: true, encoding: .utf8)
            try "not-the-secret\n".write(toFile: wrongSecret, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    static let simplepod = """
        {"id": "/simplepod", "scaling": {"kind": "fixed", "instances": 1},
         "containers": [{"name": "sleep1", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32}}],
         "networks": [{"mode": "host"}]}
        """

    @Test("with --mesos-authentication-*: subscribed, a pod runs to STABLE; the secret is nowhere to be seen",
          .enabled(if: isRoot(), "needs root: the embedded agent runs the pod in namespaces and cgroups"))
    func authenticated() async throws {
        let files = try Files()
        defer { files.remove() }
        let daemon = try SchedulerDaemon(extraArguments: [
            "--local-credentials", files.credentials,
            "--mesos-authentication-principal", "pod-scheduler", "--mesos-authentication-secret-file", files.secret,
        ])
        try await withDaemon(daemon) {
            let created = try await daemon.request(.POST, "/v2/pods", body: Self.simplepod)
            #expect(created.status == 201, "\(created.text)")
            try await daemon.wait("simplepod STABLE") {
                try await daemon.status("/simplepod")["status"] as? String == "STABLE"
            }
            let info = try await daemon.request(.GET, "/v2/info")
            #expect(info.object["frameworkId"] is String)
            #expect(daemon.log.contains("mesos.framework_authentication=basic"))
            #expect(!daemon.log.contains("refused"))
            for text in [daemon.log, info.text, Self.commandLine(daemon.pid)] {
                #expect(!text.contains(Self.secret))
            }
        }
    }

    @Test("without credentials: the refusal is logged with the master and retried, and nothing runs")
    func missingCredentials() async throws {
        let files = try Files()
        defer { files.remove() }
        let daemon = try SchedulerDaemon(extraArguments: ["--local-credentials", files.credentials])
        try await withDaemon(daemon) {
            try await daemon.wait("the refusal to be logged") { daemon.logLines(containing: "the master refused the subscription") >= 1 }
            let line = daemon.log.split(separator: "\n").first { $0.contains("the master refused the subscription") }.map(String.init) ?? ""
            #expect(line.contains("http://127.0.0.1:\(daemon.masterPort)"))
            #expect(line.contains(#"SUBSCRIBE refused by http://127.0.0.1:\#(daemon.masterPort) (401 Unauthorized, Basic realm="mesos-master-scheduler")"#))
            #expect(line.contains("no credentials were sent"))
            #expect(line.contains(" error "), "logged as an error: \(line)")
            let created = try await daemon.request(.POST, "/v2/pods", body: Self.simplepod)
            #expect(created.status == 201, "the API keeps taking pods: \(created.text)")
            let seen = daemon.logLines(containing: "the master refused the subscription")
            try await daemon.wait("a retry to be refused too") {
                daemon.logLines(containing: "the master refused the subscription") >= seen + 2
            }
            let status = try await daemon.status("/simplepod")
            #expect((status["instances"] as? [Any] ?? []).isEmpty, "nothing was launched: \(status)")
            #expect(daemon.executorPIDs().isEmpty)
            #expect((try await daemon.request(.GET, "/v2/info")).object["frameworkId"] is NSNull)
        }
    }

    @Test("a wrong secret: the refusal names the principal, never the secret")
    func wrongSecret() async throws {
        let files = try Files()
        defer { files.remove() }
        let daemon = try SchedulerDaemon(extraArguments: [
            "--local-credentials", files.credentials,
            "--mesos-authentication-principal", "pod-scheduler", "--mesos-authentication-secret-file", files.wrongSecret,
        ])
        try await withDaemon(daemon) {
            try await daemon.wait("the refusal to be logged") { daemon.logLines(containing: "the master refused the subscription") >= 1 }
            #expect(daemon.log.contains("did not accept the credentials of principal 'pod-scheduler'"))
            #expect(!daemon.log.contains("not-the-secret"))
            #expect(!daemon.log.contains(Self.secret))
        }
    }

    @Test("an https:// master: verified against --mesos-ca-file; one another CA signed is refused with a clear error",
          .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
    func httpsMaster() async throws {
        let certificates = try TestCertificates()
        let pair = try certificates.issue("master", serial: 0x3001)
        try await MasterFixture.with(tls: try MasterTLSTests.serverTLS(pair)) { fixture in
            let master = "https://127.0.0.1:\(fixture.port)"
            let trusting = try SchedulerDaemon(extraArguments: ["--master", master, "--mesos-ca-file", certificates.ca.certificate])
            try await withDaemon(trusting) {
                try await trusting.wait("the framework to subscribe") { await fixture.master.frameworks.count == 1 }
            }
            let doubting = try SchedulerDaemon(extraArguments: ["--master", master, "--mesos-ca-file", certificates.untrustedCA.certificate])
            try await withDaemon(doubting) {
                try await doubting.wait("the TLS failure to be logged") { doubting.log.contains("not signed by a trusted CA") }
                let line = doubting.log.split(separator: "\n").first { $0.contains("not signed by a trusted CA") }.map(String.init) ?? ""
                #expect(line.contains("SUBSCRIBE to \(master) failed"))
            }
            #expect(await fixture.master.frameworks.count == 1)
        }
    }

    /// The command line of a process, as `ps` shows it.
    static func commandLine(_ pid: pid_t?) -> String {
        guard let pid, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }
}
