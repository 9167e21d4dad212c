import Foundation
import Testing
@testable import PodSpec

/// docs/reference/marathon-pods-api.md §8 normalization and the §9.3 echoes of richer inputs.
@Suite struct NormalizationTests {
    @Test func endpointWithoutHostPortGetsZeroWithoutContainerNetworks() throws {
        for networks in ["", #""networks":[{"mode":"host"}]"#, #""networks":[{"mode":"container/bridge"}]"#] {
            let pod = try parsePod(podWith(containers: [C.basic("c1", #""endpoints":[{"name":"web"}]"#)], networks))
            #expect(pod.renderJSONValue()["containers"]?[0]?["endpoints"] == [["name": "web", "hostPort": 0]])
        }
        let containerNetwork = try parsePod(podWith(
            containers: [C.basic("c1", #""endpoints":[{"name":"web","containerPort":8080}]"#)],
            #""networks":[{"mode":"container","name":"n1"}]"#))
        #expect(containerNetwork.containers[0].endpoints[0].hostPort == nil)
    }

    @Test func unnamedContainerNetworkGetsTheDefaultName() throws {
        let pod = try parsePod(podWith(#""networks":[{"mode":"container"}]"#),
                               options: testOptions { $0.defaultNetworkName = "blah" })
        #expect(pod.renderJSONValue()["networks"] == [["mode": "container", "name": "blah"]])
    }

    @Test func emptyNetworksMeanHostAndAreNotEchoed() throws {
        let pod = try parsePod(podWith(#""networks":[]"#))
        #expect(pod.networks.isEmpty)
        #expect(pod.usesHostNetworking)
        #expect(pod.renderJSONValue()["networks"] == nil)
    }

    @Test func persistentVolumeAndResidentDefaults() throws {
        let pod = try parsePod(podWith(
            id: "/dev/db", containers: [C.basic("c1", #""volumeMounts":[{"name":"pst","mountPath":"data"}]"#)],
            #""volumes":[{"name":"pst","persistent":{"size":10}}],"role":"dev""#))
        let rendered = pod.renderJSONValue()
        #expect(rendered["volumes"] == [["name": "pst", "persistent": ["type": "root", "size": 10, "constraints": []]]])
        #expect(rendered["scheduling"]?["upgrade"] == ["minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.0])
        #expect(rendered["scheduling"]?["unreachableStrategy"] == "disabled")
        #expect(rendered["role"] == "dev")
        #expect(pod.isResident)
    }

    @Test func persistentVolumeWithProfileDefaultsToMount() throws {
        let pod = try parsePod(podWith(
            id: "/dev/db", containers: [C.basic("c1", #""volumeMounts":[{"name":"pst","mountPath":"data"}]"#)],
            #""volumes":[{"name":"pst","persistent":{"size":10,"profileName":"fast"}}],"role":"dev","scheduling":{"upgrade":{"minimumHealthCapacity":0.2,"maximumOverCapacity":0}}"#))
        #expect(pod.volumes == [.persistent(name: "pst", PersistentVolumeInfo(type: .mount, size: 10, profileName: "fast"))])
        // A given upgrade strategy is kept (it was validated), the unreachable default applies.
        #expect(pod.scheduling.upgrade == .init(minimumHealthCapacity: 0.2, maximumOverCapacity: 0))
        #expect(pod.scheduling.unreachableStrategy == .disabled)
    }

    @Test func secretsAreEchoedUnchanged() throws {
        let pod = try parsePod(podWith(
            containers: [C.basic("c1", #""volumeMounts":[{"name":"vol","mountPath":"/s"}]"#)],
            #""environment":{"vol":{"secret":"secret1"}},"volumes":[{"name":"vol","secret":"secret1"}],"secrets":{"secret1":{"source":"/a/b"}}"#))
        let rendered = pod.renderJSONValue()
        #expect(rendered["environment"] == ["vol": ["secret": "secret1"]])
        #expect(rendered["volumes"] == [["name": "vol", "secret": "secret1"]])
        #expect(rendered["secrets"] == ["secret1": ["source": "/a/b"]])
    }

    @Test func enumsAreCaseInsensitiveAndCanonicalOnOutput() throws {
        let pod = try parsePod(podWith(
            containers: [C.basic("c1", #""endpoints":[{"name":"web"}],"image":{"kind":"docker","id":"nginx"},"healthCheck":{"http":{"endpoint":"web","scheme":"https"}}"#)],
            #""scheduling":{"killSelection":"oldest_first","unreachableStrategy":"DISABLED","placement":{"constraints":[{"fieldName":"hostname","operator":"unique"}]}},"networks":[{"mode":"HOST"}]"#))
        let rendered = pod.renderJSONValue()
        let container = rendered["containers"]?[0]
        #expect(container?["image"]?["kind"] == "DOCKER")
        #expect(container?["healthCheck"]?["http"]?["scheme"] == "HTTPS")
        #expect(rendered["scheduling"]?["killSelection"] == "OLDEST_FIRST")
        #expect(rendered["scheduling"]?["unreachableStrategy"] == "disabled")
        #expect(rendered["scheduling"]?["placement"] == ["constraints": [["fieldName": "hostname", "operator": "UNIQUE"]]])
        #expect(rendered["networks"] == [["mode": "host"]])
    }

    @Test func nullsAreAbsentAndUnknownFieldsIgnored() throws {
        let pod = try parsePod(#"""
        {"id":"/p","user":null,"labels":null,"containers":[{"name":"c1","resources":{"cpus":null,"mem":64},
         "endpoints":[{"name":"web","containerPort":null}],"image":{"kind":"DOCKER","id":"x","force":true}}],
         "scaling":{"kind":"fixed","instances":3,"maxInstances":9},"executorResources":{"cpus":100,"mem":100},
         "somethingNew":{"a":1}}
        """#)
        #expect(pod.user == nil)
        #expect(pod.containers[0].resources == Resources(cpus: 1, mem: 64))
        #expect(pod.instances == 3)
        #expect(pod.executorResources == ExecutorResources(cpus: 100, mem: 100, disk: 10))
    }

    @Test func constraintsAndAcceptedRolesAreSets() throws {
        let pod = try parsePod(podWith(#"""
        "scheduling":{"placement":{"acceptedResourceRoles":["*","*"],"constraints":[
          {"fieldName":"hostname","operator":"UNIQUE"},{"fieldName":"hostname","operator":"UNIQUE"},
          {"fieldName":"rack","operator":"GROUP_BY","value":"3"},{"fieldName":"rack","operator":"MAX_PER","value":"2"},
          {"fieldName":"hostname","operator":"LIKE","value":"a.*"},{"fieldName":"os","operator":"IS","value":"7.4"}]}}
        """#))
        #expect(pod.scheduling.placement.acceptedResourceRoles == ["*"])
        #expect(pod.scheduling.placement.constraints.count == 5)
    }

    @Test func roleDefaultsFollowRoleSettings() throws {
        #expect(try parsePod(podWith(id: "/web")).role == "*")
        #expect(try parsePod(podWith(id: "/web"), options: testOptions { $0.mesosRole = "marathon" }).role == "marathon")
        #expect(try parsePod(podWith(id: "/dev/web")).role == "*")
        #expect(try parsePod(podWith(id: "/dev/web"), options: testOptions { $0.groupEnforcesRole = true }).role == "dev")
        #expect(try parsePod(podWith(id: "/dev/web", #""role":"dev""#)).role == "dev")
    }

    @Test func acceptedResourceRolesSanitizationIsOptIn() throws {
        let body = podWith(id: "/dev/web", #""role":"dev","scheduling":{"placement":{"acceptedResourceRoles":["*","dev","ops"]}}"#)
        #expect(parseError(body)?.details == [ErrorDetail(path: "/acceptedResourceRoles",
                                                          errors: ["acceptedResourceRoles can only contain * and dev"])])
        let pod = try parsePod(body, options: testOptions { $0.sanitizeAcceptedResourceRoles = true })
        #expect(pod.scheduling.placement.acceptedResourceRoles == ["*", "dev"])
    }

    @Test func legacySharedCgroupsOnlyEchoedWhenTrue() throws {
        #expect(try parsePod(podWith(#""legacySharedCgroups":false"#)).renderJSONValue()["legacySharedCgroups"] == nil)
        #expect(try parsePod(podWith(#""legacySharedCgroups":true"#)).renderJSONValue()["legacySharedCgroups"] == true)
    }

    @Test func versionIsRequestTimeNotTheBodys() throws {
        let pod = try parsePod(podWith(#""version":"2001-01-01T00:00:00.000Z""#))
        #expect(pod.version == fixedVersion)
        let before = PodVersion.now()
        let live = try PodDefinition.parse(Data(podWith().utf8))
        #expect(live.version >= before)
    }

    @Test func checkIsDiscardedAndResourceLimitsEchoed() throws {
        let pod = try parsePod(podWith(containers: [C.basic("c1", #"""
        "check":{"exec":{"command":{"shell":"true"}}},"resourceLimits":{"cpus":"unlimited","mem":512},"tty":true,
        "linuxInfo":{"seccomp":{"profileName":"default.json"},"ipcInfo":{"mode":"PRIVATE","shmSize":64}}
        """#)]))
        let container = pod.renderJSONValue()["containers"]?[0]
        #expect(container?["check"] == nil)
        #expect(container?["resourceLimits"] == ["cpus": "unlimited", "mem": 512.0])
        #expect(container?["tty"] == true)
        #expect(container?["linuxInfo"] == ["seccomp": ["profileName": "default.json", "unconfined": false],
                                           "ipcInfo": ["mode": "PRIVATE", "shmSize": 64]])
    }

    @Test func execHealthChecksAreAllowed() throws {
        let pod = try parsePod(podWith(containers: [C.basic("c1", #""healthCheck":{"exec":{"command":{"argv":["/bin/check","-q"]}}}"#)]))
        #expect(pod.containers[0].healthCheck?.exec == .argv(["/bin/check", "-q"]))
    }

    @Test func storedRenderingDecodesWithItsVersionAndRole() throws {
        let pod = try parsePod(podWith(id: "/dev/web", #""role":"dev""#))
        let decoded = try PodDefinition.decodeStored(pod.renderJSON())
        #expect(decoded == pod)
        let coded = try JSONDecoder().decode(PodDefinition.self, from: JSONEncoder().encode(pod))
        #expect(coded == pod)
    }
}
