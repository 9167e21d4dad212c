import Foundation
import PodTestFixtures
import Testing

/// High availability over HTTPS only, between real processes: `--zk` instances serving the API
/// with `--disable-http`, so the leader's record says `https`, and followers proxy to it over
/// TLS, verifying its certificate against `--ca-file` (certificates made with `openssl`).
@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "\(ZooKeeperServer.skipReason)"),
       .enabled(if: TestCertificates.available, "needs openssl to make the certificates"))
struct HATLSProxyTests {
    @Test("a follower proxies to an HTTPS-only leader over verified TLS; one that does not trust the leader's CA answers 502")
    func httpsOnlyLeader() async throws {
        let certificates = try TestCertificates()
        let pairs = try (0..<3).map { try certificates.issue("scheduler-\($0)", serial: 0x3001 + UInt64($0)) }
        // Instance 2 is told of a CA that did not sign the others' certificates.
        // The default session timeout: a follower that waited for another leader instead of answering
        // 502 would outlast the test client's 10 s.
        let fleet = try await HAClusterTests.Fleet(count: 3, sessionTimeoutMilliseconds: 10000, arguments: { i in
            ["--disable-http", "--tls-cert-file", pairs[i].certificate, "--tls-key-file", pairs[i].key, "--hostname", "127.0.0.1",
             "--ca-file", i == 2 ? certificates.untrustedCA.certificate : certificates.ca.certificate]
        }, httpsCA: certificates.ca.certificate)
        do {
            let (leader, follower, stranger) = (fleet.schedulers[0], fleet.schedulers[1], fleet.schedulers[2])
            try await fleet.cluster.start()
            try await leader.start()
            // Its framework id comes from the leader, through the proxy.
            try await follower.start()
            try await stranger.start(frameworkID: false)
            let leaderURL = "https://\(leader.hostPort)"

            #expect(try await fleet.leader(asking: follower) === leader)
            let info = try await follower.request(.GET, "/v2/info")
            #expect(info.status == 200, "\(info.text)")
            #expect(info.object["elected"] as? Bool == true, "the leader's view")
            #expect(info.object["leader"] as? String == leader.hostPort)
            #expect(info.headers.first(name: "X-Marathon-Leader") == leaderURL)
            #expect(info.headers.first(name: "X-Marathon-Via") == "1.1 \(follower.hostPort)")
            #expect((info.object["http_config"] as? [String: Any])?["https_port"] as? Int == leader.httpsPort)

            // A write with a body, through the follower, lands on the leader.
            let created = try await follower.request(.POST, "/v2/pods", body: SchedulerFaultTests.sleeper("/tls", instances: 0))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.headers.first(name: "X-Marathon-Leader") == leaderURL)
            let served = try await leader.request(.GET, "/v2/pods/tls")
            #expect(served.status == 200 && served.object["id"] as? String == "/tls", "\(served.text)")
            #expect(served.headers.first(name: "X-Marathon-Via") == nil, "served by the leader itself")

            // The stranger follows the same leader, but does not trust its certificate: it
            // answers 502 at once instead of talking to it (or waiting for another leader).
            #expect(try await stranger.request(.GET, "/ping").status == 200)
            for path in ["/v2/pods", "/v2/leader", "/v2/info"] {
                let refused = try await stranger.request(.GET, path)
                #expect(refused.status == 502, "\(path): \(refused.status) \(refused.text)")
                #expect(refused.object["message"] as? String == "Connection to leader refused.", "\(path): \(refused.text)")
                #expect(refused.headers.first(name: "X-Marathon-Leader") == nil, "\(path): nothing came from the leader")
            }
            let posted = try await stranger.request(.POST, "/v2/pods", body: SchedulerFaultTests.sleeper("/untrusted", instances: 0))
            #expect(posted.status == 502, "\(posted.text)")
            #expect(try await leader.request(.GET, "/v2/pods/untrusted").status == 404, "nothing reached the leader")
            #expect(stranger.logLines(containing: "certificate") > 0, "the log says why: \(stranger.logTail(2000))")
        } catch {
            await fleet.tearDown()
            throw error
        }
        await fleet.tearDown()
    }
}
