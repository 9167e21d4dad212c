import Foundation
import PodCtlKit
import Primitives
import Testing

@Suite("pod kill")
struct PodKillTests {
    @Test("without instances it kills every instance ::status lists, in one DELETE ::instances")
    func killAll() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/web::status", .json(200, Fixtures.webStatus))
            server.on("DELETE", "/v2/pods/web::instances", .json(200, "[\(Fixtures.instance(Fixtures.instance1)),"
                + "\(Fixtures.instance(Fixtures.instance2))]"))
            let result = await podctl(["pod", "kill", "/web"], url: server.url)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(result.stdout == "Killed instance \(Fixtures.instance1)\nKilled instance \(Fixtures.instance2)\n")
            #expect(server.requests.map { "\($0.method) \($0.uri)" }
                == ["GET /v2/pods/web::status", "DELETE /v2/pods/web::instances"])
            let body = try #require(server.requests.last?.body)
            #expect(try JSONValue.parse(body) == .array([.string(Fixtures.instance1), .string(Fixtures.instance2)]))
        }
    }

    @Test("with instances it kills only those, with --wipe and --json")
    func killSome() async throws {
        try await withFakeMarathon { server throws in
            server.on("DELETE", "/v2/pods/web::instances", .json(200, "[\(Fixtures.instance(Fixtures.instance2))]"))
            let result = await podctl(["pod", "kill", "web", Fixtures.instance2, Fixtures.instance2, "--wipe", "--json"],
                                      url: server.url)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(try sameJSON(result.stdout, "[\(Fixtures.instance(Fixtures.instance2))]"))
            #expect(server.requests.map { "\($0.method) \($0.uri)" } == ["DELETE /v2/pods/web::instances?wipe=true"])
            let body = try #require(server.requests.first?.body)
            #expect(try JSONValue.parse(body) == .array([.string(Fixtures.instance2)]))
        }
    }

    @Test("an instance the pod does not have is an API error after the others are killed")
    func unknownInstance() async throws {
        try await withFakeMarathon { server throws in
            server.on("DELETE", "/v2/pods/web::instances", .json(200, "[\(Fixtures.instance(Fixtures.instance1))]"))
            let result = await podctl(["pod", "kill", "/web", Fixtures.instance1, "web.instance-gone"], url: server.url)
            #expect(result.code == 3)
            #expect(result.stdout == "Killed instance \(Fixtures.instance1)\n")
            #expect(result.stderr == "podctl: pod /web has no instance web.instance-gone\n")
        }
    }

    @Test("a pod without instances has nothing to kill and no DELETE is sent")
    func nothingToKill() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/batch/db::status", .json(200, Fixtures.dbStatus))
            let result = await podctl(["pod", "kill", "/batch/db"], url: server.url)
            #expect(result.code == 0)
            #expect(result.stdout == "Pod /batch/db has no instances.\n")
            #expect(server.requests.map(\.method) == ["GET"])
        }
    }

    @Test("the server's 422 for a malformed instance id is shown with exit 3")
    func malformedInstance() async throws {
        try await withFakeMarathon { server throws in
            server.on("DELETE", "/v2/pods/web::instances", .json(422, """
                {"message":"Object is not valid","details":[{"path":"/","errors":\
                ["must fully match regular expression '^(.+)\\\\.(instance-|marathon-)([^\\\\.]+)$'"]}]}
                """))
            let result = await podctl(["pod", "kill", "/web", "bogus"], url: server.url)
            #expect(result.code == 3)
            #expect(result.stderr == "podctl: Object is not valid: /: must fully match regular expression "
                + "'^(.+)\\.(instance-|marathon-)([^\\.]+)$' (HTTP 422 from DELETE /v2/pods/web::instances)\n")
        }
    }
}
