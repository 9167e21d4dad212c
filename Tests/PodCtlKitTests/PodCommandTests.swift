import Foundation
import PodCtlKit
import Testing

@Suite("pod add, update, remove, show, list, status, versions")
struct PodCommandTests {
    @Test("pod add FILE posts the file and prints the deployment")
    func addFromFile() async throws {
        try await withFakeMarathon { server throws in
            server.on("POST", "/v2/pods", .json(201, Fixtures.podResponse,
                                                headers: ["Marathon-Deployment-Id": Fixtures.deploymentID]))
            let result = try await withTemporaryFile(Fixtures.podDefinition) { path in
                await podctl(["pod", "add", path], url: server.url)
            }
            #expect(result.code == 0)
            #expect(result.stdout == "Created deployment \(Fixtures.deploymentID)\n")
            #expect(result.stderr.isEmpty)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST" && request.uri == "/v2/pods")
            #expect(request.bodyText == Fixtures.podDefinition)
            #expect(server.requests.count == 1)
        }
    }

    @Test("pod add - reads standard input; --force is passed on")
    func addFromStandardInput() async throws {
        try await withFakeMarathon { server throws in
            server.on("POST", "/v2/pods", .json(201, Fixtures.podResponse, headers: ["Marathon-Deployment-Id": "d-9"]))
            let result = await podctl(["pod", "add", "--force", "-"], url: server.url, stdin: Fixtures.podDefinition)
            #expect(result.code == 0)
            #expect(result.stdout == "Created deployment d-9\n")
            #expect(server.requests.first?.uri == "/v2/pods?force=true")
            #expect(server.requests.first?.bodyText == Fixtures.podDefinition)
        }
    }

    @Test("a missing, empty or unreadable definition is a usage error and sends nothing")
    func addWithoutDefinition() async throws {
        try await withFakeMarathon { server throws in
            let missing = await podctl(["pod", "add", "/nonexistent/pod.json"], url: server.url)
            #expect(missing.code == 2)
            #expect(missing.stderr == "podctl: pod definition file '/nonexistent/pod.json' does not exist\n")
            let empty = await podctl(["pod", "add", "-"], url: server.url, stdin: " \n")
            #expect(empty.code == 2)
            #expect(empty.stderr == "podctl: the pod definition in standard input is empty\n")
            let directory = await podctl(["pod", "update", "/web", NSTemporaryDirectory()], url: server.url)
            #expect(directory.code == 2)
            #expect(directory.stderr.contains("cannot be read"))
            #expect(server.requests.isEmpty)
        }
    }

    @Test("pod update ID FILE --force PUTs to the pod's path")
    func update() async throws {
        try await withFakeMarathon { server throws in
            server.on("PUT", "/v2/pods/web", .json(200, Fixtures.podResponse, headers: ["Marathon-Deployment-Id": "d-2"]))
            let result = try await withTemporaryFile(Fixtures.podDefinition) { path in
                await podctl(["pod", "update", "/web", path, "--force"], url: server.url)
            }
            #expect(result.code == 0)
            #expect(result.stdout == "Created deployment d-2\n")
            #expect(server.requests.map(\.method) == ["PUT"])
            #expect(server.requests.first?.uri == "/v2/pods/web?force=true")
            #expect(server.requests.first?.bodyText == Fixtures.podDefinition)
        }
    }

    @Test("pod remove ID [--force] DELETEs the pod and prints the stop deployment")
    func remove() async throws {
        try await withFakeMarathon { server throws in
            server.on("DELETE", "/v2/pods/group/web", .init(status: 202, headers: ["Marathon-Deployment-Id": "d-3"]))
            let plain = await podctl(["pod", "remove", "/group/web"], url: server.url)
            let forced = await podctl(["pod", "remove", "group/web", "--force"], url: server.url)
            #expect(plain.code == 0 && forced.code == 0)
            #expect(plain.stdout == "Created deployment d-3\n")
            #expect(server.requests.map(\.uri) == ["/v2/pods/group/web", "/v2/pods/group/web?force=true"])
        }
    }

