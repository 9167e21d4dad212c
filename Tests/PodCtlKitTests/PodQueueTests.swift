import Foundation
import PodCtlKit
import Testing

@Suite("pod queue")
struct PodQueueTests {
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

    /// `/web` waits for offers (the last offers of two agents: one short of cpus, one with a
    /// constraint unmet); `/db` is backing off.
    static let queue = """
        {"queue":[
          {"pod":{"id":"/web"},"count":2,"role":"*","delay":{"timeLeftSeconds":0,"overdue":true},
           "since":"2021-07-01T10:00:00.000Z",
           "processedOffersSummary":{"processedOffersCount":9,"unusedOffersCount":8,
             "lastUnusedOfferAt":"2021-07-01T10:00:05.120Z","lastUsedOfferAt":"2021-07-01T10:00:01.000Z",
             "rejectSummaryLastOffers":\(steps([0, 1, 0, 0, 1, 0, 0, 0, 0, 0], processed: 2)),
             "rejectSummaryLaunchAttempt":\(steps([0, 3, 0, 0, 5, 0, 0, 0, 0, 0], processed: 9))},
           "lastUnusedOffers":[
             {"offer":{"id":"O-2","agentId":"S2","hostname":"b.example","resources":[],"attributes":[]},
              "reason":["InsufficientCpus","UnfulfilledConstraint"],"timestamp":"2021-07-01T10:00:05.120Z"},
             {"offer":{"id":"O-1","agentId":"S1","hostname":"a.example","resources":[],"attributes":[]},
              "reason":["InsufficientCpus"],"timestamp":"2021-07-01T10:00:04.000Z"}]},
          {"pod":{"id":"/db"},"count":1,"role":"*","delay":{"timeLeftSeconds":42,"overdue":false},
           "since":"2021-07-01T09:59:00.000Z",
           "processedOffersSummary":{"processedOffersCount":0,"unusedOffersCount":0,
             "rejectSummaryLastOffers":\(steps([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], processed: 0)),
             "rejectSummaryLaunchAttempt":\(steps([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], processed: 0))}}]}
        """

    @Test("a table per pod: instances, offers or backoff, since, offers processed and unused, what declined them")
    func table() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/queue", .json(200, Self.queue))
            let result = await podctl(["pod", "queue"], url: server.url)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(result.stdout == """
                POD   ROLE  INSTANCES  WAITING FOR    SINCE                 OFFERS  UNUSED  DECLINED BY
                /db   *     1          backoff (42s)  2021-07-01T09:59:00Z  0       0       -
                /web  *     2          offers         2021-07-01T10:00:00Z  9       8       UnfulfilledConstraint 1/2, InsufficientCpus 1/1

                """)
            #expect(server.requests.map(\.uri) == ["/v2/queue"])
        }
    }

    @Test("--offers asks for lastUnusedOffers and lists each agent's with every reason; an id filters")
    func offers() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/queue?embed=lastUnusedOffers", .json(200, Self.queue))
            let result = await podctl(["pod", "queue", "web", "--offers"], url: server.url)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(result.stdout == """
                POD   ROLE  INSTANCES  WAITING FOR  SINCE                 OFFERS  UNUSED  DECLINED BY
                /web  *     2          offers       2021-07-01T10:00:00Z  9       8       UnfulfilledConstraint 1/2, InsufficientCpus 1/1

                Last unused offer of each agent:
                POD   HOST       AGENT  AT                    REASONS
                /web  a.example  S1     2021-07-01T10:00:04Z  InsufficientCpus
                /web  b.example  S2     2021-07-01T10:00:05Z  InsufficientCpus, UnfulfilledConstraint

                """)
            #expect(server.requests.map(\.uri) == ["/v2/queue?embed=lastUnusedOffers"])
        }
    }

    @Test("an empty queue, --json, --reset-delay; errors keep podctl's exit codes")
    func emptyJSONAndReset() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/queue", .json(200, #"{"queue":[]}"#))
            let empty = await podctl(["pod", "queue"], url: server.url)
            #expect(empty.code == 0)
            #expect(empty.stdout == "No instances are waiting to launch.\n")

            server.on("GET", "/v2/queue?embed=lastUnusedOffers", .json(200, Self.queue))
            let json = await podctl(["pod", "queue", "/db", "--json"], url: server.url)
            #expect(json.code == 0)
            #expect(try parsedJSON(json.stdout).arrayValue?.map { $0["pod"]?["id"] } == [.string("/db")])

            server.on("DELETE", "/v2/queue/db/delay", FakeMarathon.Answer(status: 204))
            let reset = await podctl(["pod", "queue", "/db", "--reset-delay"], url: server.url)
            #expect(reset.code == 0, "\(reset.stderr)")
            #expect(reset.stdout == "Reset the launch delay of /db\n")

            server.on("DELETE", "/v2/queue/nope/delay", .json(404, #"{"message":"Application /nope not found in tasks queue."}"#))
            let unknown = await podctl(["pod", "queue", "nope", "--reset-delay"], url: server.url)
            #expect(unknown.code == 3)
            #expect(unknown.stderr.contains("Application /nope not found in tasks queue."))

            let usage = await podctl(["pod", "queue", "--reset-delay"], url: server.url)
            #expect(usage.code == 2)
            server.on("GET", "/v2/queue", .json(200, #"{"queue":[{"count":1}]}"#))
            let broken = await podctl(["pod", "queue"], url: server.url)
            #expect(broken.code == 3)
        }
        let unreachable = await podctl(["pod", "queue"], url: try await FakeMarathon.closedPortURL())
        #expect(unreachable.code == 4)
    }
}
