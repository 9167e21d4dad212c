import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Testing

@Suite("GET /v2/pods/{id}::versions")
struct PodVersionsTests {
    @Test("one version after create, equal to the create response's version; two after a scale")
    func versionsList() async throws {
        let service = FakePodService()
        let clock = TestClock(Fixture.now)
        let api = PodsAPI(service: service, configuration: APIConfiguration(baseURL: Fixture.baseURL),
                          logger: Fixture.logger, now: { clock.read() })
        try await Fixture.application(api).test(.router) { client in
            let created = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            let versions = try await client.send(.get, "/v2/pods/simplepod::versions")
            #expect(versions.status == .ok)
            #expect(versions.json == [created.json["version"] ?? .null])
            expectCacheHeaders(versions)

            clock.set(Fixture.now.addingTimeInterval(60.5))
            let scaled = Fixture.simplePod.replacingOccurrences(of: #""instances": 1"#, with: #""instances": 3"#)
            _ = try await client.send(.put, "/v2/pods/simplepod", body: scaled)
            let two = try await client.send(.get, "/v2/pods//simplepod/::versions/")
            let texts = two.json.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(texts) == ["2020-04-01T12:00:00.000Z", "2020-04-01T12:01:00.500Z"])

            let first = try await client.send(.get, "/v2/pods/simplepod::versions/2020-04-01T12:00:00.000Z")
            #expect(first.status == .ok)
            #expect(first.json["scaling"]?["instances"] == 1)
            #expect(first.text == Fixture.simplePodNormalized)
            // Any ISO-8601 spelling of the same instant, percent-encoded or not.
            let second = try await client.send(.get, "/v2/pods/simplepod::versions/2020-04-01T12%3A01%3A00.5Z")
            #expect(second.json["scaling"]?["instances"] == 3)
            #expect(second.json["version"] == "2020-04-01T12:01:00.500Z")
        }
    }

    @Test("unknown pod: 404 for the list and for a version; a bad timestamp: 422")
    func versionErrors() async throws {
        try await Fixture.application(Fixture.api(FakePodService())).test(.router) { client in
            let list = try await client.send(.get, "/v2/pods/nope::versions")
            #expect(list.status == .notFound)
            #expect(list.json == ["message": "Pod '/nope' does not exist", "details": []])

            let version = try await client.send(.get, "/v2/pods/nope::versions/2020-04-01T12:00:00.000Z")
            #expect(version.status == .notFound)
            #expect(version.text == #"{"message":"Pod '/nope' does not exist","details":[]}"#)

            let bad = try await client.send(.get, "/v2/pods/nope::versions/yesterday")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json == ["message": "Invalid timestamp provided 'yesterday'. Expecting ISO-8601 datetime string."])
            expectCacheHeaders(bad)
        }
    }

    @Test("versions stay retrievable after the pod is deleted")
    func historyOutlivesPod() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            _ = try await client.send(.delete, "/v2/pods/simplepod", headers: [:])
            let old = try await client.send(.get, "/v2/pods/simplepod::versions/\(Fixture.nowText)")
            #expect(old.status == .ok)
            let list = try await client.send(.get, "/v2/pods/simplepod::versions")
            #expect(list.status == .notFound)
        }
    }
}
