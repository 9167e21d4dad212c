import Foundation
import PodCtlKit
import Primitives
import Testing

@Suite("SchedulerClient against a fake Marathon")
struct SchedulerClientTests {
    @Test("create POSTs the definition unchanged as JSON and returns the deployment and pod")
    func create() async throws {
        try await withFakeMarathon { server throws in
            server.on("POST", "/v2/pods", .json(201, Fixtures.podResponse,
                                                headers: ["Marathon-Deployment-Id": Fixtures.deploymentID]))
            let client = try SchedulerClient(url: server.url)
            let change = try await client.create(Data(Fixtures.podDefinition.utf8))
            #expect(change.deploymentID == Fixtures.deploymentID)
            #expect(change.pod.id == "/web")
            #expect(change.pod.instances == 2)
            #expect(change.pod.containerNames == ["nginx"])
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.uri == "/v2/pods")
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("Accept") == "application/json")
            #expect(request.header("Authorization") == nil)
            #expect(request.bodyText == Fixtures.podDefinition)
        }
    }

    @Test("update PUTs to the canonical path with force, delete answers the deployment id")
    func updateAndDelete() async throws {
        try await withFakeMarathon { server throws in
            server.on("PUT", "/v2/pods/group/web", .json(200, Fixtures.podResponse,
                                                         headers: ["Marathon-Deployment-Id": "d-1"]))
            server.on("DELETE", "/v2/pods/group/web", .init(status: 202, headers: ["Marathon-Deployment-Id": "d-2"]))
            let client = try SchedulerClient(url: server.url + "/")
            let change = try await client.update("/group/web/", podJSON: Data("{}".utf8), force: true)
            #expect(change.deploymentID == "d-1")
            #expect(try await client.delete("group/web") == "d-2")
            #expect(server.requests.map(\.uri) == ["/v2/pods/group/web?force=true", "/v2/pods/group/web"])
            #expect(server.requests.map(\.method) == ["PUT", "DELETE"])
        }
    }

    @Test("statuses decode instances, containers, health, endpoints and addresses")
    func statuses() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/::status", .json(200, "[\(Fixtures.webStatus),\(Fixtures.dbStatus)]"))
            let statuses = try await SchedulerClient(url: server.url).statuses()
            #expect(statuses.map(\.id) == ["/web", "/batch/db"])
            let web = statuses[0]
            #expect(web.status == "DEGRADED")
            #expect(web.desiredInstances == 2)
            #expect(web.runningInstances == 2)
            #expect(web.instances.map(\.status) == ["STABLE", "DEGRADED"])
            #expect(web.instances[0].health == .healthy)
            #expect(web.instances[1].health == .unhealthy)
            #expect(web.instances[0].addresses == ["10.0.1.7"])
            #expect(web.instances[1].addresses == ["dcos:9.0.0.2", "dcos:9.0.0.3"])
            #expect(web.instances[0].containers[0].endpoints == ["http:31000"])
            #expect(web.instances[0].containers[0].containerID == "\(Fixtures.instance1).nginx.1")
            #expect(statuses[1].desiredInstances == 0)
            #expect(statuses[1].instances.isEmpty)
        }
    }

    @Test("killInstances sends the ids as a JSON array, with wipe")
    func killInstances() async throws {
        try await withFakeMarathon { server throws in
            server.on("DELETE", "/v2/pods/web::instances", .json(200, "[\(Fixtures.instance(Fixtures.instance1))]"))
            let killed = try await SchedulerClient(url: server.url)
                .killInstances("/web", instanceIDs: [Fixtures.instance1, Fixtures.instance2], wipe: true)
            #expect(killed.map(\.instanceID) == [Fixtures.instance1])
            #expect(killed[0].condition == "Killing")
            #expect(killed[0].agentHost == "agent-1.example")
            let request = try #require(server.requests.first)
            #expect(request.uri == "/v2/pods/web::instances?wipe=true")
            #expect(request.header("Content-Type") == "application/json")
            #expect(try JSONValue.parse(request.body) == .array([.string(Fixtures.instance1), .string(Fixtures.instance2)]))
        }
    }

    @Test("versions, a version, deployments and a single-instance kill")
    func readers() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/web::versions", .json(200, #"["2020-04-01T12:00:00.000Z"]"#))
            server.on("GET", "/v2/pods/web::versions/2020-04-01T12:00:00.000Z", .json(200, Fixtures.podResponse))
            server.on("GET", "/v2/deployments", .json(200, Fixtures.deployments("d-1")))
            server.on("DELETE", "/v2/pods/web::instances/\(Fixtures.instance1)",
                      .json(200, Fixtures.instance(Fixtures.instance1)))
            let client = try SchedulerClient(url: server.url)
            #expect(try await client.versions("web") == ["2020-04-01T12:00:00.000Z"])
            #expect(try await client.version("web", version: "2020-04-01T12:00:00.000Z").version
                == "2020-04-01T12:00:00.000Z")
            let deployments = try await client.deployments()
            #expect(deployments.map(\.id) == ["d-1"])
            #expect(deployments[0].affectedPods == ["/web"])
            #expect(deployments[0].currentActions == ["ScalePod"])
            #expect(deployments[0].currentStep == 2 && deployments[0].totalSteps == 2)
            #expect(try await client.killInstance("web", instanceID: Fixtures.instance1).instanceID == Fixtures.instance1)
        }
    }

    @Test("a 422 carries the message and every validation detail")
    func validationError() async throws {
        try await withFakeMarathon { server throws in
            server.on("POST", "/v2/pods", .json(422, Fixtures.invalidPod))
            let error = await #expect(throws: SchedulerClientError.self) {
                try await SchedulerClient(url: server.url).create(Data("{}".utf8))
            }
            guard case .api(let status, let body, let request)? = error else {
                Issue.record("expected an API error, got \(String(describing: error))")
                return
            }
            #expect(status == 422)
            #expect(request == "POST /v2/pods")
            #expect(body.message == "Object is not valid")
            #expect(body.details.map(\.path) == ["/containers(0)/resources/cpus", "/id"])
            #expect(error?.description == "Object is not valid: /containers(0)/resources/cpus: got 0.0, expected "
                + "more than 0.0; /id: must fully match regular expression 'x', must not be empty "
                + "(HTTP 422 from POST /v2/pods)")
        }
    }

    @Test("404 unwraps Marathon's nested message; 409 names the locking deployment")
    func notFoundAndLocked() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/nope", .json(404, Fixtures.unknownPodQuirk))
            server.on("DELETE", "/v2/pods/web", .json(409, Fixtures.locked))
            let client = try SchedulerClient(url: server.url)
            do throws(SchedulerClientError) {
                _ = try await client.show("nope")
                Issue.record("expected 404")
            } catch {
                #expect(error.status == 404)
                #expect(error.description == "pod with /nope does not exist (HTTP 404 from GET /v2/pods/nope)")
            }
            do throws(SchedulerClientError) {
                _ = try await client.delete("web")
                Issue.record("expected 409")
            } catch {
                guard case .api(409, let body, _) = error else { throw error }
                #expect(body.deployments == [Fixtures.deploymentID])
                #expect(error.description.contains("retry with --force"))
            }
        }
    }

    @Test("a success answer that is not the documented JSON is an invalid response")
    func invalidResponse() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/::status", .init(status: 200, body: "<html>proxy</html>"))
            server.on("GET", "/v2/deployments", .json(200, #"[{"version":"x"}]"#))
            server.on("POST", "/v2/pods", .json(201, Fixtures.podResponse))
            let client = try SchedulerClient(url: server.url)
            await #expect(throws: SchedulerClientError.invalidResponse(request: "GET /v2/pods/::status",
                                                                       reason: "body is not JSON")) {
                try await client.statuses()
            }
            await #expect(throws: SchedulerClientError.invalidResponse(
                request: "GET /v2/deployments", reason: "deployment document without a string \"id\"")) {
                try await client.deployments()
            }
            await #expect(throws: SchedulerClientError.invalidResponse(
                request: "POST /v2/pods", reason: "no Marathon-Deployment-Id header")) {
                try await client.create(Data("{}".utf8))
            }
        }
    }

    @Test("a closed port is a connection error")
    func connectionRefused() async throws {
        let url = try await FakeMarathon.closedPortURL()
        await #expect(throws: SchedulerClientError.connection(url: url, reason: "connection refused")) {
            try await SchedulerClient(url: url).statuses()
        }
    }

    @Test("user info in the URL becomes Basic credentials and leaves the shown URL")
    func userInfo() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/prefix/v2/pods", .json(200, "[\(Fixtures.podResponse)]"))
            let url = server.url.replacingOccurrences(of: "http://", with: "http://ops:s3cr%40t@") + "/prefix/"
            let client = try SchedulerClient(url: url)
            #expect(client.baseURL == server.url + "/prefix")
            #expect(client.credentials == .basic(user: "ops", password: "s3cr@t"))
            #expect(try await client.list().map(\.id) == ["/web"])
            #expect(server.requests.first?.header("Authorization")
                == "Basic " + Data("ops:s3cr@t".utf8).base64EncodedString())
        }
    }

    @Test("URLs that are not http(s) with a host are refused", arguments: ["ftp://host", "127.0.0.1:8080", "http://", ""])
    func invalidURL(_ url: String) {
        #expect(throws: SchedulerClientError.invalidURL(url)) { try SchedulerClient(url: url) }
    }
}
