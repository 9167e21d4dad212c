import Foundation
import MesosProtocol
import Primitives
import Testing
@testable import PodSpec

/// `lifecycle.restart` (ours, docs/pod-lifecycle.md): read with defaults, rendered back,
/// carried to the executor in a task label, refused with Marathon-style details when wrong.
enum LifecycleCases {
    static func restart(_ json: String, pod extra: String = "") -> String {
        podWith(containers: [C.basic("c1", #""lifecycle":{"killGracePeriodSeconds":5,"restart":\#(json)}"#)], extra)
    }

    static let schema: [InvalidPodCase] = [
        .schema("restart is not an object", restart("true"), [("/containers(0)/lifecycle/restart", ["error.expected.jsobject"])]),
        .schema("unknown restart policy", restart(#"{"policy":"Sometimes"}"#),
                [("/containers(0)/lifecycle/restart/policy", ["error.unknown.enum.literal"])]),
        .schema("negative maxRestarts", restart(#"{"maxRestarts":-1}"#),
                [("/containers(0)/lifecycle/restart/maxRestarts", ["error.min"])]),
        .schema("fractional maxRestarts", restart(#"{"maxRestarts":1.5}"#),
                [("/containers(0)/lifecycle/restart/maxRestarts", ["error.expected.int"])]),
        .schema("zero window", restart(#"{"windowSeconds":0}"#),
                [("/containers(0)/lifecycle/restart/windowSeconds", ["error.min"])]),
        .schema("negative backoff", restart(#"{"backoffSeconds":-1}"#),
                [("/containers(0)/lifecycle/restart/backoffSeconds", ["error.min"])]),
        .schema("exit code out of range", restart(#"{"successExitCodes":[0,256]}"#),
                [("/containers(0)/lifecycle/restart/successExitCodes(1)", ["error.max"])]),
        .schema("exit codes not a list", restart(#"{"successExitCodes":0}"#),
                [("/containers(0)/lifecycle/restart/successExitCodes", ["error.expected.jsarray"])]),
    ]

    static let semantic: [InvalidPodCase] = [
        .invalid("maxBackoffSeconds below backoffSeconds", restart(#"{"policy":"Always","backoffSeconds":10,"maxBackoffSeconds":5}"#),
                 [("/containers(0)/lifecycle/restart/maxBackoffSeconds", ["got 5.0, expected 10.0 or more"])]),
        .invalid("duplicate success exit codes", restart(#"{"policy":"OnFailure","successExitCodes":[0,0]}"#),
                 [("/containers(0)/lifecycle/restart/successExitCodes", ["successExitCodes must be unique"])]),
        .invalid("restarts in a pod with secrets", restart(#"{"policy":"OnFailure"}"#, pod: #""secrets":{"s1":{"source":"/a"}}"#),
                 [("/containers(0)/lifecycle/restart/policy", [
                     "restart policies other than Never are not supported for pods that use secrets (the secret values are fetched once, at launch)",
                 ])]),
    ]
}

enum DependsOnCases {
    static let health = #""healthCheck":{"exec":{"command":{"shell":"true"}}}"#

    static func pod(_ containers: [String], _ extra: String = "") -> String { podWith(containers: containers, extra) }

    static func on(_ name: String, _ deps: String, _ more: String = "") -> String {
        C.basic(name, #""dependsOn":\#(deps)"# + (more.isEmpty ? "" : "," + more))
    }

    static let schema: [InvalidPodCase] = [
        .schema("dependsOn not a list", pod([on("a", "{}"), C.basic("b")]), [("/containers(0)/dependsOn", ["error.expected.jsarray"])]),
        .schema("unknown condition", pod([on("a", #"[{"container":"b","condition":"WARM"}]"#), C.basic("b")]),
                [("/containers(0)/dependsOn(0)/condition", ["error.unknown.enum.literal"])]),
        .schema("missing container", pod([on("a", #"[{"condition":"STARTED"}]"#), C.basic("b")]),
                [("/containers(0)/dependsOn(0)/container", ["error.path.missing"])]),
    ]

    static let semantic: [InvalidPodCase] = [
        .invalid("unknown container", pod([on("a", #"[{"container":"nope","condition":"STARTED"}]"#)]),
                 [("/containers(0)/dependsOn(0)/container", ["must name another container of the pod"])]),
        .invalid("itself", pod([on("a", #"[{"container":"a","condition":"STARTED"}]"#)]),
                 [("/containers(0)/dependsOn(0)/container", ["must name another container of the pod"])]),
        .invalid("a cycle", pod([on("a", #"[{"container":"b","condition":"STARTED"}]"#), on("b", #"[{"container":"c","condition":"STARTED"}]"#),
                                 on("c", #"[{"container":"a","condition":"COMPLETED"}]"#)]),
                 [("/containers", ["dependsOn must not form a cycle"])]),
        .invalid("HEALTHY without a health check", pod([on("a", #"[{"container":"b","condition":"HEALTHY"}]"#), C.basic("b")]),
                 [("/containers(0)/dependsOn(0)/condition", ["condition HEALTHY needs a healthCheck on the container it names"])]),
        .invalid("READY without a readiness check", pod([on("a", #"[{"container":"b","condition":"READY"}]"#), C.basic("b", health)]),
                 [("/containers(0)/dependsOn(0)/condition", ["condition READY needs a readinessCheck on the container it names"])]),
        .invalid("dependsOn in a pod with secrets", pod([on("a", #"[{"container":"b","condition":"STARTED"}]"#), C.basic("b")],
                                                        #""secrets":{"s1":{"source":"/a"}}"#),
                 [("/containers(0)/dependsOn", ["dependsOn is not supported for pods that use secrets (the secret values are fetched once, at launch)"])]),
    ]
}

@Test(arguments: DependsOnCases.schema + DependsOnCases.semantic)
func dependsOnErrors(_ testCase: InvalidPodCase) throws {
    let error = try #require(parseError(testCase.body, expectedId: testCase.expectedId, options: testCase.options))
    #expect(error.httpStatus == testCase.status)
    #expect(error.bodyJSON["message"] == .string(testCase.message))
    #expect(error.details == testCase.details)
}

@Test("dependsOn: read case-insensitively, rendered back, carried as name:CONDITION in a task label")
func dependsOnCarried() throws {
    let pod = try parsePod(DependsOnCases.pod([
        C.basic("db", DependsOnCases.health),
        DependsOnCases.on("app", #"[{"container":"db","condition":"healthy"},{"container":"migrate","condition":"COMPLETED"}]"#),
        DependsOnCases.on("migrate", #"[{"container":"db","condition":"HEALTHY"}]"#),
    ]))
    let rendered = pod.renderJSONValue()["containers"]?.arrayValue?[1]["dependsOn"]
    #expect(rendered == [["container": "db", "condition": "HEALTHY"], ["container": "migrate", "condition": "COMPLETED"]])
    let (_, group) = try TaskGroupBuilder().build(pod: pod, launch: TaskGroupBuilderTests.launch(for: pod, hostPorts: [:]))
    let label = group.tasks[1].labels.labels.first { $0.key == PodRestartContract.dependsOnLabel }
    #expect(label?.value == "db:HEALTHY,migrate:COMPLETED")
    #expect(group.tasks[0].labels.labels.allSatisfy { $0.key != PodRestartContract.dependsOnLabel })
    #expect(PodRestartContract.dependencies(in: group.tasks[1].labels) == .success(pod.containers[1].dependsOn))
}

@Test(arguments: LifecycleCases.schema + LifecycleCases.semantic)
func lifecycleErrors(_ testCase: InvalidPodCase) throws {
    let error = try #require(parseError(testCase.body, expectedId: testCase.expectedId, options: testCase.options))
    #expect(error.httpStatus == testCase.status)
    #expect(error.bodyJSON["message"] == .string(testCase.message))
    #expect(error.details == testCase.details)
}

struct LifecycleFieldTests {
    @Test("restart: defaults for absent members, rendered back in full")
    func defaultsAndRendering() throws {
        let pod = try parsePod(LifecycleCases.restart(#"{"policy":"onfailure","maxRestarts":5}"#))
        let restart = try #require(pod.containers[0].lifecycle?.restart)
        #expect(restart == PodRestartContract.Restart(policy: .onFailure, maxRestarts: 5, windowSeconds: 60, backoffSeconds: 1,
                                                      maxBackoffSeconds: 30, successExitCodes: [0]))
        let rendered = pod.renderJSONValue()["containers"]?.arrayValue?.first?["lifecycle"]
        #expect(rendered?["killGracePeriodSeconds"] == .double(5))
        #expect(rendered?["restart"] == [
            "policy": "OnFailure", "maxRestarts": 5, "windowSeconds": 60, "backoffSeconds": 1, "maxBackoffSeconds": 30,
            "successExitCodes": [0],
        ])
        // A rendered pod reads back to the same definition.
        let again = try parsePod(String(decoding: pod.renderJSON(), as: UTF8.self))
        #expect(again.containers[0].lifecycle == pod.containers[0].lifecycle)
    }

    @Test("a backoff above the default maximum raises the default maximum with it")
    func backoffAboveDefaultMaximum() throws {
        let pod = try parsePod(LifecycleCases.restart(#"{"policy":"Always","backoffSeconds":45}"#))
        #expect(pod.containers[0].lifecycle?.restart?.maxBackoffSeconds == 45)
    }

    @Test("the policy travels in the task's labels; Never and no policy add no label")
    func carriedInALabel() throws {
        let pod = try parsePod(podWith(containers: [
            C.basic("a", #""lifecycle":{"restart":{"policy":"OnFailure","maxRestarts":2}}"#),
            C.basic("b", #""lifecycle":{"restart":{"policy":"Never"}}"#),
            C.basic("c"),
        ]))
        let (_, group) = try TaskGroupBuilder().build(pod: pod, launch: TaskGroupBuilderTests.launch(for: pod, hostPorts: [:]))
        let labels = group.tasks.map { task in task.labels.labels.filter { $0.key == PodRestartContract.policyLabel } }
        #expect(labels[1].isEmpty && labels[2].isEmpty)
        let value = try #require(labels[0].first?.value)
        let carried = PodRestartContract.restart(in: Mesos_V1_Labels([(PodRestartContract.policyLabel, value)]))
        #expect(carried == .success(PodRestartContract.Restart(policy: .onFailure, maxRestarts: 2)))
    }
}

@Test("dependsOn READY on a container with an HTTP readinessCheck: accepted; its ready statuses travel as a label")
func dependsOnReadyCarried() throws {
    let pod = try parsePod(DependsOnCases.pod([
        C.basic("web", ReadinessCases.web + #","readinessCheck":{"http":{"endpoint":"web","path":"/ready"},"httpStatusCodesForReady":[200,204]}"#),
        DependsOnCases.on("client", #"[{"container":"web","condition":"READY"}]"#),
    ]))
    let (_, group) = try TaskGroupBuilder().build(pod: pod, launch: TaskGroupBuilderTests.launch(for: pod, hostPorts: ["web": 31000]))
    #expect(group.tasks[0].hasCheck)
    #expect(PodReadinessContract.statusCodes(in: group.tasks[0].labels) == [200, 204])
    #expect(group.tasks[1].labels.labels.allSatisfy { $0.key != PodReadinessContract.statusCodesLabel })
    #expect(PodRestartContract.dependencies(in: group.tasks[1].labels) == .success(pod.containers[1].dependsOn))
}
