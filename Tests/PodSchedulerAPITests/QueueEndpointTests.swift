import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Testing

@Suite("GET /v2/queue and DELETE /v2/queue/{id}/delay")
struct QueueEndpointTests {
    /// The offers of docs/reference/mesos-cluster-operations.md §4.5: twelve offers, none used; the last ones of three
    /// agents were two short of cpus and one of memory.
    static let summary = ProcessedOffersSnapshot(
        processedOffersCount: 12, unusedOffersCount: 12, lastUnusedOfferAt: Fixture.now.addingTimeInterval(5.12),
        lastOffersCount: 3, rejectSummaryLastOffers: [.insufficientCpus: 2, .insufficientMemory: 1],
        rejectSummaryLaunchAttempt: [.insufficientCpus: 8, .unfulfilledConstraint: 1, .insufficientMemory: 3],
        lastUnusedOffers: [UnusedOfferSnapshot(
            offer: OfferSnapshot(id: "O-7", hostname: "a1.example", agentID: "S1",
                                 resources: [.init(name: "cpus", role: "*", value: .scalar(2)),
                                             .init(name: "ports", role: "*", value: .ranges([.init(begin: 31000, end: 32000)])),
                                             .init(name: "labels", role: "*", value: .set(["a", "b"]))],
                                 attributes: [.init(name: "rack", value: .text("r1")), .init(name: "size", value: .scalar(3))]),
            reasons: [.insufficientMemory, .insufficientCpus], timestamp: Fixture.now.addingTimeInterval(5.12))])

    static func service(backoffUntil: Date? = nil) async throws -> FakePodService {
        let service = FakePodService()
        let pod = try Fixture.parsed(Fixture.simplePod)
        await service.seed(pod)
        await service.setQueue([QueueItemSnapshot(pod: pod, role: "*", count: 1, backoffUntil: backoffUntil, since: Fixture.now,
                                                  offers: summary)])
        return service
    }

