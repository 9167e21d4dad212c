import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Testing

@Suite("DELETE /v2/pods/{id}::instances")
struct InstanceKillTests {
    /// A service holding /simplepod with two running instances.
    private func serviceWithInstances() async throws -> (FakePodService, [InstanceSnapshot]) {
        let service = FakePodService()
        let pod = try Fixture.parsed(Fixture.simplePod)
        await service.seed(pod)
        let instances = [InstanceFixture.instance(pod: pod, index: 1), InstanceFixture.instance(pod: pod, index: 2)]
        await service.setInstances(instances, for: pod.id)
        return (service, instances)
    }

    @Test("one instance: 200 with the 1.8+ instance document; wipe reaches the service")
    func killOne() async throws {
        let (service, instances) = try await serviceWithInstances()
        let id = instances[0].instanceID
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.delete, "/v2/pods/simplepod::instances/\(id)?wipe=true",
                                                 headers: [:])
            #expect(response.status == .ok)
            #expect(response.text == """
                {"instanceId":"\(id)","agentInfo":{"host":"10.0.1.7","agentId":"\(InstanceFixture.agentID)",\
                "region":"r1","zone":"z1","attributes":[]},"runSpecVersion":"2020-04-01T12:00:00.000Z",\
                "state":{"condition":"Running","since":"2020-04-01T12:00:05.123Z",\
                "activeSince":"2020-04-01T12:00:05.123Z","goal":"Running"},\
                "unreachableStrategy":{"inactiveAfterSeconds":0,"expungeAfterSeconds":0}}
                """)
            expectCacheHeaders(response)
        }
        let requests = await service.killRequests
        #expect(requests.count == 1)
        #expect(requests.first?.1 == [id])
        #expect(requests.first?.2 == true)
    }

    @Test("one instance: bad pattern and bad UUID give 422; unknown instance and pod give 404")
    func killOneErrors() async throws {
        let (service, _) = try await serviceWithInstances()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let pattern = try await client.send(.delete, "/v2/pods/simplepod::instances/not-an-instance", headers: [:])
            #expect(pattern.status == .unprocessableContent)
            #expect(pattern.json == [
                "message": "Object is not valid",
                "details": [["path": "/", "errors": [
                    .string("must fully match regular expression '^(.+)\\.(instance-|marathon-)([^\\.]+)$'"),
                ]]],
            ])

            let uuid = try await client.send(.delete, "/v2/pods/simplepod::instances/simplepod.instance-zzz",
                                             headers: [:])
            #expect(uuid.status == .unprocessableContent)
            #expect(uuid.json == ["message": "Invalid UUID string: zzz"])

            let unknown = InstanceFixture.instanceID("simplepod", 9)
            let missing = try await client.send(.delete, "/v2/pods/simplepod::instances/\(unknown)", headers: [:])
            #expect(missing.status == .notFound)
            #expect(missing.json == ["message": .string("Task '\(unknown)' does not exist"), "details": []])

            let noPod = try await client.send(.delete, "/v2/pods/other::instances/\(unknown)", headers: [:])
            #expect(noPod.status == .notFound)
            #expect(noPod.json == ["message": "Path '/other' does not exist"])
        }
    }

    @Test("a list: 200 with the instances found, duplicates collapsed, unknown ids ignored")
    func killMany() async throws {
        let (service, instances) = try await serviceWithInstances()
        let ids = instances.map(\.instanceID)
        let unknown = InstanceFixture.instanceID("simplepod", 7)
        let body = #"["\#(ids[1])","\#(ids[1])","\#(unknown)"]"#
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.delete, "/v2/pods/simplepod::instances", body: body)
            #expect(response.status == .ok)
            #expect(response.json.arrayValue?.compactMap { $0["instanceId"]?.stringValue } == [ids[1]])

            let none = try await client.send(.delete, "/v2/pods/simplepod::instances", body: #"["\#(unknown)"]"#)
            #expect(none.status == .ok)
            #expect(none.text == "[]")
        }
        #expect(await service.killRequests.first?.1 == [ids[1], unknown])
        #expect(await service.killRequests.first?.2 == false)
    }

    @Test("a list: not an array, not strings or bad ids give 422; no pod gives 404")
    func killManyErrors() async throws {
        let (service, _) = try await serviceWithInstances()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let object = try await client.send(.delete, "/v2/pods/simplepod::instances", body: #"{"a":1}"#)
            #expect(object.status == .unprocessableContent)
            #expect(object.text == #"{"message":"Invalid JSON","details":[{"path":"","errors":["error.expected.jsarray"]}]}"#)

            let numbers = try await client.send(.delete, "/v2/pods/simplepod::instances", body: "[1]")
            #expect(numbers.status == .unprocessableContent)
            #expect(numbers.json["details"] == [["path": "(0)", "errors": ["error.expected.jsstring"]]])

            let badId = try await client.send(.delete, "/v2/pods/simplepod::instances", body: #"["nope"]"#)
            #expect(badId.status == .unprocessableContent)

            let syntax = try await client.send(.delete, "/v2/pods/simplepod::instances", body: "[")
            #expect(syntax.status == .badRequest)

            let noPod = try await client.send(.delete, "/v2/pods/other::instances", body: "[]")
            #expect(noPod.status == .notFound)
            #expect(noPod.json == ["message": "Path '/other' does not exist"])
        }
    }
}
