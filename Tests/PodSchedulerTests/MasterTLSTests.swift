import AsyncHTTPClient
import Foundation
@testable import LocalMesos
import MesosHTTP
import MesosProtocol
import NIOSSL
import PodTestFixtures
import Synchronization
import Testing

/// `https://` masters: the scheduler verifies the master's certificate against
/// `--mesos-ca-file` (or the system trust store), host name included.
@Suite("TLS towards https:// masters", .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
struct MasterTLSTests {
    /// A master's server configuration with this certificate and key.
    static func serverTLS(_ pair: TestCertificates.Pair) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pair.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pair.key, format: .pem)))
        configuration.shutdownTimeout = .seconds(1)
        return configuration
    }

    static var subscribeCall: Mesos_V1_Scheduler_Call {
        var call = Mesos_V1_Scheduler_Call()
        call.type = .subscribe
        call.subscribe.frameworkInfo.user = "root"
        call.subscribe.frameworkInfo.name = "tls-test"
        return call
    }

    /// HTTP clients made by ``subscribe(port:host:caFile:)``, shut down once the master has
    /// ended their streams.
    final class Clients: Sendable {
        let list = Mutex<[HTTPClient]>([])
        func shutdown() async throws { for client in list.withLock({ $0 }) { try await client.shutdown() } }
    }

    /// SUBSCRIBE to `host` with a client trusting `caFile` (nil: the system trust store).
    static func subscribe(port: Int, host: String = "127.0.0.1", caFile: String?, clients: Clients) async throws {
        let http = SchedulerMasterClient.makeHTTPClient(tlsConfiguration: try MesosTLS.clientConfiguration(caFile: caFile))
        clients.list.withLock { $0.append(http) }
        let endpoint = MesosEndpoint(scheme: "https", host: host, port: port)
        _ = try await SchedulerMasterClient(masters: [endpoint], httpClient: http).subscribe(subscribeCall)
    }

    @Test("a master whose certificate the CA file signed is reached, by IP address or by name")
    func trusted() async throws {
        let certificates = try TestCertificates()
        let server = try certificates.issue("master", serial: 0x2001)
        let clients = Clients()
        try await MasterFixture.with(tls: try Self.serverTLS(server)) { fixture in
            #expect(await fixture.master.url == "https://127.0.0.1:\(fixture.port)")
            try await Self.subscribe(port: fixture.port, caFile: certificates.ca.certificate, clients: clients)
            try await Self.subscribe(port: fixture.port, host: "localhost", caFile: certificates.ca.certificate, clients: clients)
            #expect(await fixture.master.frameworks.count == 2)
        }
        try await clients.shutdown()
    }

    @Test("a master with a certificate another CA signed is refused with a clear error")
    func untrusted() async throws {
        let certificates = try TestCertificates()
        let server = try certificates.issue("rogue", serial: 0x2002, by: certificates.untrustedCA)
        let clients = Clients()
        try await MasterFixture.with(tls: try Self.serverTLS(server)) { fixture in
            for caFile in [certificates.ca.certificate, nil] {
                let error = await #expect(throws: MesosHTTPError.self) {
                    try await Self.subscribe(port: fixture.port, caFile: caFile, clients: clients)
                }
                #expect(error?.kind == .transport)
                #expect(error?.description.contains("SUBSCRIBE to https://127.0.0.1:\(fixture.port) failed") == true)
                #expect(error?.description.contains("not signed by a trusted CA") == true, "\(String(describing: error))")
            }
            #expect(await fixture.master.frameworks.isEmpty)
        }
        try await clients.shutdown()
    }

    @Test("a certificate that does not name the master's host is refused")
    func wrongName() async throws {
        let certificates = try TestCertificates()
        let server = try certificates.issue("elsewhere", serial: 0x2003, names: ["DNS:elsewhere.example"])
        let clients = Clients()
        try await MasterFixture.with(tls: try Self.serverTLS(server)) { fixture in
            for host in ["127.0.0.1", "localhost"] {
                let error = await #expect(throws: MesosHTTPError.self) {
                    try await Self.subscribe(port: fixture.port, host: host, caFile: certificates.ca.certificate, clients: clients)
                }
                #expect(error?.description.contains("does not name \(host)") == true, "\(String(describing: error))")
            }
            #expect(await fixture.master.frameworks.isEmpty)
        }
        try await clients.shutdown()
    }

    @Test("a CA file that cannot be used is an error naming the file")
    func badCAFile() throws {
        let certificates = try TestCertificates()
        let garbage = certificates.directory + "/garbage.pem"
        try "not a certificate\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        for file in [garbage, certificates.directory + "/missing.pem"] {
            let error = #expect(throws: MesosHTTPError.self) { try MesosTLS.clientConfiguration(caFile: file) }
            #expect(error?.description.contains(file) == true)
        }
    }
}
