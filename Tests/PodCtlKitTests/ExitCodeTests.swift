import Foundation
import PodCtlKit
import Testing

@Suite("errors: one line and an exit code per kind")
struct ExitCodeTests {
    @Test("422 prints the message and every path: error on one line, exit 3")
    func validation() async throws {
        try await withFakeMarathon { server throws in
            server.on("POST", "/v2/pods", .json(422, Fixtures.invalidPod))
            let result = await podctl(["pod", "add", "-"], url: server.url, stdin: "{}")
            #expect(result.code == 3)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "podctl: Object is not valid: /containers(0)/resources/cpus: got 0.0, expected "
                + "more than 0.0; /id: must fully match regular expression 'x', must not be empty "
                + "(HTTP 422 from POST /v2/pods)\n")
        }
    }

    @Test("404, 409, 401 and 400 are API errors with the server's message")
    func apiErrors() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/nope", .json(404, Fixtures.unknownPodQuirk))
            server.on("GET", "/v2/pods/nope::status", .json(404, Fixtures.unknownPod))
            server.on("DELETE", "/v2/pods/web", .json(409, Fixtures.locked))
            server.on("GET", "/v2/pods/::status", .json(401, Fixtures.unauthenticated,
                                                        headers: ["WWW-Authenticate": "Basic realm=\"Mesosphere\""]))
            server.on("PUT", "/v2/pods/web", .json(400, #"{"message":"'/web' does not match definition's id ('/other')"}"#))
            let show = await podctl(["pod", "show", "nope"], url: server.url)
            #expect(show.code == 3)
            #expect(show.stderr == "podctl: pod with /nope does not exist (HTTP 404 from GET /v2/pods/nope)\n")
            let status = await podctl(["pod", "status", "nope"], url: server.url)
            #expect(status.stderr == "podctl: Pod '/nope' does not exist (HTTP 404 from GET /v2/pods/nope::status)\n")
            let remove = await podctl(["pod", "remove", "/web"], url: server.url)
            #expect(remove.code == 3)
            #expect(remove.stderr == "podctl: App is locked by one or more deployments. Override with the option "
                + "'?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.: deployments "
                + "\(Fixtures.deploymentID) (HTTP 409 from DELETE /v2/pods/web); retry with --force to override "
                + "the running deployment\n")
            let list = await podctl(["pod", "list"], url: server.url)
            #expect(list.code == 3)
            #expect(list.stderr == "podctl: Invalid username or password. (HTTP 401 from GET /v2/pods/::status); "
                + "check --user, --token, --credentials-file or PODCTL_TOKEN\n")
            let update = await podctl(["pod", "update", "/web", "-"], url: server.url, stdin: #"{"id":"/other"}"#)
            #expect(update.code == 3)
            #expect(update.stderr == "podctl: '/web' does not match definition's id ('/other') "
                + "(HTTP 400 from PUT /v2/pods/web)\n")
        }
    }

    @Test("an error answer that is not JSON shows its first line, or the reason phrase")
    func nonJSONError() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/::status", .init(status: 502, body: "Bad gateway from proxy\n<html>"),
                      .init(status: 503))
            let text = await podctl(["pod", "list"], url: server.url)
            #expect(text.code == 3)
            #expect(text.stderr == "podctl: Bad gateway from proxy (HTTP 502 from GET /v2/pods/::status)\n")
            let empty = await podctl(["pod", "list"], url: server.url)
            #expect(empty.stderr == "podctl: Service Unavailable (HTTP 503 from GET /v2/pods/::status)\n")
        }
    }

    @Test("a success answer podctl cannot read is an API error")
    func invalidResponse() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/web::status", .json(200, #"{"status":"STABLE"}"#))
            let result = await podctl(["pod", "status", "web"], url: server.url)
            #expect(result.code == 3)
            #expect(result.stderr == "podctl: unexpected answer to GET /v2/pods/web::status: "
                + "pod status without a string \"id\"\n")
        }
    }

    @Test("a server that is down is a connection error, exit 4", arguments: [
        ["pod", "list"], ["pod", "show", "/web"], ["pod", "remove", "/web"], ["pod", "kill", "/web"],
    ])
    func serverDown(_ arguments: [String]) async throws {
        let url = try await FakeMarathon.closedPortURL()
        let result = await podctl(arguments, url: url)
        #expect(result.code == 4)
        #expect(result.stderr == "podctl: cannot reach the scheduler at \(url): connection refused\n")
    }

    @Test("usage errors exit 2 before any request", arguments: [
        ["pod", "frobnicate"], ["pod", "show"], ["pod", "list", "--bogus"], ["pod", "update", "/web"],
        ["pod", "add", "-", "extra"], ["pod", "add", "--timeout", "5", "-"], ["pod", "add", "--wait", "--timeout", "0", "-"],
        ["pod", "list", "--user", "nocolon"], ["pod", "list", "--user", "a:b", "--token", "t"],
        ["pod", "list", "--credentials-file", "/nonexistent"], ["pod", "list", "--url", "ftp://host"],
        ["pod", "show", "/"], ["pod", "kill", "//", "x"],
    ])
    func usage(_ arguments: [String]) async throws {
        try await withFakeMarathon { server throws in
            let result = await podctl(arguments, url: server.url, stdin: "{}")
            #expect(result.code == 2, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.isEmpty)
            #expect(result.stdout.isEmpty)
            #expect(server.requests.isEmpty)
        }
    }

    @Test("--help documents the exit codes and exits 0", arguments: [
        ["--help"], ["pod", "--help"], ["pod", "add", "--help"], ["help", "pod", "kill"],
    ])
    func help(_ arguments: [String]) async {
        let result = await podctl(arguments)
        #expect(result.code == 0)
        #expect(result.stdout.contains("EXIT CODES:"))
        for code in ["2  usage error", "3  API error", "4  connection error", "5  --wait timed out"] {
            #expect(result.stdout.contains(code), "\(arguments) lacks \(code)")
        }
    }

    @Test("ExitStatus values are the documented ones")
    func values() {
        #expect(ExitStatus.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5])
        #expect(PodCtlError(.connection(url: "u", reason: "r")).status == .connection)
        #expect(PodCtlError(.invalidURL("x")).status == .usage)
        #expect(PodCtlError(.invalidResponse(request: "GET /", reason: "r")).status == .api)
    }
}
