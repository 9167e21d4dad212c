import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Testing

@Suite("GET /v2/pods/{id}::status and /v2/pods/::status")
struct PodStatusEndpointTests {
    @Test("the Quick Start: create, then ::status, with the slash variants")
    func quickStart() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            let fresh = try await client.send(.get, "/v2/pods/simplepod::status")
            #expect(fresh.status == .ok)
            #expect(fresh.json["id"] == "/simplepod")
            #expect(fresh.json["status"] == "DEGRADED")
            #expect(fresh.json["instances"] == [])
            #expect(fresh.json["spec"]?["scheduling"]?["placement"] == nil)
            expectCacheHeaders(fresh)

            let pod = try #require(await service.current[PodId(canonicalizing: "/simplepod")])
            await service.setInstances([InstanceFixture.instance(pod: pod, index: 1)], for: pod.id)
            for path in ["/v2/pods/simplepod::status", "/v2/pods//simplepod/::status", "/v2/pods/simplepod/::status/"] {
                let response = try await client.send(.get, path)
                #expect(response.status == .ok, "\(path)")
                #expect(response.json["status"] == "STABLE", "\(path)")
                #expect(response.json["lastUpdated"] == "2020-04-01T12:00:00Z", "\(path)")
            }
        }
    }

    @Test("every pod's status at /v2/pods/::status; unknown pod 404")
    func allAndUnknown() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let none = try await client.send(.get, "/v2/pods/::status")
            #expect(none.status == .ok)
            #expect(none.text == "[]")
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            _ = try await client.send(.post, "/v2/pods", body: Fixture.webPod)
            let all = try await client.send(.get, "/v2/pods/::status")
            #expect(all.json.arrayValue?.compactMap { $0["id"]?.stringValue } == ["/prod/web", "/simplepod"])

            let missing = try await client.send(.get, "/v2/pods/mypod::status")
            #expect(missing.status == .notFound)
            #expect(missing.text == #"{"message":"Pod '/mypod' does not exist","details":[]}"#)
        }
    }

    @Test("a pod that a running deployment deletes is TERMINAL")
    func terminating() async throws {
        let service = FakePodService()
        let pod = try Fixture.parsed(Fixture.simplePod)
        await service.seed(pod)
        await service.setTerminating(pod.id)
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.get, "/v2/pods/simplepod::status")
            #expect(response.json["status"] == "TERMINAL")
        }
    }
}
