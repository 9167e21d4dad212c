import Foundation
import PodTestFixtures
import Testing

/// Runs `body` with a started daemon and always tears it down.
func withDaemon(_ daemon: SchedulerDaemon, _ body: () async throws -> Void) async throws {
    do {
        try await daemon.start()
        try await body()
    } catch {
        await daemon.tearDown()
        throw error
    }
    await daemon.tearDown()
}

/// The built `podctl`, run as an operator runs it.
struct Podctl {
    var code: Int32
    var stdout: String
    var stderr: String

    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Podctl {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SchedulerDaemon.binary("podctl"))
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Int32> { continuation in
            process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        }
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        var code: Int32 = -1
        for await status in exited { code = status }
        return Podctl(code: code, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// The REST API over TLS on the real binary, with certificates made by `openssl`.
@Suite("the REST API over HTTPS", .serialized, .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
struct SchedulerTLSTests {
    /// A pod no offer can hold: accepted and stored, never launched.
    static let unlaunchable = """
        {"id": "/parked", "containers": [{"name": "c", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 1000, "mem": 32}}]}
        """

    @Test("HTTP and HTTPS side by side; podctl verifies the certificate with --ca-file or PODCTL_CA_FILE")
    func sideBySide() async throws {
        let certificates = try TestCertificates()
        let pair = try certificates.issue("api", serial: 0x1001)
        let daemon = try SchedulerDaemon(extraArguments: ["--tls-cert-file", pair.certificate, "--tls-key-file", pair.key],
                                         httpsCA: certificates.ca.certificate)
        try await withDaemon(daemon) {
            let https = "https://127.0.0.1:\(daemon.httpsPort)"
            let http = "http://127.0.0.1:\(daemon.httpPort)"
            let info = try await daemon.request(.GET, "/v2/info")
            #expect(info.object["http_config"] as? [String: Int] == ["http_port": daemon.httpPort, "https_port": daemon.httpsPort])
            // With HTTP on, the leader is announced over HTTP, as Marathon does.
            #expect(info.headers.first(name: "X-Marathon-Leader") == http)

            let trusted = try await Podctl.run(["pod", "list", "--url", https, "--ca-file", certificates.ca.certificate])
            #expect(trusted.code == 0, "\(trusted.stderr)")
            #expect(trusted.stdout == "No pods.\n")
            let byName = try await Podctl.run(["pod", "list", "--url", "https://localhost:\(daemon.httpsPort)"],
                                              environment: ["PODCTL_CA_FILE": certificates.ca.certificate])
            #expect(byName.code == 0, "\(byName.stderr)")
            let plain = try await Podctl.run(["pod", "list", "--url", http])
            #expect(plain.code == 0, "\(plain.stderr)")

            let untrusted = try await Podctl.run(["pod", "list", "--url", https])
            #expect(untrusted.code == 4)
            #expect(untrusted.stderr == "podctl: cannot reach the scheduler at \(https): the server's TLS certificate is not signed by a trusted CA; give its CA with --ca-file or PODCTL_CA_FILE\n")
            let otherCA = try await Podctl.run(["pod", "list", "--url", https, "--ca-file", certificates.untrustedCA.certificate])
            #expect(otherCA.code == 4)
            let useless = try await Podctl.run(["pod", "list", "--url", http, "--ca-file", certificates.ca.certificate])
            #expect(useless.code == 2)
            #expect(useless.stderr.contains("--ca-file applies to https:// scheduler URLs"))
            let missing = try await Podctl.run(["pod", "list", "--url", https, "--ca-file", certificates.directory + "/none.pem"])
            #expect(missing.code == 2)
            #expect(missing.stderr.contains("cannot read CA certificates from"))
        }
    }

    @Test("HTTPS only: /v2/info, X-Marathon-Leader and Location name the https URL")
    func httpsOnly() async throws {
        let certificates = try TestCertificates()
        let pair = try certificates.issue("api", serial: 0x1001)
        let daemon = try SchedulerDaemon(extraArguments: ["--tls-cert-file", pair.certificate, "--tls-key-file", pair.key,
                                                          "--disable-http"], httpsCA: certificates.ca.certificate)
        try await withDaemon(daemon) {
            let https = "https://127.0.0.1:\(daemon.httpsPort)"
            let info = try await daemon.request(.GET, "/v2/info")
            let config = info.object["http_config"] as? [String: Any]
            #expect(config?["http_port"] is NSNull)
            #expect(config?["https_port"] as? Int == daemon.httpsPort)
            #expect(info.object["leader"] as? String == "127.0.0.1:\(daemon.httpsPort)")
            #expect(info.headers.first(name: "X-Marathon-Leader") == https)
            let created = try await daemon.request(.POST, "/v2/pods", body: Self.unlaunchable)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.headers.first(name: "Location") == "\(https)/parked")
            #expect(!Self.listening(port: daemon.httpPort), "nothing serves plain HTTP")
            let listed = try await Podctl.run(["pod", "list", "--url", https, "--ca-file", certificates.ca.certificate])
            #expect(listed.code == 0, "\(listed.stderr)")
            #expect(listed.stdout.contains("/parked"))
        }
    }

    @Test("SIGHUP swaps the certificate for new connections; a broken pair is logged and the old one stays")
    func reload() async throws {
        let certificates = try TestCertificates()
        let served = try certificates.issue("api", serial: 0x1001)
        let daemon = try SchedulerDaemon(extraArguments: ["--tls-cert-file", served.certificate, "--tls-key-file", served.key],
                                         httpsCA: certificates.ca.certificate)
        func install(_ pair: TestCertificates.Pair) throws {
            try Data(contentsOf: URL(fileURLWithPath: pair.certificate)).write(to: URL(fileURLWithPath: served.certificate))
            try Data(contentsOf: URL(fileURLWithPath: pair.key)).write(to: URL(fileURLWithPath: served.key))
        }
        try await withDaemon(daemon) {
            #expect(try certificates.servedSerial(port: daemon.httpsPort) == "1001")
            let second = try certificates.issue("second", serial: 0x1002)
            try install(second)
            daemon.hangUp()
            try await daemon.wait("the new certificate to be served") {
                (try? certificates.servedSerial(port: daemon.httpsPort)) == "1002"
            }
            #expect(daemon.logLines(containing: "TLS certificate reloaded") == 1)

            // Not a certificate at all.
            try "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n".write(toFile: served.certificate, atomically: true, encoding: .utf8)
            daemon.hangUp()
            try await daemon.wait("the failed reload to be logged") { daemon.logLines(containing: "TLS certificate reload failed") == 1 }
            #expect(try certificates.servedSerial(port: daemon.httpsPort) == "1002")

            // A certificate with a key that is not its own.
            let third = try certificates.issue("third", serial: 0x1003)
            try Data(contentsOf: URL(fileURLWithPath: third.certificate)).write(to: URL(fileURLWithPath: served.certificate))
            daemon.hangUp()
            try await daemon.wait("the second failed reload to be logged") { daemon.logLines(containing: "TLS certificate reload failed") == 2 }
            #expect(daemon.log.contains("does not belong to the certificate"))
            #expect(try certificates.servedSerial(port: daemon.httpsPort) == "1002")
            let listed = try await Podctl.run(["pod", "list", "--url", "https://127.0.0.1:\(daemon.httpsPort)",
                                               "--ca-file", certificates.ca.certificate])
            #expect(listed.code == 0, "the server kept serving: \(listed.stderr)")

            try install(third)
            daemon.hangUp()
            try await daemon.wait("a good pair to be taken again") {
                (try? certificates.servedSerial(port: daemon.httpsPort)) == "1003"
            }
            #expect(daemon.pid != nil)
            #expect(!daemon.log.contains("BEGIN PRIVATE KEY"))

            // podctl checks the name too: a certificate of the right CA for another host fails.
            let elsewhere = try certificates.issue("elsewhere", serial: 0x1004, names: ["DNS:elsewhere.example"])
            try install(elsewhere)
            daemon.hangUp()
            try await daemon.wait("the certificate for another host to be served") {
                (try? certificates.servedSerial(port: daemon.httpsPort)) == "1004"
            }
            let misnamed = try await Podctl.run(["pod", "list", "--url", "https://127.0.0.1:\(daemon.httpsPort)",
                                                 "--ca-file", certificates.ca.certificate])
            #expect(misnamed.code == 4)
            #expect(misnamed.stderr.contains("the server's TLS certificate is not valid for 127.0.0.1"), "\(misnamed.stderr)")
        }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func listening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
