import Foundation
import PodCtlKit
import Testing

@Suite("--wait: poll deployments until the id leaves, with progress, and time out")
struct WaitTests {
    @Test("pod add --wait shows running/desired while the deployment runs, then finishes")
    func waitsForDeployment() async throws {
        try await withFakeMarathon { server throws in
            let id = Fixtures.deploymentID
            server.on("POST", "/v2/pods", .json(201, Fixtures.podResponse, headers: ["Marathon-Deployment-Id": id]))
            server.on("GET", "/v2/deployments", .json(200, Fixtures.deployments(id, "other")),
                      .json(200, Fixtures.deployments(id)), .json(200, Fixtures.deployments(id)),
                      .json(200, Fixtures.deployments("other")))
            server.on("GET", "/v2/pods/web::status", .json(200, Fixtures.webStatus(running: 0)),
                      .json(200, Fixtures.webStatus(running: 1)), .json(200, Fixtures.webStatus(running: 1)),
                      .json(200, Fixtures.webStatus(running: 2)))
            let result = await podctl(["pod", "add", "--wait", "-"], url: server.url, stdin: Fixtures.podDefinition)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(result.stdout == "Created deployment \(id)\nDeployment \(id) finished: 2/2 instances running, STABLE\n")
            // A line per change, not per poll.
            #expect(result.stderr == """
                Waiting for deployment \(id): 0/2 instances running, DEGRADED
                Waiting for deployment \(id): 1/2 instances running, DEGRADED

                """)
            #expect(server.requests("GET", "/v2/deployments").count == 4)
            #expect(server.requests("GET", "/v2/pods/web::status").count == 4)
        }
    }

    @Test("a deployment that is already gone finishes at the first poll")
    func alreadyFinished() async throws {
        try await withFakeMarathon { server throws in
            server.on("PUT", "/v2/pods/web", .json(200, Fixtures.podResponse, headers: ["Marathon-Deployment-Id": "d-1"]))
            server.on("GET", "/v2/deployments", .json(200, "[]"))
            server.on("GET", "/v2/pods/web::status", .json(200, Fixtures.webStatus(running: 2)))
            let result = await podctl(["pod", "update", "/web", "-", "--wait"], url: server.url, stdin: "{}")
            #expect(result.code == 0)
            #expect(result.stdout == "Created deployment d-1\nDeployment d-1 finished: 2/2 instances running, STABLE\n")
            #expect(result.stderr.isEmpty)
        }
    }

    @Test("remove --wait copes with the pod's status being gone (404)")
    func removeWaits() async throws {
        try await withFakeMarathon { server throws in
            server.on("DELETE", "/v2/pods/web", .init(status: 202, headers: ["Marathon-Deployment-Id": "d-stop"]))
            server.on("GET", "/v2/deployments", .json(200, Fixtures.deployments("d-stop")), .json(200, "[]"))
            server.on("GET", "/v2/pods/web::status", .json(404, Fixtures.unknownPod))
            let result = await podctl(["pod", "remove", "/web", "--wait"], url: server.url)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(result.stdout == "Created deployment d-stop\nDeployment d-stop finished\n")
            #expect(result.stderr == "Waiting for deployment d-stop\n")
        }
    }

    @Test("at the timeout it exits 5 and says the deployment goes on")
    func timesOut() async throws {
        try await withFakeMarathon { server throws in
            let id = Fixtures.deploymentID
            server.on("POST", "/v2/pods", .json(201, Fixtures.podResponse, headers: ["Marathon-Deployment-Id": id]))
            server.on("GET", "/v2/deployments", .json(200, Fixtures.deployments(id)))
            server.on("GET", "/v2/pods/web::status", .json(200, Fixtures.webStatus(running: 1)))
            let result = await podctl(["pod", "add", "-", "--wait", "--timeout", "0.2"], url: server.url,
                                      stdin: Fixtures.podDefinition)
            #expect(result.code == 5)
            #expect(result.stdout == "Created deployment \(id)\n")
            #expect(result.stderr == """
                Waiting for deployment \(id): 1/2 instances running, DEGRADED
                podctl: timed out after 0.2s waiting for deployment \(id) (1/2 instances running, DEGRADED); \
                it keeps running, see 'podctl pod status /web'

                """)
            // At least the first poll; how many more fit in 0.2 s depends on the machine's load
            // (polling until the id leaves is the first test's).
            #expect(server.requests("GET", "/v2/deployments").count >= 1)
        }
    }

    @Test("an API error while polling ends the wait with exit 3")
    func pollError() async throws {
        try await withFakeMarathon { server throws in
            server.on("POST", "/v2/pods", .json(201, Fixtures.podResponse, headers: ["Marathon-Deployment-Id": "d"]))
            server.on("GET", "/v2/deployments", .json(503, #"{"message":"no leader"}"#))
            let result = await podctl(["pod", "add", "-", "--wait"], url: server.url, stdin: "{}")
            #expect(result.code == 3)
            #expect(result.stderr == "podctl: no leader (HTTP 503 from GET /v2/deployments)\n")
        }
    }
}
