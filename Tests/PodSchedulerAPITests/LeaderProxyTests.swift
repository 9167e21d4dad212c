import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Primitives
import PodTestFixtures
import Synchronization
import Testing

/// A leadership a test sets by hand.
final class ManualLeadership: LeadershipView {
    let ownAddress: LeaderAddress
    let state: Mutex<LeadershipSnapshot>
    let abdications = Mutex(0)
    /// Every read of the snapshot starts a new term (leadership flapping under a request).
    let flapping = Mutex(false)

    init(own: LeaderAddress, leader: LeaderAddress?, isLeader: Bool) {
        ownAddress = own
        state = Mutex(LeadershipSnapshot(isLeader: isLeader, term: 1, leader: leader, state: isLeader ? "leading" : "following"))
    }

    var snapshot: LeadershipSnapshot {
        let flap = flapping.withLock { $0 }
        return state.withLock { s in
            if flap { s.term += 1 }
            return s
        }
    }

    func set(leader: LeaderAddress?) { state.withLock { $0.leader = leader } }

    func abdicate() async -> Bool {
        guard snapshot.isLeader else { return false }
        abdications.withLock { $0 += 1 }
        return true
    }
}

/// A PodsAPI served on a loopback port, as the executable serves it.
final class LiveAPI: Sendable {
    let port: Int
    let service: FakePodService
    let leadership: ManualLeadership
    let proxy: LeaderProxy?
    private let task: Task<Void, any Error>

    var address: LeaderAddress { leadership.ownAddress }
    var url: String { address.url }

    init(leader: LeaderAddress?, isLeader: Bool, authentication: APIConfiguration.Authentication = .none,
         tls: ServerTLSIdentity? = nil, proxySettings: LeaderProxy.Configuration? = nil, port: Int? = nil) async throws {
        let port = try port ?? ZooKeeperServer.freePort()
        self.port = port
        let own = LeaderAddress(hostPort: "127.0.0.1:\(port)", scheme: tls == nil ? "http" : "https")
        let leadership = ManualLeadership(own: own, leader: isLeader ? own : leader, isLeader: isLeader)
        self.leadership = leadership
        service = FakePodService()
        var configuration = APIConfiguration(baseURL: own.url, authentication: authentication)
        configuration.leadership = leadership
        let proxy = proxySettings.map { LeaderProxy(leadership: leadership, settings: $0, logger: Fixture.logger) }
        self.proxy = proxy
        let api = PodsAPI(service: service, configuration: configuration, logger: Fixture.logger, now: { Fixture.now },
                          leaderProxy: proxy)
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let serverConfiguration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil)
        task = Task {
            if let tls {
                let app = Application(router: api.buildRouter(), server: .http1(tls: tls), configuration: serverConfiguration,
                                      onServerRunning: { _ in readyContinuation.yield() }, logger: Fixture.logger)
                try await app.runService(gracefulShutdownSignals: [])
            } else {
                let app = Application(router: api.buildRouter(), configuration: serverConfiguration,
                                      onServerRunning: { _ in readyContinuation.yield() }, logger: Fixture.logger)
                try await app.runService(gracefulShutdownSignals: [])
            }
        }
        for await _ in ready { break }
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
        await proxy?.shutdown()
    }
}

