import Foundation
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Testing

@Suite("PodStatusRenderer (docs/reference/marathon-pods-api.md §12)")
struct PodStatusRendererTests {
    let renderer = PodStatusRenderer(now: Fixture.now.addingTimeInterval(9.999))

    private func snapshot(_ pod: PodDefinition, _ instances: [InstanceSnapshot], terminating: Bool = false,
                          failure: TaskFailure? = nil) -> PodStatusSnapshot {
        PodStatusSnapshot(spec: pod, terminating: terminating, instances: instances, lastFailure: failure)
    }

    @Test("one running instance without health checks: the whole document of marathon-pods-api.md §12.7")
    func stableDocument() throws {
        let pod = try Fixture.parsed(Fixture.simplePod)
        let instance = InstanceFixture.instance(pod: pod, index: 1)
        let id = instance.instanceID
        let json = renderer.render(snapshot(pod, [instance]))
        let spec = #"{"id":"/simplepod","version":"2020-04-01T12:00:00.000Z","containers":[{"name":"sleep1","#
            + #""exec":{"command":{"shell":"sleep 1000"}},"resources":{"cpus":0.1,"mem":32.0,"disk":0.0,"gpus":0}}],"#
            + #""networks":[{"mode":"host"}],"scaling":{"instances":1,"kind":"fixed"},"scheduling":{"backoff":"#
            + #"{"backoff":1.0,"backoffFactor":1.15,"maxLaunchDelay":300.0},"upgrade":{"minimumHealthCapacity":1.0,"#
            + #""maximumOverCapacity":1.0},"killSelection":"YOUNGEST_FIRST","unreachableStrategy":"#
            + #"{"inactiveAfterSeconds":0,"expungeAfterSeconds":0}},"executorResources":{"cpus":0.1,"mem":32.0,"#
            + #""disk":10.0},"role":"*"}"#
        let expected = #"{"id":"/simplepod","spec":\#(spec),"status":"STABLE","#
            + #""statusSince":"2020-04-01T12:00:05.123Z","instances":[{"id":"\#(id)","status":"STABLE","#
            + #""statusSince":"2020-04-01T12:00:05.123Z","conditions":[],"agentHostname":"10.0.1.7","#
            + #""agentId":"\#(InstanceFixture.agentID)","agentRegion":"r1","agentZone":"z1","#
            + #""resources":{"cpus":0.2,"mem":64.0,"disk":10.0,"gpus":0},"networks":[{"addresses":["10.0.1.7"]}],"#
            + #""containers":[{"name":"sleep1","status":"TASK_RUNNING","statusSince":"2020-04-01T12:00:05.100Z","#
            + #""containerId":"\#(id).sleep1.1","conditions":[],"endpoints":[],"#
            + #""resources":{"cpus":0.1,"mem":32.0,"disk":0.0,"gpus":0},"lastUpdated":"2020-04-01T12:00:05.100Z","#
            + #""lastChanged":"2020-04-01T12:00:05.100Z"}],"#
            + #""specReference":"/v2/pods/simplepod::versions/2020-04-01T12:00Z","localVolumes":[],"#
            + #""lastUpdated":"2020-04-01T12:00:05.123Z","lastChanged":"2020-04-01T12:00:05.123Z","role":"*"}],"#
            + #""terminationHistory":[],"lastUpdated":"2020-04-01T12:00:09.999Z","#
            + #""lastChanged":"2020-04-01T12:00:05.123Z"}"#
        #expect(json.jsonString == expected)
    }