    static func steps(_ declined: [Int], processed: Int) -> String {
        let names = ["UnfulfilledRole", "UnfulfilledConstraint", "NoCorrespondingReservationFound", "AgentMaintenance",
                     "InsufficientCpus", "InsufficientMemory", "InsufficientDisk", "InsufficientGpus", "InsufficientPorts",
                     "DeclinedScarceResources"]
        var left = processed
        var parts: [String] = []
        for (name, count) in zip(names, declined) {
            parts.append(#"{"reason":"\#(name)","declined":\#(count),"processed":\#(left)}"#)
            left -= count
        }
        return "[" + parts.joined(separator: ",") + "]"
    }

    @Test("a pod item as in docs/reference/mesos-cluster-operations.md §4.5: all ten reasons in funnel order, no lastUnusedOffers without embed")
    func shape() async throws {
        let service = try await Self.service()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.get, "/v2/queue", headers: [:])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let lastOffers = Self.steps([0, 0, 0, 0, 2, 1, 0, 0, 0, 0], processed: 3)
            let attempt = Self.steps([0, 1, 0, 0, 8, 3, 0, 0, 0, 0], processed: 12)
            #expect(response.text == #"{"queue":[{"pod":"# + Fixture.simplePodNormalized
                + #","count":1,"role":"*","delay":{"timeLeftSeconds":0,"overdue":true},"since":"2020-04-01T12:00:00.000Z","#
                + #""processedOffersSummary":{"processedOffersCount":12,"unusedOffersCount":12,"#
                + #""lastUnusedOfferAt":"2020-04-01T12:00:05.120Z","rejectSummaryLastOffers":"# + lastOffers
                + #","rejectSummaryLaunchAttempt":"# + attempt + "}}]}")
            expectCacheHeaders(response)
        }
        #expect(await service.queueRequests == [false])
    }

    @Test("embed=lastUnusedOffers (it may repeat; other values are ignored) adds each agent's last unused offer")
    func embed() async throws {
        let service = try await Self.service()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.get, "/v2/queue?embed=other&embed=lastUnusedOffers", headers: [:])
            #expect(response.status == .ok)
            let item = response.json["queue"]?.arrayValue?.first
            #expect(item?["lastUnusedOffers"] == [[
                "offer": [
                    "id": "O-7", "agentId": "S1", "hostname": "a1.example",
                    "resources": [["name": "cpus", "role": "*", "scalar": 2.0],
                                  ["name": "ports", "role": "*", "ranges": [["begin": 31000, "end": 32000]]],
                                  ["name": "labels", "role": "*", "set": ["a", "b"]]],
                    "attributes": [["name": "rack", "text": "r1"], ["name": "size", "scalar": 3.0]],
                ],
                "reason": ["InsufficientMemory", "InsufficientCpus"],
                "timestamp": "2020-04-01T12:00:05.120Z",
            ]])
            let other = try await client.send(.get, "/v2/queue?embed=other", headers: [:])
            #expect(other.json["queue"]?.arrayValue?.first?["lastUnusedOffers"] == nil)
        }
        #expect(await service.queueRequests == [true, false])
    }

    @Test("delay: whole seconds left while backing off; overdue once a second past the deadline, as Marathon truncates",
          arguments: [(12.5, 12, false), (0.4, 0, false), (-0.5, 0, false), (-1.5, 0, true)])
    func delay(offset: Double, left: Int, overdue: Bool) async throws {
        let service = try await Self.service(backoffUntil: Fixture.now.addingTimeInterval(offset))
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.get, "/v2/queue", headers: [:])
            #expect(response.json["queue"]?.arrayValue?.first?["delay"] == ["timeLeftSeconds": .int(left), "overdue": .bool(overdue)])
        }
    }

    @Test("an empty queue is an empty list")
    func empty() async throws {
        try await Fixture.application(Fixture.api(FakePodService())).test(.router) { client in
            let response = try await client.send(.get, "/v2/queue", headers: [:])
            #expect(response.status == .ok)
            #expect(response.text == #"{"queue":[]}"#)
        }
    }

    @Test("DELETE …/delay: 204 without a body (ids may hold slashes); 404 with Marathon's text when nothing waits")
    func resetDelay() async throws {
        let service = try await Self.service()
        let web = try Fixture.parsed(Fixture.webPod)
        await service.setQueue([QueueItemSnapshot(pod: try Fixture.parsed(Fixture.simplePod), role: "*", count: 1, backoffUntil: nil,
                                                  since: Fixture.now, offers: ProcessedOffersSnapshot()),
                                QueueItemSnapshot(pod: web, role: "*", count: 2, backoffUntil: nil, since: Fixture.now,
                                                  offers: ProcessedOffersSnapshot())])
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let reset = try await client.send(.delete, "/v2/queue/simplepod/delay", headers: [:])
            #expect(reset.status == .noContent)
            #expect(reset.text.isEmpty)
            expectCacheHeaders(reset)
            let nested = try await client.send(.delete, "/v2/queue//prod/web/delay", headers: [:])
            #expect(nested.status == .noContent)
            let unknown = try await client.send(.delete, "/v2/queue/nope/delay", headers: [:])
            #expect(unknown.status == .notFound)
            #expect(unknown.text == #"{"message":"Application /nope not found in tasks queue."}"#)
        }
        #expect(await service.delayResets == [PodId(canonicalizing: "/simplepod"), PodId(canonicalizing: "/prod/web")])
    }

    @Test("other methods and paths: 405 on /v2/queue and …/delay, 404 below /v2/queue without /delay")
    func routing() async throws {
        let service = try await Self.service()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let post = try await client.send(.post, "/v2/queue", body: "{}")
            #expect(post.status == .methodNotAllowed)
            let getDelay = try await client.send(.get, "/v2/queue/simplepod/delay", headers: [:])
            #expect(getDelay.status == .methodNotAllowed)
            let deleteItem = try await client.send(.delete, "/v2/queue/simplepod", headers: [:])
            #expect(deleteItem.status == .notFound)
            let getItem = try await client.send(.get, "/v2/queue/simplepod", headers: [:])
            #expect(getItem.status == .notFound)
        }
        #expect(await service.delayResets.isEmpty)
    }
}
