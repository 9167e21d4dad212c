import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Primitives
import Testing

/// Fixtures and helpers shared by the API tests.
enum Fixture {
    /// 2020-04-01T12:00:00.000Z, the clock of every test API.
    static let now = Date(timeIntervalSince1970: 1_585_742_400)
    static let nowText = "2020-04-01T12:00:00.000Z"

    static let baseURL = "http://127.0.0.1:8080"

    /// The seed's Quick Start pod.
    static let simplePod = """
        {
          "id": "/simplepod",
          "scaling": { "kind": "fixed", "instances": 1 },
          "containers": [
            { "name": "sleep1",
              "exec": { "command": { "shell": "sleep 1000" } },
              "resources": { "cpus": 0.1, "mem": 32 } }
          ],
          "networks": [ { "mode": "host" } ]
        }
        """

    /// The normalized answer of docs/reference/marathon-pods-api.md §9.2 for ``simplePod`` created at ``now``.
    static let simplePodNormalized =
        #"{"id":"/simplepod","version":"2020-04-01T12:00:00.000Z","containers":[{"name":"sleep1","#
        + #""exec":{"command":{"shell":"sleep 1000"}},"resources":{"cpus":0.1,"mem":32.0,"disk":0.0,"gpus":0}}],"#
        + #""networks":[{"mode":"host"}],"scaling":{"instances":1,"kind":"fixed"},"scheduling":{"backoff":"#
        + #"{"backoff":1.0,"backoffFactor":1.15,"maxLaunchDelay":300.0},"upgrade":{"minimumHealthCapacity":1.0,"#
        + #""maximumOverCapacity":1.0},"placement":{},"killSelection":"YOUNGEST_FIRST","unreachableStrategy":"#
        + #"{"inactiveAfterSeconds":0,"expungeAfterSeconds":0}},"executorResources":{"cpus":0.1,"mem":32.0,"#
        + #""disk":10.0},"role":"*"}"#

    /// A pod with a web endpoint on a host port, an http health check and a sidecar.
    static let webPod = """
        {
          "id": "/prod/web",
          "scaling": { "kind": "fixed", "instances": 2 },
          "containers": [
            { "name": "web",
              "exec": { "command": { "shell": "python3 -m http.server $ENDPOINT_HTTP" } },
              "resources": { "cpus": 0.5, "mem": 64 },
              "endpoints": [ { "name": "http", "hostPort": 0, "protocol": ["tcp"] },
                             { "name": "admin", "hostPort": 0 } ],
              "healthCheck": { "http": { "endpoint": "http", "path": "/" } } },
            { "name": "sidecar",
              "exec": { "command": { "shell": "sleep 1000" } },
              "resources": { "cpus": 0.25, "mem": 32 },
              "endpoints": [ { "name": "metrics", "hostPort": 0 } ] }
          ]
        }
        """

    /// A pod parsed as the API would store it.
    static func parsed(_ json: String, at date: Date = now) throws -> PodDefinition {
        try PodDefinition.parse(Data(json.utf8), options: PodSpecConfiguration(version: PodVersion(date)))
    }

    /// A logger that keeps test output short (the API logs every request at info).
    static var logger: Logger {
        var logger = Logger(label: "test.api")
        logger.logLevel = .warning
        return logger
    }

    /// A test API over `service`.
    static func api(_ service: FakePodService, authentication: APIConfiguration.Authentication = .none,
                    leaderURL: String? = baseURL) -> PodsAPI {
        PodsAPI(service: service,
                configuration: APIConfiguration(baseURL: baseURL + "/", leaderURL: leaderURL,
                                                authentication: authentication),
                logger: logger, now: { now })
    }

    static func application(_ api: PodsAPI) -> some ApplicationProtocol {
        Application(router: api.buildRouter())
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body parsed as JSON (`.null` when it is not JSON).
    var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }
}

extension TestClientProtocol {
    /// Sends a request with an optional text body.
    func send(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil,
              headers: HTTPFields = Fixture.jsonHeaders) async throws -> TestResponse {
        try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

/// Checks Marathon's cache headers.
func expectCacheHeaders(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.headers[.cacheControl] == "no-cache, no-store, must-revalidate", sourceLocation: sourceLocation)
    #expect(response.headers[HTTPField.Name("Pragma")!] == "no-cache", sourceLocation: sourceLocation)
    #expect(response.headers[.expires] == "0", sourceLocation: sourceLocation)
}

extension HTTPField.Name {
    static let deploymentId = HTTPField.Name("Marathon-Deployment-Id")!
    static let leader = HTTPField.Name("X-Marathon-Leader")!
}