/// Followers proxy the whole REST API to the leader (Marathon's LeaderProxyFilter, reference
/// §3.3): real servers on loopback, the leader chosen by hand.
@Suite("Leader proxy, /v2/leader and X-Marathon-Leader", .serialized)
struct LeaderProxyTests {
    static let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                   configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5))))

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }
    }

    static func send(_ method: HTTPMethod, _ url: String, body: String? = nil, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    }

    static func settings(wait: Duration = .seconds(3)) -> LeaderProxy.Configuration {
        var settings = LeaderProxy.Configuration()
        settings.leaderWait = wait
        return settings
    }

    @Test("a follower relays requests and answers: status, body, Location, X-Marathon-Leader and X-Marathon-Via")
    func relays() async throws {
        let leader = try await LiveAPI(leader: nil, isLeader: true)
        let follower = try await LiveAPI(leader: leader.address, isLeader: false, proxySettings: Self.settings())
        defer { Task { await follower.stop(); await leader.stop() } }
        let created = try await Self.send(.POST, follower.url + "/v2/pods", body: Fixture.simplePod)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.headers.first(name: "Location") == leader.url + "/simplepod", "Location is the leader's (Marathon)")
        #expect(created.headers.first(name: "Marathon-Deployment-Id")?.isEmpty == false)
        #expect(created.headers.first(name: "X-Marathon-Leader") == leader.url)
        #expect(created.headers.first(name: "X-Marathon-Via") == "1.1 \(follower.address.hostPort)")
        let onLeader = await leader.service.current.count
        let onFollower = await follower.service.current.count
        #expect(onLeader == 1 && onFollower == 0)

        let listed = try await Self.send(.GET, follower.url + "/v2/pods?unused=1")
        #expect(listed.status == 200)
        #expect(listed.json.arrayValue?.count == 1)
        let missing = try await Self.send(.GET, follower.url + "/v2/pods/nope")
        #expect(missing.status == 404)
        let put = try await Self.send(.PUT, follower.url + "/v2/pods/simplepod", body: Fixture.simplePod)
        #expect(put.status == 200)
        let deleted = try await Self.send(.DELETE, follower.url + "/v2/pods/simplepod?force=true")
        #expect(deleted.status == 202)
        #expect(await leader.service.current.isEmpty)
        let queue = try await Self.send(.GET, follower.url + "/v2/queue")
        #expect(queue.status == 200)

        // The follower's own: /ping and /metrics; none of Marathon's leader header.
        let ping = try await Self.send(.GET, follower.url + "/ping")
        #expect(ping.text == "pong" && ping.headers.first(name: "X-Marathon-Leader") == nil)
        #expect(try await Self.send(.GET, follower.url + "/metrics").text.contains("mesos_pods_api_requests_total"))
        // The leader's /v2/leader, through the follower.
        let who = try await Self.send(.GET, follower.url + "/v2/leader")
        #expect(who.json["leader"] == .string(leader.address.hostPort))
    }

    @Test("the client's credentials go through: the leader authenticates")
    func credentials() async throws {
        let leader = try await LiveAPI(leader: nil, isLeader: true, authentication: .basic(username: "ops", password: "s3cret"))
        let follower = try await LiveAPI(leader: leader.address, isLeader: false, proxySettings: Self.settings())
        defer { Task { await follower.stop(); await leader.stop() } }
        let refused = try await Self.send(.GET, follower.url + "/v2/pods")
        #expect(refused.status == 401)
        #expect(refused.headers.first(name: "WWW-Authenticate")?.hasPrefix("Basic") == true)
        let token = Data("ops:s3cret".utf8).base64EncodedString()
        let accepted = try await Self.send(.GET, follower.url + "/v2/pods", headers: [("Authorization", "Basic \(token)")])
        #expect(accepted.status == 200)
    }

    @Test("a request that passed this instance already is a loop (502); /v2/events is redirected to the leader")
    func loopAndEvents() async throws {
        let leader = try await LiveAPI(leader: nil, isLeader: true)
        let follower = try await LiveAPI(leader: leader.address, isLeader: false, proxySettings: Self.settings())
        defer { Task { await follower.stop(); await leader.stop() } }
        let loop = try await Self.send(.GET, follower.url + "/v2/pods",
                                       headers: [("X-Marathon-Via", "1.1 10.0.0.9:8080, 1.1 \(follower.address.hostPort)")])
        #expect(loop.status == 502)
        #expect(loop.json["message"] == "Detected proxying loop.")
        let events = try await Self.send(.GET, follower.url + "/v2/events?event_type=deployment_info")
        #expect(events.status == 302)
        #expect(events.headers.first(name: "Location") == leader.url + "/v2/events?event_type=deployment_info")
    }

    @Test("no leader: 502 after the wait, /v2/leader 404, /v2/info answered here; a leader elected meanwhile is used")
    func noLeader() async throws {
        let leader = try await LiveAPI(leader: nil, isLeader: true)
        let follower = try await LiveAPI(leader: nil, isLeader: false, proxySettings: Self.settings(wait: .milliseconds(300)))
        defer { Task { await follower.stop(); await leader.stop() } }
        let pods = try await Self.send(.GET, follower.url + "/v2/pods")
        #expect(pods.status == 502)
        #expect(pods.json["message"] == "Could not determine the current leader")
        let who = try await Self.send(.GET, follower.url + "/v2/leader")
        #expect(who.status == 404)
        #expect(who.json["message"] == "There is no leader")
        let info = try await Self.send(.GET, follower.url + "/v2/info")
        #expect(info.status == 200)
        #expect(info.json["elected"] == false)
        #expect(info.json["leader"] == .null)
        #expect(info.json["leader_election"]?["state"] == "following")

        // A leader appears while the request waits.
        let patient = try await LiveAPI(leader: nil, isLeader: false, proxySettings: Self.settings(wait: .seconds(5)))
        defer { Task { await patient.stop() } }
        let elect = Task {
            try await Task.sleep(for: .milliseconds(300))
            patient.leadership.set(leader: leader.address)
        }
        let waited = try await Self.send(.GET, patient.url + "/v2/pods")
        #expect(waited.status == 200)
        try await elect.value
    }

    @Test("an unreachable leader: the request waits for another (then 200), or gets 502 'Connection to leader refused.'")
    func unreachableLeader() async throws {
        let gone = LeaderAddress(hostPort: "127.0.0.1:\(try ZooKeeperServer.freePort())", scheme: "http")
        let leader = try await LiveAPI(leader: nil, isLeader: true)
        let follower = try await LiveAPI(leader: gone, isLeader: false, proxySettings: Self.settings(wait: .seconds(1)))
        defer { Task { await follower.stop(); await leader.stop() } }
        let refused = try await Self.send(.GET, follower.url + "/v2/pods")
        #expect(refused.status == 502)
        #expect(refused.json["message"] == "Connection to leader refused.")

        let failover = try await LiveAPI(leader: gone, isLeader: false, proxySettings: Self.settings(wait: .seconds(8)))
        defer { Task { await failover.stop() } }
        let elect = Task {
            try await Task.sleep(for: .milliseconds(500))
            failover.leadership.set(leader: leader.address)
        }
        let created = try await Self.send(.POST, failover.url + "/v2/pods", body: Fixture.simplePod)
        #expect(created.status == 201, "the POST never reached the dead leader, so it goes to the new one")
        #expect(await leader.service.current.count == 1)
        try await elect.value
    }

    @Test("DELETE /v2/leader abdicates on the leader (200) and is refused by a lone instance; backup/restore are refused")
    func abdicate() async throws {
        let leader = try await LiveAPI(leader: nil, isLeader: true)
        let follower = try await LiveAPI(leader: leader.address, isLeader: false, proxySettings: Self.settings())
        defer { Task { await follower.stop(); await leader.stop() } }
        let unsupported = try await Self.send(.DELETE, follower.url + "/v2/leader?backup=file:///tmp/b")
        #expect(unsupported.status == 400)
        let abdicated = try await Self.send(.DELETE, follower.url + "/v2/leader")
        #expect(abdicated.status == 200)
        #expect(abdicated.json["message"] == "Leadership abdicated")
        #expect(leader.leadership.abdications.withLock { $0 } == 1)
        #expect(follower.leadership.abdications.withLock { $0 } == 0)

        try await Fixture.application(Fixture.api(FakePodService())).test(.router) { client in
            let alone = try await client.send(.delete, "/v2/leader")
            #expect(alone.status == .badRequest)
            let who = try await client.send(.get, "/v2/leader")
            #expect(who.json["leader"] == "127.0.0.1:8080")
        }
    }

    @Test("an answer given while leadership changed becomes 503")
    func termChange() async throws {
        let leader = try await LiveAPI(leader: nil, isLeader: true)
        defer { Task { await leader.stop() } }
        leader.leadership.flapping.withLock { $0 = true }
        let proxied = try await LiveAPI(leader: nil, isLeader: true, proxySettings: Self.settings())
        defer { Task { await proxied.stop() } }
        proxied.leadership.flapping.withLock { $0 = true }
        let answer = try await Self.send(.GET, proxied.url + "/v2/pods")
        #expect(answer.status == 503)
    }

    @Test("a leader serving HTTPS only is reached over TLS and its certificate verified against the CA setting",
          .enabled(if: TestCertificates.available, "needs openssl"))
    func tls() async throws {
        let certificates = try TestCertificates()
        let pair = try certificates.issue("leader", serial: 0x2001)
        let leader = try await LiveAPI(leader: nil, isLeader: true, tls: try ServerTLSIdentity(certificateFile: pair.certificate, keyFile: pair.key))
        var trusting = Self.settings()
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        tlsConfiguration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.ca.certificate))
        trusting.tls = tlsConfiguration
        let follower = try await LiveAPI(leader: leader.address, isLeader: false, proxySettings: trusting)
        // Waiting for another leader would outlast the client's 30 s: a refused certificate
        // is answered at once.
        var patient = Self.settings(wait: .seconds(60))
        patient.unreachableLeaderWait = .seconds(60)
        let stranger = try await LiveAPI(leader: leader.address, isLeader: false, proxySettings: patient)
        // A certificate of the trusted CA that does not name the leader's host.
        let elsewhere = try certificates.issue("elsewhere", serial: 0x2002, names: ["DNS:elsewhere.example"])
        let misnamed = try await LiveAPI(leader: nil, isLeader: true,
                                         tls: try ServerTLSIdentity(certificateFile: elsewhere.certificate, keyFile: elsewhere.key))
        patient.tls = tlsConfiguration
        let misled = try await LiveAPI(leader: misnamed.address, isLeader: false, proxySettings: patient)
        defer { Task { await follower.stop(); await stranger.stop(); await leader.stop(); await misled.stop(); await misnamed.stop() } }
        #expect(leader.address.scheme == "https")
        let answer = try await Self.send(.GET, follower.url + "/v2/pods")
        #expect(answer.status == 200)
        #expect(answer.headers.first(name: "X-Marathon-Leader") == leader.url)
        for (who, url) in [("another CA", stranger.url), ("another host name", misled.url)] {
            let refused = try await Self.send(.GET, url + "/v2/pods")
            #expect(refused.status == 502, "a leader certificate of \(who) is not used")
            #expect(refused.headers.first(name: "X-Marathon-Leader") == nil)
        }
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
