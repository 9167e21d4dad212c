import Foundation
import HTTPTypes
import Hummingbird
import PodSchedulerCore
import PodSpec
import Primitives
import Testing

@testable import PodSchedulerAPI

@Suite("Path parsing and error mapping")
struct RoutingAndErrorTests {
    @Test("suffixes take precedence over the plain id; slashes are tolerated", arguments: [
        ("/v2/pods", PodsRoute.collection),
        ("/v2/pods/", .collection),
        ("/v2/pods/::status", .allStatus),
        ("/v2/pods/mypod", .pod("mypod")),
        ("/v2/pods//mypod/", .pod("mypod")),
        ("/v2/pods/group/sub/pod", .pod("group/sub/pod")),
        ("/v2/pods/mypod::status", .status("mypod")),
        ("/v2/pods//mypod/::status", .status("mypod")),
        ("/v2/pods/g/p::versions", .versions("g/p")),
        ("/v2/pods/g/p::versions/", .versions("g/p")),
        ("/v2/pods/p::versions/2020-04-01T12:00:00.000Z", .version("p", version: "2020-04-01T12:00:00.000Z")),
        ("/v2/pods/p::versions/2020-04-01T12%3A00%3A00Z", .version("p", version: "2020-04-01T12:00:00Z")),
        ("/v2/pods/p::instances", .instances("p")),
        ("/v2/pods/p::instances/p.instance-1", .instance("p", instanceId: "p.instance-1")),
        ("/v2/pods/p::unknown", .pod("p::unknown")),
        ("//v2//pods//p", .pod("p")),
    ])
    func parse(path: String, expected: PodsRoute) {
        #expect(PodsRoute(path: path) == expected)
    }

    @Test("paths outside /v2/pods are not pod routes")
    func outside() {
        #expect(PodsRoute(path: "/v2/podsx") == nil)
        #expect(PodsRoute(path: "/v2/apps/x") == nil)
        #expect(PodsRoute(path: "/ping") == nil)
    }

    @Test("route families label metrics", arguments: [
        ("/v2/pods", "pods"), ("/v2/pods/a::status", "pod_status"), ("/v2/deployments", "deployments"),
        ("/v2/deployments/abc", "deployment"), ("/v2/info", "info"), ("/ping", "ping"), ("/metrics", "metrics"),
        ("/v2/apps", "other"),
    ])
    func family(path: String, family: String) {
        #expect(APIMiddleware<BasicRequestContext>.routeFamily(path: path) == family)
    }

    @Test("every PodServiceError maps to Marathon's status and body")
    func serviceErrors() {
        let id = PodId(canonicalizing: "/x")
        let cases: [(PodServiceError, HTTPResponse.Status, JSONValue)] = [
            (.alreadyExists(id), .conflict, ["message": "A pod with id [/x] already exists."]),
            (.podNotFound(id), .notFound, ["message": "Pod '/x' does not exist", "details": []]),
            (.pathNotFound(id), .notFound, ["message": "Path '/x' does not exist"]),
            (.instanceNotFound("x.instance-1"), .notFound, ["message": "Task 'x.instance-1' does not exist", "details": []]),
            (.deploymentNotFound("d1"), .notFound, ["message": "DeploymentPlan d1 does not exist", "details": []]),
            (.invalid("bad"), .unprocessableContent, ["message": "bad"]),
            (.unavailable("store down"), .serviceUnavailable, ["message": "store down"]),
        ]
        for (error, status, body) in cases {
            let mapped = APIError(error)
            #expect(mapped.status == status, "\(error)")
            #expect(mapped.body == body, "\(error)")
        }
        let tooMany = APIError(.tooManyDeployments(limit: 3))
        #expect(tooMany.status == .forbidden)
        #expect(tooMany.body["message"]?.stringValue?.contains("Max number (3) of running deployments") == true)
        #expect(APIError(.locked(deploymentIDs: ["a", "b"])).body["deployments"] == [["id": "a"], ["id": "b"]])
    }

    @Test("constant-time comparison")
    func constantTime() {
        #expect(Authenticator.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Authenticator.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!Authenticator.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!Authenticator.constantTimeEquals([], Array("a".utf8)))
        #expect(Authenticator.constantTimeEquals([], []))
    }

    @Test("timestamps: status texts keep seconds, OffsetDateTime texts drop zeros")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_585_742_400)
        #expect(MarathonTimestamp.status(date) == "2020-04-01T12:00:00Z")
        #expect(MarathonTimestamp.status(date.addingTimeInterval(0.000_25)) == "2020-04-01T12:00:00.000250Z")
        #expect(MarathonTimestamp.offsetDateTime(PodVersion(date)) == "2020-04-01T12:00Z")
        #expect(MarathonTimestamp.offsetDateTime(PodVersion(epochSeconds: 1_585_742_400, nanoseconds: 7))
            == "2020-04-01T12:00:00.000000007Z")
        #expect(PodStatusRenderer.internalStateName("TASK_GONE_BY_OPERATOR") == "TaskGoneByOperator")
        #expect(PodStatusRenderer.internalStateName("TASK_KILLED") == "TaskKilled")
    }
}
