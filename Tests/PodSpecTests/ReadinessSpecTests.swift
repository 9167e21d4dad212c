import Foundation
import MesosProtocol
import Primitives
import Testing
@testable import PodSpec

/// `readinessCheck`: schema and semantic errors as Marathon reports them, the rendering, and the
/// Mesos check (`TaskInfo.check`) it becomes.
enum ReadinessCases {
    static let web = #""endpoints":[{"name":"web","hostPort":0}]"#
    static func check(_ body: String, endpoints: String = web, _ extra: String = "") -> String {
        podWith(containers: [C.basic("c1", endpoints + #","readinessCheck":"# + body)], extra)
    }

    static let schema: [InvalidPodCase] = [
        .schema("readinessCheck not an object", check("5"), [("/containers(0)/readinessCheck", ["error.expected.jsobject"])]),
        .schema("http readiness without endpoint", check(#"{"http":{"path":"/ready"}}"#),
                [("/containers(0)/readinessCheck/http/endpoint", ["error.path.missing"])]),
        .schema("negative readiness interval", check(#"{"tcp":{"endpoint":"web"},"intervalSeconds":-1}"#),
                [("/containers(0)/readinessCheck/intervalSeconds", ["error.min"])]),
        .schema("status codes out of range and empty list", check(#"{"http":{"endpoint":"web"},"httpStatusCodesForReady":[99,1000]}"#),
                [("/containers(0)/readinessCheck/httpStatusCodesForReady(0)", ["error.min"]),
                 ("/containers(0)/readinessCheck/httpStatusCodesForReady(1)", ["error.max"])]),
        .schema("no status codes", check(#"{"http":{"endpoint":"web"},"httpStatusCodesForReady":[]}"#),
                [("/containers(0)/readinessCheck/httpStatusCodesForReady", ["error.minLength"])]),
        .schema("preserveLastResponse not a boolean", check(#"{"exec":{"command":{"shell":"true"}},"preserveLastResponse":"no"}"#),
                [("/containers(0)/readinessCheck/preserveLastResponse", ["error.expected.jsboolean"])]),
    ]

    static let invalid: [InvalidPodCase] = [
        .invalid("two kinds of readiness check", check(#"{"tcp":{"endpoint":"web"},"exec":{"command":{"shell":"true"}}}"#),
                 [("/containers(0)/readinessCheck", [ValidationMessages.oneHealthCheckKind])]),
        .invalid("no kind", check(#"{"intervalSeconds":30}"#), [("/containers(0)/readinessCheck", [ValidationMessages.oneHealthCheckKind])]),
        .invalid("timeout not below the interval", check(#"{"tcp":{"endpoint":"web"},"intervalSeconds":2,"timeoutSeconds":2}"#),
                 [("/containers(0)/readinessCheck/timeoutSeconds", ["got 2, expected less than 2"])]),
        .invalid("zero interval and timeout", check(#"{"tcp":{"endpoint":"web"},"intervalSeconds":0,"timeoutSeconds":0}"#),
                 [("/containers(0)/readinessCheck/intervalSeconds", ["got 0, expected 1 or more"]),
                  ("/containers(0)/readinessCheck/timeoutSeconds", ["got 0, expected 1 or more"])]),
        .invalid("unknown endpoint", check(#"{"http":{"endpoint":"admin"}}"#),
                 [("/containers(0)/readinessCheck/http/endpoint", [ValidationMessages.endpointOfContainer])]),
        .invalid("a bridge endpoint without a container port to probe",
                 check(#"{"tcp":{"endpoint":"web"}}"#, endpoints: #""endpoints":[{"name":"web","hostPort":0}]"#, #""networks":[{"mode":"container/bridge"}]"#),
                 [("/containers(0)/readinessCheck/tcp/endpoint", [ValidationMessages.readinessNeedsPort(hostNetworking: false)])]),
        .invalid("duplicate status codes", check(#"{"http":{"endpoint":"web"},"httpStatusCodesForReady":[200,200]}"#),
                 [("/containers(0)/readinessCheck/httpStatusCodesForReady", [ValidationMessages.readinessStatusCodesUnique])]),
        .invalid("status codes on a command check", check(#"{"exec":{"command":{"shell":"true"}},"httpStatusCodesForReady":[204]}"#),
                 [("/containers(0)/readinessCheck/httpStatusCodesForReady", [ValidationMessages.readinessStatusCodesNeedHTTP])]),
        .invalid("preserveLastResponse cannot be honoured", check(#"{"exec":{"command":{"shell":"true"}},"preserveLastResponse":true}"#),
                 [("/containers(0)/readinessCheck/preserveLastResponse", [ValidationMessages.readinessNoResponseBody])]),
        .invalid("a path Mesos refuses", check(#"{"http":{"endpoint":"web","path":"ready"}}"#),
                 [("/containers(0)/readinessCheck/http/path", ["The path 'ready' of HTTP check must start with '/'"])]),
        .invalid("HTTPS is not a Mesos check", check(#"{"http":{"endpoint":"web","scheme":"HTTPS"}}"#),
                 [("/containers(0)/readinessCheck/http/scheme", [ValidationMessages.readinessHTTPOnly])]),
    ]
}

@Test(arguments: ReadinessCases.schema + ReadinessCases.invalid)
func readinessErrorsAreMarathonStyle(_ testCase: InvalidPodCase) throws {
    let error = try #require(parseError(testCase.body, expectedId: testCase.expectedId, options: testCase.options))
    #expect(error.httpStatus == 422)
    #expect(error.bodyJSON["message"] == .string(testCase.message))
    #expect(error.details == testCase.details)
}

@Suite struct ReadinessSpecTests {
    @Test("defaults filled in and rendered; the container's Mesos check carries the probe and the schedule")
    func renderAndLaunch() throws {
        let pod = try parsePod(ReadinessCases.check(#"{"http":{"endpoint":"web","path":"/ready"},"intervalSeconds":5,"timeoutSeconds":2}"#))
        let check = try #require(pod.containers[0].readinessCheck)
        #expect(check.httpStatusCodesForReady == [200] && check.delaySeconds == 0 && !check.preserveLastResponse)
        let rendered = pod.renderJSONValue()["containers"]?.arrayValue?.first?["readinessCheck"]
        #expect(rendered?["intervalSeconds"] == 5 && rendered?["timeoutSeconds"] == 2)
        #expect(rendered?["httpStatusCodesForReady"] == [200] && rendered?["preserveLastResponse"] == false)
        #expect(rendered?["http"]?["endpoint"] == "web" && rendered?["gracePeriodSeconds"] == nil)
        #expect(try parsePod(String(decoding: pod.renderJSON(), as: UTF8.self)).containers[0].readinessCheck == check, "the rendering parses back")

        let launch = try TaskGroupBuilderTests.launch(for: pod, hostPorts: ["web": 31005])
        let (_, group) = try TaskGroupBuilder().build(pod: pod, launch: launch)
        let task = group.tasks[0]
        #expect(task.hasCheck && !task.hasHealthCheck, "a Mesos check, not a second health check")
        #expect(task.check.type == .http && task.check.http.port == 31005 && task.check.http.path == "/ready")
        #expect(task.check.intervalSeconds == 5 && task.check.timeoutSeconds == 2 && task.check.delaySeconds == 0)

        let plain = try parsePod(podWith())
        let (_, plainGroup) = try TaskGroupBuilder().build(pod: plain, launch: try TaskGroupBuilderTests.launch(for: plain, hostPorts: [:]))
        #expect(!plainGroup.tasks[0].hasCheck, "a pod without readiness checks launches as before")
    }

    @Test("ready means: a status code in the list, a TCP connection, exit code 0; an empty result is not ready")
    func readiness() throws {
        let check = ReadinessCheck(http: .init(endpoint: "web"), httpStatusCodesForReady: [200, 204])
        var status = Mesos_V1_CheckStatusInfo()
        status.type = .http
        status.http = .init()
        #expect(!check.isReady(status))
        status.http.statusCode = 204
        #expect(check.isReady(status))
        status.http.statusCode = 503
        #expect(!check.isReady(status))
        var command = Mesos_V1_CheckStatusInfo()
        command.type = .command
        command.command.exitCode = 0
        #expect(ReadinessCheck(exec: .shell("true")).isReady(command))
        command.command.exitCode = 1
        #expect(!ReadinessCheck(exec: .shell("true")).isReady(command))
        var tcp = Mesos_V1_CheckStatusInfo()
        tcp.type = .tcp
        tcp.tcp.succeeded = true
        #expect(ReadinessCheck(tcpEndpoint: "web").isReady(tcp))
    }
}
