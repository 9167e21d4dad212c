import Foundation
import PodCtlKit
import PodTestFixtures
import Testing

@Suite("--ca-file and PODCTL_CA_FILE", .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
struct TLSOptionsTests {
    static func options(_ arguments: [String]) throws -> GlobalOptions {
        try GlobalOptions.parse(arguments)
    }

    @Test("an https URL is verified with --ca-file, else PODCTL_CA_FILE, else the system trust store")
    func sources() throws {
        let certificates = try TestCertificates()
        let ca = certificates.ca.certificate
        let https = "https://127.0.0.1:8443"
        #expect(try Self.options(["--ca-file", ca]).resolvedTLS(url: https, environment: [:]) != nil)
        #expect(try Self.options([]).resolvedTLS(url: https, environment: ["PODCTL_CA_FILE": ca]) != nil)
        #expect(try Self.options([]).resolvedTLS(url: https, environment: [:]) == nil)
        // The variable is set for a whole shell; plain HTTP URLs just do not use it.
        #expect(try Self.options([]).resolvedTLS(url: "http://127.0.0.1:8080", environment: ["PODCTL_CA_FILE": ca]) == nil)
    }

    @Test("a CA file that cannot be used, or --ca-file for an http URL, is a usage error (exit 2)")
    func refused() async throws {
        let certificates = try TestCertificates()
        let garbage = certificates.directory + "/garbage.pem"
        try "no certificate here\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let missing = certificates.directory + "/missing.pem"

        let plain = await podctl(["pod", "list", "--ca-file", certificates.ca.certificate], url: "http://127.0.0.1:1")
        #expect(plain.code == 2)
        #expect(plain.stderr == "podctl: --ca-file applies to https:// scheduler URLs; http://127.0.0.1:1 is not one\n")
        let unreadable = await podctl(["pod", "list", "--ca-file", missing], url: "https://127.0.0.1:1")
        #expect(unreadable.code == 2)
        #expect(unreadable.stderr == "podctl: --ca-file: cannot read CA certificates from '\(missing)'\n")
        let fromEnvironment = await podctl(["pod", "list"], url: "https://127.0.0.1:1", environment: ["PODCTL_CA_FILE": garbage])
        #expect(fromEnvironment.code == 2)
        #expect(fromEnvironment.stderr.hasPrefix("podctl: PODCTL_CA_FILE: "))
    }
}
