import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Testing

@Suite("/ping, /metrics, /v2/info and authentication")
struct SystemEndpointsTests {
    @Test("/ping answers pong as text with the cache headers")
    func ping() async throws {
        try await Fixture.application(Fixture.api(FakePodService())).test(.router) { client in
            let response = try await client.send(.get, "/ping", headers: [:])
            #expect(response.status == .ok)
            #expect(response.text == "pong")
            #expect(response.headers[.contentType] == "text/plain")
            expectCacheHeaders(response)
        }
    }

    @Test("/metrics exposes the request counter and latency histogram")
    func metrics() async throws {
        let api = Fixture.api(FakePodService())
        try await Fixture.application(api).test(.router) { client in
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            _ = try await client.send(.get, "/v2/pods/nope")
            let response = try await client.send(.get, "/metrics", headers: [:])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            #expect(text.contains("# TYPE mesos_pods_api_requests_total counter"))
            #expect(text.contains(#"mesos_pods_api_requests_total{route="pods",method="POST",status="2xx"} 1"#))
            #expect(text.contains(#"mesos_pods_api_requests_total{route="pod",method="GET",status="4xx"} 1"#))
            #expect(text.contains("# TYPE mesos_pods_api_request_duration_seconds histogram"))
            #expect(text.contains(#"mesos_pods_api_request_duration_seconds_count{route="pods",method="POST",status="2xx"} 1"#))
        }
    }

    @Test("/v2/info: name, version, leader, frameworkId, marathon_config and http_config")
    func info() async throws {
        try await Fixture.application(Fixture.api(FakePodService())).test(.router) { client in
            let response = try await client.send(.get, "/v2/info", headers: [:])
            #expect(response.status == .ok)
            #expect(response.json["name"] == "mesos-pods")
            #expect(response.json["version"] == "1.10.0-test")
            #expect(response.json["elected"] == true)
            #expect(response.json["leader"] == "127.0.0.1:8080")
            #expect(response.json["frameworkId"] == "fw-1")
            #expect(response.json["marathon_config"]?["master"] == "http://127.0.0.1:5050")
            #expect(response.json["marathon_config"]?["mesos_role"] == "*")
            #expect(response.json["http_config"] == ["http_port": 8080, "https_port": .null])
            // A single instance: no ZooKeeper, its settings are null (Marathon's keys).
            #expect(response.json["zookeeper_config"]?["zk"] == .null)
            #expect(response.json["zookeeper_config"]?["zk_session_timeout"] == .null)
            #expect(response.json["marathon_config"]?["ha"] == false)
            #expect(response.json["leader_election"]?["state"] == "leading")
        }
    }

    @Test("/v2/info's http_config shows the listeners that are on (HTTPS only: http_port null)")
    func infoListeners() async throws {
        var configuration = APIConfiguration(baseURL: "https://127.0.0.1:8443", leaderURL: "https://127.0.0.1:8443")
        configuration.listeners = .init(httpPort: nil, httpsPort: 8443)
        let api = PodsAPI(service: FakePodService(), configuration: configuration, logger: Fixture.logger)
        try await Fixture.application(api).test(.router) { client in
            let response = try await client.send(.get, "/v2/info", headers: [:])
            #expect(response.json["http_config"] == ["http_port": .null, "https_port": 8443])
            #expect(response.headers[.leader] == "https://127.0.0.1:8443")
        }
    }

    @Test("without a leader URL there is no X-Marathon-Leader header")
    func noLeaderHeader() async throws {
        try await Fixture.application(Fixture.api(FakePodService(), leaderURL: nil)).test(.router) { client in
            let response = try await client.send(.get, "/v2/pods")
            #expect(response.headers[.leader] == nil)
            expectCacheHeaders(response)
        }
    }

    @Test("Basic auth: missing or wrong credentials get 401 with a challenge; /ping stays open")
    func basicAuth() async throws {
        let api = Fixture.api(FakePodService(), authentication: .basic(username: "ops", password: "s3cret"))
        let good = "Basic " + Data("ops:s3cret".utf8).base64EncodedString()
        let bad = "Basic " + Data("ops:s3cre".utf8).base64EncodedString()
        try await Fixture.application(api).test(.router) { client in
            let missing = try await client.send(.get, "/v2/pods", headers: [:])
            #expect(missing.status == .unauthorized)
            #expect(missing.json == ["message": "Invalid username or password."])
            #expect(missing.headers[.wwwAuthenticate] == #"Basic realm="Mesos Pods""#)
            expectCacheHeaders(missing)

            let wrong = try await client.send(.post, "/v2/pods", body: Fixture.simplePod,
                                              headers: [.authorization: bad, .contentType: "application/json"])
            #expect(wrong.status == .unauthorized)

            let garbage = try await client.send(.get, "/v2/pods", headers: [.authorization: "Basic !!!"])
            #expect(garbage.status == .unauthorized)

            let ok = try await client.send(.get, "/v2/pods", headers: [.authorization: good])
            #expect(ok.status == .ok)

            let metrics = try await client.send(.get, "/metrics", headers: [:])
            #expect(metrics.status == .unauthorized)

            let ping = try await client.send(.get, "/ping", headers: [:])
            #expect(ping.status == .ok)
        }
    }

    @Test("Bearer auth: the token must match exactly")
    func bearerAuth() async throws {
        let api = Fixture.api(FakePodService(), authentication: .bearer(token: "tok-123"))
        try await Fixture.application(api).test(.router) { client in
            let missing = try await client.send(.get, "/v2/deployments", headers: [:])
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == #"Bearer realm="Mesos Pods""#)
            let wrong = try await client.send(.get, "/v2/deployments", headers: [.authorization: "Bearer tok-12"])
            #expect(wrong.status == .unauthorized)
            let basic = try await client.send(.get, "/v2/deployments", headers: [.authorization: "Basic tok-123"])
            #expect(basic.status == .unauthorized)
            let ok = try await client.send(.get, "/v2/deployments", headers: [.authorization: "bearer tok-123"])
            #expect(ok.status == .ok)
        }
    }

    @Test("the authentication description never shows credentials")
    func authenticationDescription() {
        let basic = APIConfiguration.Authentication.basic(username: "ops", password: "s3cret")
        #expect("\(basic)" == "basic")
        #expect("\(APIConfiguration.Authentication.bearer(token: "tok"))" == "bearer")
    }

    @Test("addRoutes mounts the API on an existing router next to other routes")
    func addRoutes() async throws {
        let router = Router()
        router.get("/hello") { _, _ in "world" }
        Fixture.api(FakePodService()).addRoutes(to: router)
        try await Application(router: router).test(.router) { client in
            let hello = try await client.send(.get, "/hello", headers: [:])
            #expect(String(buffer: hello.body) == "world")
            #expect(hello.headers[.cacheControl] == nil)
            let pods = try await client.send(.get, "/v2/pods", headers: [:])
            #expect(pods.text == "[]")
            expectCacheHeaders(pods)
        }
    }
}