    @Test("a resident instance between runs: PENDING on its agent, with its reservation and volumes")
    func reservedInstance() throws {
        let pod = try Fixture.parsed(Fixture.simplePod)
        var instance = InstanceFixture.instance(pod: pod, index: 1, condition: .reserved, tasks: [])
        instance.incarnation = 2
        instance.reservation = ReservationSnapshot(
            agentID: InstanceFixture.agentID, agentHostname: InstanceFixture.agentHost, role: "pods", principal: "ops",
            frameworkID: "F1", state: "suspended",
            volumes: [.init(name: "data", persistenceID: "simplepod#data#9f0e", containerPath: "data", size: 64)])
        let json = renderer.render(snapshot(pod, [instance]))
        let rendered = json["instances"]?[0]
        #expect(rendered?["status"] == "PENDING")
        #expect(rendered?["agentId"] == .string(InstanceFixture.agentID))
        #expect(rendered?["localVolumes"]?[0]?["persistenceId"] == "simplepod#data#9f0e")
        #expect(rendered?["localVolumes"]?[0]?["containerPath"] == "data")
        #expect(rendered?["localVolumes"]?[0]?["uuid"] == "9f0e")
        #expect(rendered?["localVolumes"]?[0]?["size"] == .double(64))
        #expect(rendered?["reservation"]?["role"] == "pods" && rendered?["reservation"]?["principal"] == "ops")
        #expect(rendered?["reservation"]?["labels"]?["marathon_framework_id"] == "F1")
        #expect(rendered?["reservation"]?["labels"]?["marathon_task_id"] == .string(instance.instanceID))
        #expect(rendered?["reservation"]?["state"] == "suspended")
    }

