import Foundation
@testable import pod_scheduler
import PodTestFixtures
import Testing

/// The flags of secrets by reference and of principals, checked before anything starts.
@Suite("pod-scheduler's secret and permission flags")
struct SecretSettingsTests {
    typealias Scratch = SecuritySettingsTests.Scratch

    @Test("--executor-secrets-url: default from the API's listeners (HTTPS first; loopback for a wildcard with the embedded agent); checked")
    func secretsURL() throws {
        let scratch = try Scratch()
        #expect(try SecuritySettingsTests.settings([], in: scratch).secretsURL == "http://127.0.0.1:8080")
        #expect(try SecuritySettingsTests.settings(["--http-address", "0.0.0.0", "--http-port", "9000"], in: scratch).secretsURL
            == "http://127.0.0.1:9000")
        let given = try SecuritySettingsTests.settings(["--executor-secrets-url", "https://pods.example:8443/"], in: scratch)
        #expect(given.secretsURL == "https://pods.example:8443" && given.secretsCAFile == nil)
        for bad in ["pods.example:8443", "ftp://pods:1", "https://pods:8443/api"] {
            #expect(try SecuritySettingsTests.problems(["--executor-secrets-url", bad], in: scratch)
                == ["--executor-secrets-url: '\(bad)' is not http(s)://host:port"])
        }
        #expect(try SecuritySettingsTests.problems(["--executor-ca-file", scratch.directory + "/missing.pem",
                                                    "--executor-secrets-url", "https://127.0.0.1:8443"], in: scratch)
            == ["--executor-ca-file: cannot read \(scratch.directory)/missing.pem (the embedded agent's executors run on this machine)"])
        let ca = try scratch.file("ca.pem", "-----BEGIN CERTIFICATE-----\n")
        #expect(try SecuritySettingsTests.problems(["--executor-ca-file", ca], in: scratch)
            == ["--executor-ca-file: executors fetch secrets over plain HTTP (http://127.0.0.1:8080), so the CA file would not be used"])
    }

    @Test("--executor-secrets-url defaults to the HTTPS listener when there is one",
          .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
    func secretsURLOverHTTPS() throws {
        let scratch = try Scratch()
        let certificates = try TestCertificates()   // kept: its deinit removes the files
        let pair = try certificates.issue("api", serial: 0x6001)
        let settings = try SecuritySettingsTests.settings(["--tls-cert-file", pair.certificate, "--tls-key-file", pair.key,
                                                           "--https-port", "9443"], in: scratch)
        #expect(settings.secretsURL == "https://127.0.0.1:9443")
        withExtendedLifetime(certificates) {}
    }

    @Test("a remote master with a loopback secrets URL is warned about at start; the embedded agent or a given URL is not")
    func unreachableSecretsURL() throws {
        let scratch = try Scratch()
        func warned(_ arguments: [String]) throws -> Bool {
            let logs = LogCapture()
            SchedulerMain.warnIfSecretsUnreachable(try SecuritySettingsTests.settings(arguments, in: scratch), logger: logs.logger())
            return logs.text.contains("executors on other machines cannot reach the secrets URL")
        }
        #expect(try warned(["--master", "http://10.0.0.1:5050"]))
        #expect(try !warned([]))
        #expect(try !warned(["--master", "http://10.0.0.1:5050", "--executor-secrets-url", "https://pods.example:8443"]))
    }

    @Test("--permissions-file: read at start; every problem named with the flag, the file and the location")
    func permissionsFile() throws {
        let scratch = try Scratch()
        let good = try scratch.file("good.json", #"{"principals": [{"name": "ci", "tokenHash": "sha256$\#(String(repeating: "ab", count: 32))"}], "rules": []}"#)
        #expect(try SecuritySettingsTests.settings(["--permissions-file", good], in: scratch).permissions?.names == ["ci"])
        let bad = try scratch.file("bad.json", #"{"principals": [{"name": "x", "passwordHash": "hunter2"}], "rules": [], "users": []}"#)
        let problems = try SecuritySettingsTests.problems(["--permissions-file", bad], in: scratch)
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains("--permissions-file \(bad): users: unknown key (known: principals, rules)"))
        #expect(problems.contains { $0.hasPrefix("--permissions-file \(bad): principals[0].passwordHash: is not 'pbkdf2-sha256$") })
        #expect(!problems.joined().contains("hunter2"))
        #expect(try SecuritySettingsTests.problems(["--permissions-file", scratch.directory + "/none.json"], in: scratch)
            == ["--permissions-file \(scratch.directory)/none.json: cannot read \(scratch.directory)/none.json"])
    }
}
