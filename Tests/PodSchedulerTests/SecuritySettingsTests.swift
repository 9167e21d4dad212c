import Foundation
@testable import pod_scheduler
import PodTestFixtures
import Testing

/// The checked configuration of pod-scheduler's authentication and TLS flags: every problem
/// is found before anything starts, named by its flag, without the secret.
@Suite("pod-scheduler's authentication and TLS flags")
struct SecuritySettingsTests {
    final class Scratch: Sendable {
        let directory: String
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func file(_ name: String, _ text: String) throws -> String {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// The problems of a command line (empty: it is accepted).
    static func problems(_ arguments: [String], in scratch: Scratch) throws -> [String] {
        let command = try PodSchedulerCommand.parse(["--work-dir", scratch.directory + "/work", "--executor", "/bin/true"] + arguments)
        do {
            _ = try SchedulerConfiguration(command: command)
            return []
        } catch let problems as SchedulerConfiguration.Problems {
            return problems.list
        }
    }

    static func settings(_ arguments: [String], in scratch: Scratch) throws -> SchedulerConfiguration {
        try SchedulerConfiguration(command: try PodSchedulerCommand.parse(["--work-dir", scratch.directory + "/work", "--executor", "/bin/true"] + arguments))
    }

    @Test("--executor: a path or a fetchable URI, as the agents will start it; the API's one credential from its file")
    func executorAndCredential() throws {
        let scratch = try Scratch()
        let fetched = try Self.settings(["--executor", "https://downloads.example/pod-executor.tar.gz"], in: scratch)
        #expect(fetched.executorCommand.value == "./pod-executor" && fetched.executorCommand.uris.first?.extract == true)
        #expect(fetched.executorDescription == "https://downloads.example/pod-executor.tar.gz")
        #expect(try Self.settings([], in: scratch).executorCommand.value == "/bin/true")
        #expect(try Self.problems(["--executor", "ftp://x/pod-executor"], in: scratch)
            == ["--executor: only http, https and file URIs can be fetched: ftp://x/pod-executor"])
        #expect(try Self.problems(["--executor", "/no/such/pod-executor"], in: scratch)
            == ["--executor: /no/such/pod-executor is not an executable file"])
        let basic = try scratch.file("basic", "ops:s3cret\n")
        let token = try scratch.file("token", "t0ken\n")
        #expect(try Self.settings(["--auth-basic-file", basic], in: scratch).authentication == .basic(username: "ops", password: "s3cret"))
        #expect(try Self.problems(["--auth-basic-file", basic, "--auth-token-file", token], in: scratch)
            == ["--auth-token-file and --auth-basic-file cannot be combined"])
    }

    @Test("framework credentials: the secret file's text without its line break; ':' refused; the secret never in an error")
    func frameworkCredentials() throws {
        let scratch = try Scratch()
        let secret = try scratch.file("secret", "s3cr3t\n")
        let settings = try Self.settings(["--master", "http://m1:5050", "--mesos-authentication-principal", "pods",
                                          "--mesos-authentication-secret-file", secret], in: scratch)
        #expect(settings.mesosSecurity.principal == "pods")
        #expect(settings.mesosSecurity.credential?.authorization == "Basic " + Data("pods:s3cr3t".utf8).base64EncodedString())

        let principalOnly = try Self.settings(["--mesos-authentication-principal", "pods"], in: scratch)
        #expect(principalOnly.mesosSecurity.principal == "pods")
        #expect(principalOnly.mesosSecurity.credential == nil)

        let colon = try scratch.file("colon", "se:cret\n")
        let refused = try Self.problems(["--mesos-authentication-principal", "pods", "--mesos-authentication-secret-file", colon], in: scratch)
        #expect(refused.count == 1)
        #expect(refused.first?.contains("the secret contains ':'") == true)
        #expect(refused.first?.contains("se:cret") == false)
        #expect(try Self.problems(["--mesos-authentication-secret-file", secret], in: scratch)
            == ["--mesos-authentication-secret-file needs --mesos-authentication-principal"])
        #expect(try Self.problems(["--mesos-authentication-principal", "pods", "--mesos-authentication-secret-file",
                                   scratch.directory + "/missing"], in: scratch)
            == ["--mesos-authentication-secret-file: cannot read \(scratch.directory)/missing"])
        let empty = try scratch.file("empty", "\n")
        #expect(try Self.problems(["--mesos-authentication-principal", "pods", "--mesos-authentication-secret-file", empty],
                                  in: scratch).first?.contains("the secret is empty") == true)
    }

    @Test("--local-credentials: read as a master reads --credentials, only with --master local")
    func localCredentials() throws {
        let scratch = try Scratch()
        let good = try scratch.file("good.json", #"{"credentials":[{"principal":"pods","secret":"x"}]}"#)
        #expect(try Self.settings(["--local-credentials", good], in: scratch).mesosSecurity.localCredentials?.principals == ["pods"])
        let text = try scratch.file("text", "pods s3cr3t\n")
        let problems = try Self.problems(["--local-credentials", text], in: scratch)
        #expect(problems.first?.hasPrefix("--local-credentials: Invalid json format: ") == true)
        #expect(problems.first?.contains("s3cr3t") == false)
        #expect(try Self.problems(["--master", "http://m1:5050", "--local-credentials", good], in: scratch)
            == ["--local-credentials configures the embedded master; it needs --master local"])
    }

    @Test("--mesos-ca-file: only for https:// masters, and it must hold a certificate",
          .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
    func caFile() throws {
        let scratch = try Scratch()
        let certificates = try TestCertificates()
        let ca = certificates.ca.certificate
        #expect(try Self.settings(["--master", "https://m1:5050,https://m2:5050", "--mesos-ca-file", ca], in: scratch)
            .mesosSecurity.tlsConfiguration != nil)
        #expect(try Self.problems(["--mesos-ca-file", ca], in: scratch)
            == ["--mesos-ca-file: the embedded master (--master local) is reached over plain HTTP"])
        #expect(try Self.problems(["--master", "http://m1:5050", "--mesos-ca-file", ca], in: scratch)
            == ["--mesos-ca-file: no https:// master in --master, so the CA file would not be used"])
        let garbage = try scratch.file("garbage.pem", "nothing here\n")
        #expect(try Self.problems(["--master", "https://m1:5050", "--mesos-ca-file", garbage], in: scratch).first?
            .hasPrefix("--mesos-ca-file: ") == true)
    }

    @Test("listeners: plain HTTP on 8080 by default; HTTPS needs both files; combinations checked",
          .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
    func listeners() throws {
        let scratch = try Scratch()
        let certificates = try TestCertificates()
        let pair = try certificates.issue("api", serial: 0x4001)
        let other = try certificates.issue("other", serial: 0x4002)
        let tls = ["--tls-cert-file", pair.certificate, "--tls-key-file", pair.key]

        let plain = try Self.settings([], in: scratch).listeners
        #expect(plain.httpPort == 8080 && plain.httpsPort == nil && plain.tls == nil)
        #expect(plain.baseURL(host: "127.0.0.1") == "http://127.0.0.1:8080")
        let both = try Self.settings(tls, in: scratch).listeners
        #expect(both.httpPort == 8080 && both.httpsPort == 8443)
        #expect(both.tls?.loaded.serial == "4001")
        #expect(both.baseURL(host: "h") == "http://h:8080")
        let httpsOnly = try Self.settings(tls + ["--disable-http", "--https-port", "9443"], in: scratch).listeners
        #expect(httpsOnly.httpPort == nil && httpsOnly.httpsPort == 9443)
        #expect(httpsOnly.baseURL(host: "h") == "https://h:9443")
        #expect(httpsOnly.primaryPort == 9443)

        #expect(try Self.problems(["--tls-cert-file", pair.certificate], in: scratch) == ["--tls-cert-file needs --tls-key-file"])
        #expect(try Self.problems(["--tls-key-file", pair.key], in: scratch) == ["--tls-key-file needs --tls-cert-file"])
        #expect(try Self.problems(["--disable-http"], in: scratch)
            == ["--disable-http needs --tls-cert-file and --tls-key-file: nothing would serve the API"])
        #expect(try Self.problems(["--https-port", "9443"], in: scratch) == ["--https-port needs --tls-cert-file and --tls-key-file"])
        #expect(try Self.problems(tls + ["--disable-http", "--http-port", "80"], in: scratch)
            == ["--http-port and --disable-http contradict each other"])
        #expect(try Self.problems(tls + ["--http-port", "9000", "--https-port", "9000"], in: scratch)
            == ["--http-port and --https-port are both 9000"])
        #expect(try Self.problems(tls + ["--https-port", "70000"], in: scratch) == ["--https-port: 70000 is not a port"])
        let mismatched = try Self.problems(["--tls-cert-file", pair.certificate, "--tls-key-file", other.key], in: scratch)
        #expect(mismatched.first?.contains("does not belong to the certificate") == true)
        let missing = try Self.problems(["--tls-cert-file", scratch.directory + "/none.pem", "--tls-key-file", pair.key], in: scratch)
        #expect(missing.first?.contains("cannot read the certificate chain in \(scratch.directory)/none.pem") == true)
        let key = try String(contentsOfFile: pair.key, encoding: .utf8)
        let swapped = try Self.problems(["--tls-cert-file", pair.key, "--tls-key-file", pair.certificate], in: scratch)
        #expect(!swapped.isEmpty)
        #expect(swapped.allSatisfy { !$0.contains(key) })
    }
}