    @Test("an unhealthy container degrades its instance and the pod; endpoints pair host ports")
    func degradedUnhealthy() throws {
        let pod = try Fixture.parsed(Fixture.webPod)
        func tasks(_ index: Int, healthy: Bool?) -> [TaskSnapshot] {
            let id = InstanceFixture.instanceID(pod.id.safeId, index)
            return [InstanceFixture.task(id, "web", healthy: healthy), InstanceFixture.task(id, "sidecar")]
        }
        let healthy = InstanceFixture.instance(pod: pod, index: 1, tasks: tasks(1, healthy: true),
                                               hostPorts: [31000, 31001, 31002])
        let sick = InstanceFixture.instance(pod: pod, index: 2, tasks: tasks(2, healthy: false),
                                            hostPorts: [31010, 31011, 31012])
        let json = renderer.render(snapshot(pod, [healthy, sick]))
        #expect(json["status"] == "DEGRADED")
        #expect(json["instances"]?[0]?["status"] == "STABLE")
        #expect(json["instances"]?[0]?["message"] == nil)
        let second = json["instances"]?[1]
        #expect(second?["status"] == "DEGRADED")
        #expect(second?["message"] == "at least one container is not healthy")
        #expect(second?["resources"] == ["cpus": 0.85, "mem": 128.0, "disk": 10.0, "gpus": 0])

        let web = second?["containers"]?[0]
        #expect(web?["endpoints"] == [
            ["name": "admin", "allocatedHostPort": 31011],
            ["name": "http", "allocatedHostPort": 31010, "healthy": false],
        ])
        #expect(web?["conditions"] == [[
            "name": "healthy", "value": "false", "reason": "health-reported-by-mesos",
            "lastChanged": "2020-04-01T12:00:05.100Z", "lastUpdated": "2020-04-01T12:00:05.100Z",
        ]])
        let sidecar = second?["containers"]?[1]
        #expect(sidecar?["endpoints"] == [["name": "metrics", "allocatedHostPort": 31012]])
        #expect(sidecar?["conditions"] == [])
        #expect(json["instances"]?[0]?["containers"]?[0]?["conditions"]?[0]?["value"] == "true")

        // Both instances healthy: the pod with 2 wanted instances is STABLE.
        let alsoHealthy = InstanceFixture.instance(pod: pod, index: 2, tasks: tasks(2, healthy: true))
        #expect(renderer.podState(snapshot(pod, [healthy, alsoHealthy])) == .stable)
    }

    @Test("health not yet reported counts as unhealthy, and no endpoint carries a flag")
    func unreportedHealth() throws {
        let pod = try Fixture.parsed(Fixture.webPod)
        let id = InstanceFixture.instanceID(pod.id.safeId, 1)
        let instance = InstanceFixture.instance(pod: pod, index: 1, tasks: [
            InstanceFixture.task(id, "web", healthy: nil), InstanceFixture.task(id, "sidecar"),
        ], hostPorts: [31000, 31001, 31002])
        let json = renderer.render(snapshot(pod, [instance]))
        let web = json["instances"]?[0]?["containers"]?[0]
        #expect(json["instances"]?[0]?["status"] == "DEGRADED")
        #expect(web?["conditions"]?[0]?["value"] == "false")
        #expect(web?["conditions"]?[0]?["reason"] == "health-unreported-by-mesos")
        #expect(web?["endpoints"] == [
            ["name": "http", "allocatedHostPort": 31000], ["name": "admin", "allocatedHostPort": 31001],
        ])
    }

    @Test("a staging task has no health condition yet; the instance is STAGING")
    func staging() throws {
        let pod = try Fixture.parsed(Fixture.webPod)
        let id = InstanceFixture.instanceID(pod.id.safeId, 1)
        let instance = InstanceFixture.instance(pod: pod, index: 1, condition: .staging, tasks: [
            InstanceFixture.task(id, "web", state: "TASK_STAGING", startedAt: nil),
            InstanceFixture.task(id, "sidecar", state: "TASK_STAGING", startedAt: nil),
        ])
        let json = renderer.render(snapshot(pod, [instance]))
        let container = json["instances"]?[0]?["containers"]?[0]
        #expect(json["instances"]?[0]?["status"] == "STAGING")
        #expect(container?["status"] == "TASK_STAGING")
        #expect(container?["conditions"] == [])
        #expect(container?["statusSince"] == "2020-04-01T12:00:01Z")
        #expect(json["status"] == "DEGRADED")
    }

    @Test("PENDING: provisioned, or terminal while the goal is Running; default resources only")
    func pending() throws {
        let pod = try Fixture.parsed(Fixture.simplePod)
        let provisioned = InstanceFixture.instance(pod: pod, index: 1, condition: .provisioned, tasks: [
            InstanceFixture.task(InstanceFixture.instanceID("simplepod", 1), "sleep1", state: "TASK_STAGING",
                                 startedAt: nil),
        ])
        let json = renderer.render(snapshot(pod, [provisioned]))
        let instance = json["instances"]?[0]
        #expect(instance?["status"] == "PENDING")
        #expect(instance?["resources"] == ["cpus": 0.1, "mem": 32.0, "disk": 10.0, "gpus": 0])
        #expect(instance?["containers"]?[0]?["status"] == "TASK_STAGING")
        #expect(instance?["containers"]?[0]?["containerId"] == nil)
        #expect(instance?["containers"]?[0]?["resources"] == nil)
        #expect(json["status"] == "DEGRADED")

        let failed = InstanceFixture.instance(pod: pod, index: 2, condition: .failed)
        #expect(renderer.instanceState(failed, spec: pod).state == .pending)
    }

    @Test("freshly scheduled, never placed instances are left out; a placed one waiting to relaunch is not")
    func leftOut() throws {
        let pod = try Fixture.parsed(Fixture.simplePod)
        let fresh = InstanceFixture.instance(pod: pod, index: 1, condition: .scheduled, placed: false, tasks: [])
        let json = renderer.render(snapshot(pod, [fresh]))
        #expect(json["instances"] == [])
        #expect(json["status"] == "DEGRADED")
        #expect(json["statusSince"] == "2020-04-01T12:00:09.999Z")
        #expect(json["lastChanged"] == json["statusSince"])

        let relaunch = InstanceFixture.instance(pod: pod, index: 2, condition: .scheduled, tasks: [])
        let listed = renderer.render(snapshot(pod, [fresh, relaunch]))
        #expect(listed["instances"]?.arrayValue?.count == 1)
        #expect(listed["instances"]?[0]?["status"] == "PENDING")

        // The scheduler forgets the agent of a failed instance waiting for its relaunch
        // (backoff): its later incarnation keeps it listed, as PENDING.
        var backingOff = InstanceFixture.instance(pod: pod, index: 3, condition: .scheduled, placed: false, tasks: [])
        backingOff.incarnation = 2
        let waiting = renderer.render(snapshot(pod, [fresh, backingOff]))
        #expect(waiting["instances"]?.arrayValue?.count == 1)
        #expect(waiting["instances"]?[0]?["id"] == .string(backingOff.instanceID))
        #expect(waiting["instances"]?[0]?["status"] == "PENDING")
    }

    @Test("during a rollout each instance is described by the spec version it runs")
    func olderSpecVersion() throws {
        let old = try Fixture.parsed(Fixture.webPod)
        var new = try Fixture.parsed(Fixture.webPod, at: Fixture.now.addingTimeInterval(60))
        new.containers[0].endpoints.swapAt(0, 1)
        #expect(new.containers[0].endpoints.map(\.name) == ["admin", "http"])
        let instance = InstanceFixture.instance(pod: old, index: 1, hostPorts: [31000, 31001, 31002])
        let status = PodStatusSnapshot(spec: new, terminating: false, instances: [instance], lastFailure: nil,
                                       olderSpecs: [old.version: old])
        let web = renderer.render(status)["instances"]?[0]?["containers"]?[0]
        // The old spec's order: http got the first allocated port, admin the second.
        let ports = (web?["endpoints"]?.arrayValue ?? []).map { ($0["name"], $0["allocatedHostPort"]) }
        #expect(ports.count == 2)
        #expect(ports.contains { $0.0 == "http" && $0.1 == 31000 }, "\(ports)")
        #expect(ports.contains { $0.0 == "admin" && $0.1 == 31001 }, "\(ports)")
        #expect(renderer.render(status)["instances"]?[0]?["specReference"]
                == .string("/v2/pods/prod/web::versions/2020-04-01T12:00Z"))
    }

    @Test("TERMINAL instances and pods; UNREACHABLE degrades with a message; 0 instances is STABLE")
    func terminalAndUnreachable() throws {
        let pod = try Fixture.parsed(Fixture.simplePod)
        let killed = InstanceFixture.instance(pod: pod, index: 1, condition: .killed, goal: .stopped, tasks: [
            InstanceFixture.task(InstanceFixture.instanceID("simplepod", 1), "sleep1", state: "TASK_KILLED"),
        ])
        let rendered = renderer.render(snapshot(pod, [killed]))
        #expect(rendered["instances"]?[0]?["status"] == "TERMINAL")
        #expect(rendered["instances"]?[0]?["containers"]?[0]?["status"] == "TASK_KILLED")
        #expect(rendered["instances"]?[0]?["containers"]?[0]?["endpoints"] == [])
        #expect(rendered["instances"]?[0]?["resources"] == ["cpus": 0.1, "mem": 32.0, "disk": 10.0, "gpus": 0])
        let decommissioned = InstanceFixture.instance(pod: pod, index: 2, condition: .scheduled, goal: .decommissioned)
        #expect(renderer.instanceState(decommissioned, spec: pod).state == .terminal)
        let killing = InstanceFixture.instance(pod: pod, index: 3, condition: .killing)
        #expect(renderer.instanceState(killing, spec: pod).state == .terminal)

        let unreachable = InstanceFixture.instance(pod: pod, index: 4, condition: .unreachableInactive, tasks: [
            InstanceFixture.task(InstanceFixture.instanceID("simplepod", 4), "sleep1", state: "TASK_UNREACHABLE"),
        ])
        let json = renderer.render(snapshot(pod, [unreachable]))
        #expect(json["instances"]?[0]?["status"] == "DEGRADED")
        #expect(json["instances"]?[0]?["message"] == "pod instance has become unreachable")
        #expect(json["instances"]?[0]?["containers"]?[0]?["status"] == "TASK_UNREACHABLE")

        let running = InstanceFixture.instance(pod: pod, index: 5)
        #expect(renderer.podState(snapshot(pod, [running], terminating: true)) == .terminal)

        var scaledToZero = pod
        scaledToZero.instances = 0
        #expect(renderer.render(snapshot(scaledToZero, []))["status"] == "STABLE")
    }

    @Test("networks are grouped by name with de-duplicated addresses")
    func networks() throws {
        let pod = try Fixture.parsed(Fixture.webPod)
        let id = InstanceFixture.instanceID(pod.id.safeId, 1)
        let instance = InstanceFixture.instance(pod: pod, index: 1, tasks: [
            InstanceFixture.task(id, "web", healthy: true, addresses: [
                TaskAddress(network: nil, ip: "10.0.1.7"), TaskAddress(network: "n1", ip: "192.168.0.2"),
            ]),
            InstanceFixture.task(id, "sidecar", addresses: [
                TaskAddress(network: "n1", ip: "192.168.0.2"), TaskAddress(network: "n1", ip: "192.168.0.3"),
                TaskAddress(network: nil, ip: "10.0.1.7"),
            ]),
        ])
        #expect(renderer.render(snapshot(pod, [instance]))["instances"]?[0]?["networks"] == [
            ["addresses": ["10.0.1.7"]], ["name": "n1", "addresses": ["192.168.0.2", "192.168.0.3"]],
        ])
    }

    @Test("terminationHistory: one entry with Marathon's state names while the instance exists")
    func terminationHistory() throws {
        let pod = try Fixture.parsed(Fixture.simplePod)
        let instance = InstanceFixture.instance(pod: pod, index: 1)
        let failure = TaskFailure(
            instanceID: instance.instanceID, taskID: "\(instance.instanceID).sleep1.1", state: "TASK_FAILED",
            message: "Command exited with status 1", startedAt: Fixture.now.addingTimeInterval(2),
            terminatedAt: Fixture.now.addingTimeInterval(3.25),
            containers: [(taskID: "\(instance.instanceID).sleep1.1", state: "TASK_FAILED")])
        let json = renderer.render(snapshot(pod, [instance], failure: failure))
        #expect(json["terminationHistory"] == [[
            "instanceID": .string(instance.instanceID),
            "startedAt": "2020-04-01T12:00:02Z",
            "terminatedAt": "2020-04-01T12:00:03.250Z",
            "message": "Command exited with status 1",
            "containers": [["containerId": .string("\(instance.instanceID).sleep1.1"), "lastKnownState": "TaskFailed"]],
        ]])

        var gone = failure
        gone.instanceID = InstanceFixture.instanceID("simplepod", 9)
        #expect(renderer.render(snapshot(pod, [instance], failure: gone))["terminationHistory"] == [])
    }

    @Test("specReference uses OffsetDateTime text: zero seconds and millis are dropped")
    func specReference() throws {
        for (offset, text) in [(0.0, "12:00Z"), (1.0, "12:00:01Z"), (1.5, "12:00:01.500Z"), (61.25, "12:01:01.250Z")] {
            let pod = try Fixture.parsed(Fixture.simplePod, at: Fixture.now.addingTimeInterval(offset))
            let json = renderer.render(snapshot(pod, [InstanceFixture.instance(pod: pod, index: 1)]))
            #expect(json["instances"]?[0]?["specReference"] == .string("/v2/pods/simplepod::versions/2020-04-01T\(text)"))
        }
    }

    @Test("a resident instance counts every container's resources and drops health on terminal tasks")
    func resident() throws {
        let pod = try Fixture.parsed(#"""
            {"id":"/dev/db","role":"dev",
             "containers":[{"name":"db","resources":{"cpus":0.5,"mem":64},
               "endpoints":[{"name":"pg","hostPort":0}],
               "healthCheck":{"tcp":{"endpoint":"pg"}},
               "volumeMounts":[{"name":"data","mountPath":"data"}]}],
             "volumes":[{"name":"data","persistent":{"size":10}}],
             "scheduling":{"placement":{"acceptedResourceRoles":["*"]}}}
            """#)
        #expect(pod.isResident)
        let id = InstanceFixture.instanceID(pod.id.safeId, 1)
        let instance = InstanceFixture.instance(pod: pod, index: 1, condition: .killed, goal: .stopped, tasks: [
            InstanceFixture.task(id, "db", state: "TASK_KILLED", healthy: false),
        ])
        let json = renderer.render(snapshot(pod, [instance]))
        let rendered = json["instances"]?[0]
        #expect(rendered?["status"] == "TERMINAL")
        #expect(rendered?["resources"] == ["cpus": 0.6, "mem": 96.0, "disk": 10.0, "gpus": 0])
        #expect(rendered?["role"] == "dev")
        #expect(rendered?["containers"]?[0]?["resources"] == ["cpus": 0.5, "mem": 64.0, "disk": 0.0, "gpus": 0])
        #expect(rendered?["containers"]?[0]?["conditions"] == [])
        #expect(rendered?["containers"]?[0]?["endpoints"] == [])
    }
}