    @Test("pod show prints the definition as indented JSON with sorted keys")
    func show() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/web", .json(200, Fixtures.podResponse))
            server.on("GET", "/v2/pods/web::versions/2020-04-01T12:00:00.000Z", .json(200, Fixtures.podResponse))
            let result = await podctl(["pod", "show", "/web"], url: server.url)
            #expect(result.code == 0)
            #expect(try sameJSON(result.stdout, Fixtures.podResponse))
            #expect(result.stdoutLines.prefix(3) == ["{", "  \"containers\": [", "    {"])
            #expect(result.stdout.contains("\"cpus\": 0.1,\n") && result.stdout.contains("\"mem\": 32\n"))
            let versioned = await podctl(["pod", "show", "web", "--version", "2020-04-01T12:00:00.000Z"],
                                         url: server.url)
            #expect(versioned.code == 0)
            #expect(server.requests.map(\.uri) == ["/v2/pods/web", "/v2/pods/web::versions/2020-04-01T12:00:00.000Z"])
        }
    }

    @Test("pod list prints an aligned table: pod, running/desired, status, since")
    func listTable() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/::status", .json(200, "[\(Fixtures.webStatus),\(Fixtures.dbStatus)]"))
            let result = await podctl(["pod", "list"], url: server.url)
            #expect(result.code == 0)
            #expect(result.stdout == """
                POD        INSTANCES  STATUS    SINCE
                /batch/db  0/0        STABLE    2020-04-02T06:30:00Z
                /web       2/2        DEGRADED  2020-04-01T12:00:05Z

                """)
            #expect(server.requests.map(\.uri) == ["/v2/pods/::status"])
        }
    }

    @Test("pod list --json prints the server's status documents; no pods is said plainly")
    func listJSONAndEmpty() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/::status", .json(200, "[\(Fixtures.webStatus)]"), .json(200, "[]"))
            let json = await podctl(["pod", "list", "--json"], url: server.url)
            #expect(json.code == 0)
            #expect(try sameJSON(json.stdout, "[\(Fixtures.webStatus)]"))
            let empty = await podctl(["pod", "list"], url: server.url)
            #expect(empty.stdout == "No pods.\n")
        }
    }

    @Test("pod status shows every instance and container with state, health, agent, endpoints, addresses")
    func statusTable() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/web::status", .json(200, Fixtures.webStatus))
            let result = await podctl(["pod", "status", "/web"], url: server.url)
            #expect(result.code == 0)
            #expect(result.stdout == """
                Pod /web: DEGRADED since 2020-04-01T12:00:05Z, 2/2 instances running

                INSTANCE/CONTAINER                                 STATUS        HEALTH     SINCE                 \
                AGENT            ENDPOINTS   ADDRESSES
                \(Fixtures.instance1)  STABLE        healthy    2020-04-01T12:00:05Z  \
                agent-1.example              10.0.1.7
                  nginx                                            TASK_RUNNING  healthy    2020-04-01T12:00:05Z\
                                   http:31000
                \(Fixtures.instance2)  DEGRADED      unhealthy  2020-04-01T12:00:06Z  \
                agent-2.example              dcos:9.0.0.2,dcos:9.0.0.3
                  nginx                                            TASK_RUNNING  unhealthy  2020-04-01T12:00:06Z\
                                   http:31001

                \(Fixtures.instance2): at least one container is not healthy

                """)
        }
    }

    @Test("pod status --json prints the server's document; a pod without instances says so")
    func statusJSONAndEmpty() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/web::status", .json(200, Fixtures.webStatus))
            server.on("GET", "/v2/pods/batch/db::status", .json(200, Fixtures.dbStatus))
            let json = await podctl(["pod", "status", "web", "--json"], url: server.url)
            #expect(try sameJSON(json.stdout, Fixtures.webStatus))
            let empty = await podctl(["pod", "status", "/batch/db"], url: server.url)
            #expect(empty.stdout == "Pod /batch/db: STABLE since 2020-04-02T06:30:00Z, 0/0 instances running\n"
                + "No instances.\n")
        }
    }

    @Test("pod versions lists oldest first whatever the server's order; --json keeps it")
    func versions() async throws {
        try await withFakeMarathon { server throws in
            let served = #"["2020-04-03T00:00:00.000Z","2020-04-01T12:00:00.000Z","2020-04-02T08:00:00.5+02:00"]"#
            server.on("GET", "/v2/pods/web::versions", .json(200, served))
            let result = await podctl(["pod", "versions", "/web"], url: server.url)
            #expect(result.code == 0)
            #expect(result.stdoutLines == ["2020-04-01T12:00:00.000Z", "2020-04-02T08:00:00.5+02:00",
                                           "2020-04-03T00:00:00.000Z", ""])
            let json = await podctl(["pod", "versions", "/web", "--json"], url: server.url)
            #expect(try sameJSON(json.stdout, served))
        }
    }

    @Test("options may come before the group, between the words, or after")
    func optionPlacement() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/::status", .json(200, "[]"))
            for arguments in [["--url", server.url, "pod", "list"], ["pod", "--url", server.url, "list"],
                              ["pod", "list", "--url", server.url]] {
                let result = await podctl(arguments, environment: ["PODCTL_URL": "http://127.0.0.1:1"])
                #expect(result.code == 0, "\(arguments): \(result.stderr)")
            }
            #expect(server.requests.count == 3)
        }
    }
}
