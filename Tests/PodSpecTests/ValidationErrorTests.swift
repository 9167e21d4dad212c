import Foundation
import Primitives
import Testing
@testable import PodSpec

/// Bodies that fit the schema but break Marathon's semantic rules: 422 "Object is not
/// valid" with wix-accord messages.
enum ValidationCases {
    static let featureDisabled = "Feature secrets is not enabled. Enable with --enable_features secrets)"
    static let segmentRegex =
        #"must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$'"#
    static let hostEndpoint = #""endpoints":[{"name":"web","hostPort":0}]"#

    static let podLevel: [InvalidPodCase] = [
        .invalid("root id", podWith(id: "/"), [("/id", ["Path must contain at least one path element"])]),
        .invalid("relative id", podWith(id: "foo"), [("/id", ["Path needs to be absolute"])]),
        .invalid("reserved last segment", podWith(id: "/foo/restart"),
                 [("/id", ["must not end with any of the following reserved keywords: restart, tasks, versions, ., .."])]),
        .invalid("reserved versions", podWith(id: "/versions"),
                 [("/id", ["must not end with any of the following reserved keywords: restart, tasks, versions, ., .."])]),
        .invalid("id escaping its parent", podWith(id: "/a/../b"), [("/id", ["Identifier is not child of '/a/..'"])]),
        .invalid("empty user", podWith(#""user":"""#), [("/user", ["must not be empty"])]),
        .invalid("duplicate container names", podWith(containers: [C.basic("c1"), C.basic("c1")]),
                 [("/containers", ["container names must be unique"])]),
        .invalid("duplicate volume names",
                 podWith(containers: [C.basic("c1", #""volumeMounts":[{"name":"v","mountPath":"a"}]"#)],
                         #""volumes":[{"name":"v"},{"name":"v","host":"/tmp"}]"#),
                 [("/volumes", ["volume names must be unique"])]),
        .invalid("unmounted volume", podWith(#""volumes":[{"name":"v1"}]"#),
                 [("/volumes(0)", ["volume must be referenced by at least one container"])]),
        .invalid("mount of a missing volume", podWith(containers: [C.basic("c1", #""volumeMounts":[{"name":"env","mountPath":"/mnt"}]"#)]),
                 [("/containers(0)/volumeMounts(0)/name", ["Referenced Volume in VolumeMount should exist"])]),
        .invalid("endpoint names across containers",
                 podWith(containers: [C.basic("c1", hostEndpoint), C.basic("c2", hostEndpoint)]),
                 [("/", ["endpoint names nust be unique across all containers"])]),
        .invalid("host ports across containers",
                 podWith(containers: [C.basic("c1", #""endpoints":[{"name":"a","hostPort":8080}]"#),
                                      C.basic("c2", #""endpoints":[{"name":"b","hostPort":8080}]"#)]),
                 [("/", ["host ports must be unique across all containers"])]),
        .invalid("container ports across containers",
                 podWith(containers: [C.basic("c1", #""endpoints":[{"name":"a","containerPort":80}]"#),
                                      C.basic("c2", #""endpoints":[{"name":"b","containerPort":80}]"#)],
                         #""networks":[{"mode":"container","name":"n1"}]"#),
                 [("/", ["container ports must be unique across all containers"])]),
        .invalid("several violations at once",
                 podWith(containers: [C.basic("c1"), C.basic("c1")], #""user":"","networks":[{"mode":"host","name":"h"}]"#),
                 [("/user", ["must not be empty"]), ("/containers", ["container names must be unique"]),
                  ("/networks", ["Host networks may not have names or labels"])]),
    ]

    static let networks: [InvalidPodCase] = [
        .invalid("host network with labels", podWith(#""networks":[{"mode":"host","labels":{"a":"b"}}]"#),
                 [("/networks", ["Host networks may not have names or labels"])]),
        .invalid("bridge network with name", podWith(#""networks":[{"mode":"container/bridge","name":"br"}]"#),
                 [("/networks", ["Bridge networks may not have names"])]),
        .invalid("duplicate named networks", podWith(#""networks":[{"mode":"container","name":"n1"},{"mode":"container","name":"n1"}]"#),
                 [("/networks", ["Duplicate networks are not allowed"])]),
        .invalid("host mixed with container", podWith(#""networks":[{"mode":"host"},{"mode":"container","name":"n1"}]"#),
                 [("/networks", ["May specify a single host network, single bridge network, or else 1-to-n container networks"])]),
        .invalid("two host networks", podWith(#""networks":[{"mode":"host"},{"mode":"host"}]"#),
                 [("/networks", ["May specify a single host network, single bridge network, or else 1-to-n container networks"])]),
        .invalid("container network without name or default", podWith(#""networks":[{"mode":"container"}]"#),
                 [("/networks", ["Network name must be specified when container network is selected."])]),
        .invalid("two unnamed container networks", podWith(#""networks":[{},{}]"#),
                 [("/networks", ["Duplicate networks are not allowed"])], options: { $0.defaultNetworkName = "dcos" }),
        .invalid("containerPort under host networking",
                 podWith(containers: [C.basic("c1", #""endpoints":[{"name":"web","containerPort":80}]"#)], #""networks":[{"mode":"host"}]"#),
                 [("/containers(0)/endpoints(0)/containerPort", ["is not allowed when using host-mode networking"])]),
        .invalid("containerPort missing with container networking",
                 podWith(containers: [C.basic("c1", #""endpoints":[{"name":"web"}]"#)], #""networks":[{"mode":"container","name":"n1"}]"#),
                 [("/containers(0)/endpoints(0)/containerPort", ["is required when using container-mode networking"])]),
        .invalid("duplicate protocols",
                 podWith(containers: [C.basic("c1", #""endpoints":[{"name":"web","protocol":["tcp","tcp"]}]"#)]),
                 [("/containers(0)/endpoints(0)/protocol", ["Duplicate protocols within the same endpoint are not allowed"])]),
        .invalid("unknown network name on an endpoint",
                 podWith(containers: [C.basic("c1", #""endpoints":[{"name":"web","containerPort":80,"networkNames":["n3"]}]"#)],
                         #""networks":[{"mode":"container","name":"n1"},{"mode":"container","name":"n2"}]"#),
                 [("/containers(0)/endpoints(0)/networkNames(0)", ["is not one of (n1,n2)"])]),
        .invalid("host port with several container networks",
                 podWith(containers: [C.basic("c1", #""endpoints":[{"name":"web","containerPort":80,"hostPort":0}]"#)],
                         #""networks":[{"mode":"container","name":"n1"},{"mode":"container","name":"n2"}]"#),
                 [("/containers(0)/endpoints(0)",
                   ["networkNames must be a single item list when hostPort is specified and more than 1 container network is defined"])]),
    ]

    static let containers: [InvalidPodCase] = [
        .invalid("health check timeout not below interval",
                 podWith(containers: [C.basic("c1", hostEndpoint + #","healthCheck":{"tcp":{"endpoint":"web"},"intervalSeconds":10}"#)]),
                 [("/containers(0)/healthCheck/timeoutSeconds", ["got 20, expected less than 10"])]),
        .invalid("health check of another container's endpoint",
                 podWith(containers: [C.basic("c1", hostEndpoint),
                                      C.basic("c2", #""healthCheck":{"http":{"endpoint":"web","path":"/"}}"#)]),
                 [("/containers(1)/healthCheck/http/endpoint", ["contained in the container endpoints"])]),
        .invalid("tcp health check of an unknown endpoint",
                 podWith(containers: [C.basic("c1", #""healthCheck":{"tcp":{"endpoint":"db"}}"#)]),
                 [("/containers(0)/healthCheck/tcp/endpoint", ["contained in the container endpoints"])]),
        .invalid("health check with two kinds",
                 podWith(containers: [C.basic("c1", hostEndpoint + #","healthCheck":{"tcp":{"endpoint":"web"},"exec":{"command":{"shell":"true"}}}"#)]),
                 [("/containers(0)/healthCheck", ["Only one of http, tcp, or command may be specified"])]),
        .invalid("health check of no kind",
                 podWith(containers: [C.basic("c1", #""healthCheck":{"gracePeriodSeconds":5}"#)]),
                 [("/containers(0)/healthCheck", ["Only one of http, tcp, or command may be specified"])]),
        .invalid("resource limits below the request",
                 podWith(containers: [#"{"name":"c1","resources":{"cpus":0.5,"mem":64},"resourceLimits":{"cpus":0.25,"mem":32}}"#]),
                 [("/containers(0)/resourceLimits/cpus", ["resource limit must be greater than or equal to requested resource (0.5)"]),
                  ("/containers(0)/resourceLimits/mem", ["resource limit must be greater than or equal to requested resource (64.0)"])]),
        .invalid("resource limit word other than unlimited",
                 podWith(containers: [C.basic("c1", #""resourceLimits":{"mem":"lots"}"#)]),
                 [("/containers(0)/resourceLimits/mem", ["'lots' is an invalid resource limit. It must be 'unlimited' or a number"])]),
        .invalid("resource limits with legacy shared cgroups",
                 podWith(containers: [C.basic("c1", #""resourceLimits":{"cpus":"unlimited"}"#)], #""legacySharedCgroups":true"#),
                 [("/containers(0)/resourceLimits", ["resourceLimits cannot be defined if legacySharedCgroups is enabled"])]),
        .invalid("seccomp profile and unconfined",
                 podWith(containers: [C.basic("c1", #""linuxInfo":{"seccomp":{"profileName":"default.json","unconfined":true}}"#)]),
                 [("/containers(0)/linuxInfo/seccomp", ["Seccomp unconfined can NOT be true when Profile is defined"])]),
        .invalid("seccomp without profile nor unconfined",
                 podWith(containers: [C.basic("c1", #""linuxInfo":{"seccomp":{}}"#)]),
                 [("/containers(0)/linuxInfo/seccomp", ["Seccomp unconfined must be true when Profile is NOT defined"])]),
        .invalid("shm size with a shared IPC namespace",
                 podWith(containers: [C.basic("c1", #""linuxInfo":{"ipcInfo":{"mode":"SHARE_PARENT","shmSize":64}}"#)]),
                 [("/containers(0)/linuxInfo/ipcInfo", ["ipcInfo shmSize can NOT be set when mode is SHARE_PARENT"])]),
        .invalid("seccomp on the executor", podWith(#""linuxInfo":{"seccomp":{"unconfined":true}}"#),
                 [("/linuxInfo/seccomp", ["Seccomp configuration on executor level is not supported"])]),
        .invalid("shm size with shared IPC on the executor", podWith(#""linuxInfo":{"ipcInfo":{"mode":"share_parent","shmSize":16}}"#),
                 [("/linuxInfo/ipcInfo", ["ipcInfo shmSize can NOT be set when mode is SHARE_PARENT"])]),
    ]

    static let secrets: [InvalidPodCase] = [
        .invalid("secrets without the feature", podWith(#""secrets":{"s1":{"source":"/a"}}"#),
                 [("/secrets", ["must be empty", featureDisabled])], options: { $0.secretsEnabled = false }),
        .invalid("secret references without the feature", podWith(#""environment":{"PW":{"secret":"s1"}}"#),
                 [("/environment", ["use of secret-references in the environment requires the secrets feature to be enabled"]),
                  ("/environment/PW/secret", ["references an undefined secret"])], options: { $0.secretsEnabled = false }),
        .invalid("undefined secret in the pod environment", podWith(#""environment":{"PW":{"secret":"s1"}}"#),
                 [("/environment/PW/secret", ["references an undefined secret"])]),
        .invalid("undefined secret in a container environment",
                 podWith(containers: [C.basic("c1", #""environment":{"PW":{"secret":"nope"}}"#)], #""secrets":{"s1":{"source":"/a"}}"#),
                 [("/containers(0)/environment/PW/secret", ["references an undefined secret"])]),
        .invalid("pull config of an undefined secret",
                 podWith(containers: [C.basic("c1", #""image":{"kind":"docker","id":"x","pullConfig":{"secret":"cfg"}}"#)]),
                 [("/containers(0)/image/pullConfig", ["pullConfig.secret must refer to an existing secret"])]),
        .invalid("pull config without the feature",
                 podWith(containers: [C.basic("c1", #""image":{"kind":"DOCKER","id":"x","pullConfig":{"secret":"cfg"}}"#)],
                         #""secrets":{"cfg":{"source":"/config"}}"#),
                 [("/containers(0)/image/pullConfig", ["must be empty", featureDisabled]),
                  ("/secrets", ["must be empty", featureDisabled])], options: { $0.secretsEnabled = false }),
        .invalid("secret volume of an undefined secret",
                 podWith(containers: [C.basic("c1", #""volumeMounts":[{"name":"v","mountPath":"/run/s"}]"#)],
                         #""volumes":[{"name":"v","secret":"nope"}]"#),
                 [("/volumes", ["must be empty"]), ("/volumes(0)/secret", ["volume.secret must refer to an existing secret"])]),
        .invalid("secret volume without the feature",
                 podWith(containers: [C.basic("c1", #""volumeMounts":[{"name":"v","mountPath":"/run/s"}]"#)],
                         #""volumes":[{"name":"v","secret":"s1"}],"secrets":{"s1":{"source":"/a"}}"#),
                 [("/volumes", ["must be empty", featureDisabled]), ("/secrets", ["must be empty", featureDisabled])],
                 options: { $0.secretsEnabled = false }),
    ]

    static let scheduling: [InvalidPodCase] = [
        .invalid("UNIQUE with a value", constraint(#"{"fieldName":"hostname","operator":"UNIQUE","value":"x"}"#),
                 constraintDetails("UNIQUE does not accept a value")),
        .invalid("GROUP_BY with a word", constraint(#"{"fieldName":"rack","operator":"GROUP_BY","value":"many"}"#),
                 constraintDetails("GROUP BY must define an integer value or else no value at all")),
        .invalid("MAX_PER without a value", constraint(#"{"fieldName":"rack","operator":"MAX_PER"}"#),
                 constraintDetails("MAX_PER requires an integer value")),
        .invalid("MAX_PER with a word", constraint(#"{"fieldName":"rack","operator":"max_per","value":"two"}"#),
                 constraintDetails("MAX_PER requires an integer value")),
        .invalid("LIKE without a value", constraint(#"{"fieldName":"hostname","operator":"LIKE"}"#),
                 constraintDetails("LIKE and UNLIKE require a non-empty, regular expression value")),
        .invalid("UNLIKE with a broken regex", constraint(#"{"fieldName":"hostname","operator":"UNLIKE","value":"(["}"#),
                 constraintDetails("is not a valid regular expression")),
        .invalid("IS with a space", constraint(#"{"fieldName":"os","operator":"IS","value":"red hat"}"#),
                 constraintDetails("IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)")),
        .invalid("constraint without field", constraint(#"{"fieldName":"","operator":"CLUSTER"}"#),
                 constraintDetails("missing field for constraint declaration")),
        .invalid("accepted resource role starting with a dash",
                 podWith(#""scheduling":{"placement":{"acceptedResourceRoles":["-foo"]}}"#),
                 [("/scheduling/placement/acceptedResourceRoles", ["must be empty", "A role name must not start with a '-'."]),
                  ("/acceptedResourceRoles", ["must be empty", "A role name must not start with a '-'."])]),
        .invalid("accepted resource role with a space and a slash",
                 podWith(#""scheduling":{"placement":{"acceptedResourceRoles":["a b/c"]}}"#),
                 [("/scheduling/placement/acceptedResourceRoles",
                   ["must be empty", #"A role name must not include a space (\x20) character."#,
                    #"A role name must not include a slash (\x2f) character."#]),
                  ("/acceptedResourceRoles",
                   ["must be empty", #"A role name must not include a space (\x20) character."#,
                    #"A role name must not include a slash (\x2f) character."#])]),
        .invalid("accepted resource role dot", podWith(#""scheduling":{"placement":{"acceptedResourceRoles":[".."]}}"#),
                 [("/scheduling/placement/acceptedResourceRoles", ["must be empty", #"A role name must not be ".."."#]),
                  ("/acceptedResourceRoles", ["must be empty", #"A role name must not be ".."."#])]),
    ]

    static let resident: [InvalidPodCase] = {
        let residentPod = { (extra: String) in
            podWith(id: "/dev/db", containers: [C.basic("c1", #""volumeMounts":[{"name":"pst","mountPath":"data"}]"#)],
                    #""volumes":[{"name":"pst","persistent":{"size":10}}],"role":"dev"\#(extra)"#)
        }
        return [
            .invalid("resident pod with over-capacity",
                     residentPod(#","scheduling":{"upgrade":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0.5}}"#),
                     [("/upgrade/maximumOverCapacity", ["got 0.5, expected 0.0"])]),
            .invalid("resident pod replacing unreachable instances",
                     residentPod(#","scheduling":{"unreachableStrategy":{"inactiveAfterSeconds":60,"expungeAfterSeconds":120}}"#),
                     [("/", ["unreachableStrategy must be disabled for pods with persistent volumes"])]),
            .invalid("resident pod with a reserved accepted role",
                     residentPod(#","scheduling":{"placement":{"acceptedResourceRoles":["dev"]}}"#),
                     [("/acceptedResourceRoles", ["must be empty", "A resident pod must have `acceptedResourceRoles = [\"*\"]`."])]),
            .invalid("resident pod with the unreserved role",
                     podWith(id: "/db", containers: [C.basic("c1", #""volumeMounts":[{"name":"pst","mountPath":"data"}]"#)],
                             #""volumes":[{"name":"pst","persistent":{"size":10}}]"#),
                     [("/role", ["Resident pods cannot have the role *"])]),
            .invalid("resident pod changing its role",
                     podWith(id: "/dev/db", containers: [C.basic("c1", #""volumeMounts":[{"name":"pst","mountPath":"data"}]"#)],
                             #""volumes":[{"name":"pst","persistent":{"size":10}}],"role":"dev""#),
                     [("/role", ["It is not possible to change the role for existing reservations. If you proceed with this change, all existing instances will continue to run under the previous role, ops. Only new instances will be allocated with the new role, dev. In order to continue, retry your request with ?force=true"])],
                     options: { $0.previousRole = "ops" }),
        ]
    }()

    static let roles: [InvalidPodCase] = [
        .invalid("role not allowed at the root", podWith(#""role":"other""#),
                 [("/role", ["got other, expected one of: [*]"])]),
        .invalid("role not allowed in a group", podWith(id: "/dev/web", #""role":"ops""#),
                 [("/role", ["got ops, expected one of: [*, dev]"])]),
        .invalid("role outside an enforcing group", podWith(id: "/dev/web", #""role":"*""#),
                 [("/role", ["got *, expected one of: [dev]"])], options: { $0.groupEnforcesRole = true }),
        .invalid("accepted roles beyond * for the * role",
                 podWith(#""scheduling":{"placement":{"acceptedResourceRoles":["*","dev"]}}"#),
                 [("/acceptedResourceRoles", ["acceptedResourceRoles can only contain *"])]),
        .invalid("accepted roles beyond the pod role",
                 podWith(id: "/dev/web", #""role":"dev","scheduling":{"placement":{"acceptedResourceRoles":["other"]}}"#),
                 [("/acceptedResourceRoles", ["acceptedResourceRoles can only contain * and dev"])]),
    ]

    static let put: [InvalidPodCase] = [
        .invalid("relative body id on PUT is a validation error", podWith(id: "bla"),
                 [("/id", ["Path needs to be absolute"])], expectedId: "bla"),
    ]

    static let all = podLevel + networks + containers + secrets + scheduling + resident + roles + put

    static func constraint(_ json: String) -> String {
        podWith(#""scheduling":{"placement":{"constraints":[{"fieldName":"hostname","operator":"CLUSTER"},\#(json)]}}"#)
    }

    static func constraintDetails(_ message: String) -> [(String, [String])] {
        [("/scheduling/placement/constraints", ["must be empty"]), ("/scheduling/placement/constraints(1)", [message])]
    }
}

@Test(arguments: ValidationCases.all)
func validationErrorsAreMarathons(_ testCase: InvalidPodCase) throws {
    let error = try #require(parseError(testCase.body, expectedId: testCase.expectedId, options: testCase.options))
    #expect(error.httpStatus == testCase.status)
    #expect(error.bodyJSON["message"] == .string(testCase.message))
    #expect(error.details == testCase.details)
}

@Test func putIdMismatchIsA400() throws {
    let error = try #require(parseError(podWith(id: "/bla"), expectedId: "//foo/"))
    #expect(error == .idMismatch(urlId: "/foo", bodyId: "/bla"))
    #expect(error.httpStatus == 400)
    #expect(try JSONValue.parse(error.body) == ["message": "'/foo' does not match definition's id ('/bla')"])
}

@Test func putWithMatchingIdsIsAccepted() throws {
    let pod = try parsePod(podWith(id: "/mypod/"), expectedId: "mypod")
    #expect(pod.id.absolute == "/mypod")
}
