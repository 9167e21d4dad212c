import PodTestFixtures
import Foundation
import Primitives
import Testing
@testable import PodSpec

/// Every pod of the Marathon pods documentation (`shared/seeds/marathon-pods.md`).
@Suite struct SeedPodTests {
    /// The docs/reference/marathon-pods-api.md §9.2 example: the quick-start pod round-trips to exactly Marathon 1.10's answer.
    @Test func quickStartRendersExactlyAsMarathon() throws {
        let pod = try parsePod(SeedPods.quickStart)
        let expected = try json(#"""
        {
          "id": "/simplepod",
          "version": "2020-04-01T12:00:00.000Z",
          "containers": [
            {
              "name": "sleep1",
              "exec": { "command": { "shell": "sleep 1000" } },
              "resources": { "cpus": 0.1, "mem": 32.0, "disk": 0.0, "gpus": 0 }
            }
          ],
          "networks": [ { "mode": "host" } ],
          "scaling": { "instances": 1, "kind": "fixed" },
          "scheduling": {
            "backoff": { "backoff": 1.0, "backoffFactor": 1.15, "maxLaunchDelay": 300.0 },
            "upgrade": { "minimumHealthCapacity": 1.0, "maximumOverCapacity": 1.0 },
            "placement": {},
            "killSelection": "YOUNGEST_FIRST",
            "unreachableStrategy": { "inactiveAfterSeconds": 0, "expungeAfterSeconds": 0 }
          },
          "executorResources": { "cpus": 0.1, "mem": 32.0, "disk": 10.0 },
          "role": "*"
        }
        """#)
        #expect(pod.renderJSONValue() == expected)
        // Jackson's number spelling, byte for byte.
        let text = String(decoding: pod.renderJSON(), as: UTF8.self)
        #expect(text.contains(#""resources":{"cpus":0.1,"mem":32.0,"disk":0.0,"gpus":0}"#))
        #expect(text.contains(#""backoff":{"backoff":1.0,"backoffFactor":1.15,"maxLaunchDelay":300.0}"#))
        // The rendering reads back to the same pod, and renders identically again.
        let again = try parsePod(text)
        #expect(again == pod)
        #expect(again.renderJSON() == pod.renderJSON())
    }

    @Test func privateImagePodWithPullConfig() throws {
        let pod = try parsePod(SeedPods.privateImage)
        #expect(pod.id.absolute == "/simple-pod")
        #expect(pod.containers[0].image == Image(kind: .docker, id: "company/private-image", pullConfigSecret: "configSecret"))
        #expect(pod.secrets == ["configSecret": SecretDef(source: "/config")])
        #expect(pod.containers[0].resources == Resources(cpus: 1, mem: 50))
        #expect(pod.networks.isEmpty)
        // Without the secrets feature Marathon refuses it.
        let error = try #require(parseError(SeedPods.privateImage, options: testOptions { $0.secretsEnabled = false }))
        #expect(error.details.map(\.path) == ["/containers(0)/image/pullConfig", "/secrets"])
    }

    /// The 1.4 sample response, read as a request: nulls are absent fields, empty
    /// collections are fine, and the 1.10 rendering drops them.
    @Test func marathon14SampleResponseReadsBack() throws {
        let pod = try parsePod(SeedPods.sampleResponse14)
        #expect(pod.id.absolute == "/simplepod2")
        #expect(pod.instances == 2)
        #expect(pod.scheduling.backoff.maxLaunchDelay == 3600)
        #expect(pod.containers[0].healthCheck == nil)
        #expect(pod.networks == [Network(mode: .host)])
        let rendered = pod.renderJSONValue()
        #expect(rendered["labels"] == nil)
        #expect(rendered["containers"]?[0]?["endpoints"] == nil)
        #expect(rendered["networks"] == [["mode": "host"]])
    }

    /// The documented multi-container pod has `"labels": {"values": {}}`: label values must
    /// be strings, so Marathon answers 422.
    @Test func multipleContainersAsDocumentedIsRejected() throws {
        let error = try #require(parseError(SeedPods.multipleContainers))
        #expect(error.httpStatus == 422)
        #expect(error == .invalidJSON([ErrorDetail(path: "/labels/values", errors: ["error.expected.jsstring"])]))
    }

    @Test func multipleContainersCorrected() throws {
        let corrected = SeedPods.multipleContainers.replacingOccurrences(of: #""values": {}"#, with: #""values": "{}""#)
        let pod = try parsePod(corrected)
        #expect(pod.containers.map(\.name) == ["sleep1", "sleep2", "sleep3"])
        #expect(pod.instances == 10)
        #expect(pod.labels == ["values": "{}"])
        #expect(pod.scheduling.backoff == .init(backoff: 1, backoffFactor: 1.15, maxLaunchDelay: 3600))
        #expect(pod.resourceAsk == ResourceAsk(cpus: 0.1 + 0.3, mem: 32 + 96, disk: 10, gpus: 0))
    }

    @Test func ephemeralVolumePod() throws {
        let pod = try parsePod(SeedPods.ephemeralVolume)
        #expect(pod.volumes == [.ephemeral(name: "v1")])
        #expect(pod.containers.map(\.volumeMounts) == [[VolumeMount(name: "v1", mountPath: "jdef-v1")],
                                                      [VolumeMount(name: "v1", mountPath: "etc")]])
        let mounts = pod.renderJSONValue()["containers"]?[0]?["volumeMounts"]
        #expect(mounts == [["name": "v1", "mountPath": "jdef-v1", "readOnly": false]])
    }

    @Test func virtualNetworkPod() throws {
        let pod = try parsePod(SeedPods.virtualNetwork)
        #expect(pod.networks == [Network(mode: .container, name: "my-virtual-network-name")])
        #expect(pod.renderJSONValue()["networks"] == [["name": "my-virtual-network-name", "mode": "container"]])
    }

    /// With container networks an endpoint without `hostPort` keeps none.
    @Test func endpointPod() throws {
        let pod = try parsePod(SeedPods.endpoint)
        #expect(pod.containers[0].endpoints == [Endpoint(name: "web", containerPort: 80, protocol: ["http"])])
        #expect(pod.hostPortRequests.isEmpty)
        #expect(pod.renderJSONValue()["containers"]?[0]?["endpoints"] == [["name": "web", "containerPort": 80, "protocol": ["http"]]])
    }

    @Test func healthCheckPod() throws {
        let pod = try parsePod(SeedPods.healthCheck)
        let check = try #require(pod.containers[0].healthCheck)
        #expect(check == HealthCheck(http: .init(endpoint: "web", path: "/ping")))
        let rendered = pod.renderJSONValue()["containers"]?[0]?["healthCheck"]
        #expect(rendered == [
            "http": ["endpoint": "web", "path": "/ping", "scheme": "HTTP"], "gracePeriodSeconds": 300,
            "intervalSeconds": 60, "maxConsecutiveFailures": 3, "timeoutSeconds": 20, "delaySeconds": 15,
        ])
        #expect(pod.renderJSONValue()["containers"]?[0]?["image"] == ["kind": "DOCKER", "id": "nginx"])
    }

    /// As documented the comprehensive pod has a trailing comma inside an endpoint: a JSON
    /// syntax error, which Marathon (Jackson) answers with 400 "Invalid JSON".
    @Test func comprehensivePodAsDocumentedIsAJSONSyntaxError() throws {
        let error = try #require(parseError(SeedPods.comprehensive))
        #expect(error.httpStatus == 400)
        guard case .malformedJSON(let syntax) = error else {
            Issue.record("expected a syntax error, got \(error)")
            return
        }
        #expect(syntax.message == "Unexpected character ('}' (code 125)): was expecting double-quote to start field name")
        #expect(syntax.line == 57)
        let body = try JSONValue.parse(error.body)
        #expect(body["message"] == "Invalid JSON")
        #expect(body["details"]?.stringValue?.hasPrefix(syntax.message) == true)
    }

    /// Without the comma it is still invalid: a `containerPort` under host networking, a
    /// health check timeout not below its interval, a mount of the undefined volume `env`,
    /// and the volume `etc` mounted by nobody.
    @Test func comprehensivePodWithoutTheCommaIsNotValid() throws {
        let error = try #require(parseError(ComprehensivePod.withoutTrailingComma))
        #expect(error.httpStatus == 422)
        #expect(error.bodyJSON["message"] == "Object is not valid")
        #expect(error.details == [
            ErrorDetail(path: "/volumes(0)", errors: ["volume must be referenced by at least one container"]),
            ErrorDetail(path: "/containers(0)/endpoints(0)/containerPort", errors: ["is not allowed when using host-mode networking"]),
            ErrorDetail(path: "/containers(0)/healthCheck/timeoutSeconds", errors: ["got 20, expected less than 2"]),
            ErrorDetail(path: "/containers(0)/volumeMounts(0)/name", errors: ["Referenced Volume in VolumeMount should exist"]),
        ])
    }

    /// Corrected (mount `etc`, no `containerPort`, timeout 1 s) it is accepted and normalized.
    @Test func comprehensivePodCorrected() throws {
        let pod = try parsePod(ComprehensivePod.corrected)
        let container = pod.containers[0]
        #expect(pod.labels == ["owner": "zeus", "note": "Away from olympus"])
        #expect(pod.environment == ["XPS1": .value("Test")])
        #expect(pod.volumes == [.host(name: "etc", hostPath: "/hdd/tools/docker/registry")])
        #expect(container.exec == MesosExec(command: .shell("sleep 100"), overrideEntrypoint: false))
        #expect(container.endpoints == [Endpoint(name: "http-endpoint", hostPort: 0, protocol: ["http"])])
        #expect(container.image == Image(id: "mesosphere/marathon:latest", forcePull: false))
        #expect(container.user == "root")
        #expect(container.healthCheck == HealthCheck(http: .init(endpoint: "http-endpoint", path: "/health"),
                                                     gracePeriodSeconds: 30, intervalSeconds: 2,
                                                     maxConsecutiveFailures: 3, timeoutSeconds: 1, delaySeconds: 2))
        #expect(container.volumeMounts == [VolumeMount(name: "etc", mountPath: "/mnt/etc", readOnly: true)])
        #expect(container.artifacts == [Artifact(uri: "https://foo.com/archive.zip", extract: true, executable: false,
                                                 cache: true, destPath: "/path/to/archive.zip")])
        #expect(container.lifecycle == PodContainer.Lifecycle(killGracePeriodSeconds: 60))
        #expect(pod.hostPortRequests == [HostPortRequest(containerName: "container1", endpointName: "http-endpoint", port: 0)])
        let rendered = pod.renderJSONValue()
        #expect(rendered["containers"]?[0]?["lifecycle"] == ["killGracePeriodSeconds": 60.0])
        #expect(rendered["containers"]?[0]?["exec"] == ["command": ["shell": "sleep 100"], "overrideEntrypoint": false])
        #expect(try parsePod(String(decoding: pod.renderJSON(), as: UTF8.self)) == pod)
    }

    /// The executorResources fragment of the documentation (`"disk": 10mb`) is not JSON.
    @Test func executorResourcesFragmentIsNotJSON() throws {
        let fragment = #"{ "executorResources": { "cpus": 0.1, "mem": 64, "disk": 10mb } }"#
        let error = try #require(parseError(fragment))
        #expect(error.httpStatus == 400)
        guard case .malformedJSON(let syntax) = error else {
            Issue.record("expected a syntax error")
            return
        }
        #expect(syntax.message.hasPrefix("Unexpected character ('m' (code 109))"))
    }
}

/// Corrected copies of the documentation's comprehensive pod.
enum ComprehensivePod {
    static let withoutTrailingComma = SeedPods.comprehensive.replacingOccurrences(
        of: #""protocol": [ "http" ],"#, with: #""protocol": [ "http" ]"#)

    static let corrected = withoutTrailingComma
        .replacingOccurrences(of: #""name": "env","#, with: #""name": "etc","#)
        .replacingOccurrences(of: #""containerPort": 80,"#, with: "")
        .replacingOccurrences(of: #""timeoutSeconds": 20,"#, with: #""timeoutSeconds": 1,"#)
}
