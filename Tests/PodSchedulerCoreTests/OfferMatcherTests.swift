import Foundation
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// The offer matcher's reasons (Marathon's `ResourceMatcher` and `NoOfferMatchReason`) and
/// the `/v2/queue` statistics built from them, on crafted offers: no Mesos, no root.
@Suite("offer matching: reasons and the reject summaries")
struct OfferMatcherTests {
    /// A pod of one container (the executor adds 0.1 cpus, 32 MiB and 10 MiB disk).
    static func pod(cpus: Double = 0.5, mem: Double = 64, endpoints: String = "", placement: String = "") throws -> PodDefinition {
        try PodDefinition.parse(Data("""
            {"id": "/web", "scaling": {"kind": "fixed", "instances": 2},
             "containers": [{"name": "c", "exec": {"command": {"shell": "sleep 1000"}},
                             "resources": {"cpus": \(cpus), "mem": \(mem)}\(endpoints)}],
             "networks": [{"mode": "host"}]\(placement)}
            """.utf8))
    }

    /// An offer of unreserved resources (or reserved for `role`) from agent `agent`.
    static func offer(_ agent: String = "S1", host: String = "a1.example", cpus: Double = 4, mem: Double = 4096, disk: Double = 10000,
                      ports: [ClosedRange<UInt64>] = [31000...31009], role: String? = nil,
                      attributes: [String: String] = [:]) -> Mesos_V1_Offer {
        var offer = Mesos_V1_Offer()
        offer.id = Mesos_V1_OfferID("O-\(agent)")
        offer.agentID = Mesos_V1_AgentID(agent)
        offer.hostname = host
        offer.resources = [Mesos_V1_Resource.ranges("ports", ports), .scalar("cpus", cpus), .scalar("mem", mem), .scalar("disk", disk)]
        for i in offer.resources.indices {
            offer.resources[i].allocationInfo.role = "*"
            if let role { offer.resources[i].role = role }
        }
        offer.attributes = attributes.sorted { $0.key < $1.key }.map { name, value in
            var a = Mesos_V1_Attribute()
            a.name = name
            a.type = .text
            a.text.value = value
            return a
        }
        return offer
    }

    static func view(_ offer: Mesos_V1_Offer) -> OfferMatcher.AgentView {
        OfferMatcher.AgentView(agentID: offer.agentID.value, hostname: offer.hostname,
                               attributes: Dictionary(uniqueKeysWithValues: offer.attributes.map { ($0.name, $0.text.value) }))
    }

    static func outcome(_ pod: PodDefinition, _ offer: Mesos_V1_Offer, placed: [OfferMatcher.AgentView] = []) -> OfferMatcher.Outcome {
        var remaining = OfferMatcher.remaining(of: offer, acceptedRoles: pod.scheduling.placement.acceptedResourceRoles, podRole: pod.role)
        return OfferMatcher.match(pod, remaining: &remaining, agent: view(offer), placed: placed)
    }

    @Test("too many cpus, too much memory, both: every scalar shortfall, cpus before memory")
    func scalars() throws {
        #expect(Self.outcome(try Self.pod(cpus: 8), Self.offer()) == .noMatch([.insufficientCpus]))
        #expect(Self.outcome(try Self.pod(mem: 8192), Self.offer()) == .noMatch([.insufficientMemory]))
        #expect(Self.outcome(try Self.pod(cpus: 8, mem: 8192), Self.offer()) == .noMatch([.insufficientCpus, .insufficientMemory]))
        #expect(Self.outcome(try Self.pod(), Self.offer(disk: 5)) == .noMatch([.insufficientDisk]), "the executor's 10 MiB of disk")
        // The executor's share counts: 3.9 + 0.1 fits 4 cpus exactly.
        guard case .match = Self.outcome(try Self.pod(cpus: 3.9), Self.offer()) else {
            Issue.record("3.9 cpus and the executor's 0.1 fit an offer of 4")
            return
        }
    }

    @Test("host ports: a fixed port not offered, or too few ports; tried only when everything else fits")
    func ports() throws {
        let fixed = #", "endpoints": [{"name": "http", "hostPort": 8080}]"#
        #expect(Self.outcome(try Self.pod(endpoints: fixed), Self.offer()) == .noMatch([.insufficientPorts]))
        let three = #", "endpoints": [{"name": "a", "hostPort": 0}, {"name": "b", "hostPort": 0}, {"name": "c", "hostPort": 0}]"#
        #expect(Self.outcome(try Self.pod(endpoints: three), Self.offer(ports: [31000...31001])) == .noMatch([.insufficientPorts]))
        #expect(Self.outcome(try Self.pod(cpus: 8, endpoints: fixed), Self.offer()) == .noMatch([.insufficientCpus]))
        guard case .match(let match) = Self.outcome(try Self.pod(endpoints: three), Self.offer()) else {
            Issue.record("three ports fit ten")
            return
        }
        #expect(match.hostPorts == ["a": 31000, "b": 31001, "c": 31002])
    }

    @Test("resources of a role the pod does not accept: UnfulfilledRole, and what they hold does not count")
    func unfulfilledRole() throws {
        let reserved = Self.offer(role: "analytics")
        #expect(Self.outcome(try Self.pod(), reserved)
                == .noMatch([.insufficientCpus, .insufficientMemory, .insufficientDisk, .unfulfilledRole]))
        // Unreserved cpus do not make up for the rest being of another role.
        var mixed = reserved
        mixed.resources[1].clearRole()
        #expect(Self.outcome(try Self.pod(), mixed) == .noMatch([.insufficientMemory, .insufficientDisk]))
    }

    @Test("unmet constraints: hostname UNIQUE against a placed instance, LIKE and IS on an attribute")
    func constraints() throws {
        let unique = try Self.pod(placement: #", "scheduling": {"placement": {"constraints": [{"fieldName": "hostname", "operator": "UNIQUE"}]}}"#)
        let offer = Self.offer(host: "a1.example")
        #expect(Self.outcome(unique, offer, placed: [Self.view(offer)]) == .noMatch([.unfulfilledConstraint]))
        guard case .match = Self.outcome(unique, offer, placed: [Self.view(Self.offer("S2", host: "a2.example"))]) else {
            Issue.record("UNIQUE hostname fits another host")
            return
        }
        let like = try Self.pod(placement: #", "scheduling": {"placement": {"constraints": [{"fieldName": "rack", "operator": "LIKE", "value": "r[12]"}]}}"#)
        #expect(Self.outcome(like, Self.offer(attributes: ["rack": "r3"])) == .noMatch([.unfulfilledConstraint]))
        #expect(Self.outcome(like, Self.offer()) == .noMatch([.unfulfilledConstraint]), "an agent without the attribute")
        guard case .match = Self.outcome(like, Self.offer(attributes: ["rack": "r2"])) else {
            Issue.record("LIKE r[12] fits rack r2")
            return
        }
        let pinned = try Self.pod(cpus: 8, placement: #", "scheduling": {"placement": {"constraints": [{"fieldName": "hostname", "operator": "IS", "value": "a9.example"}]}}"#)
        #expect(Self.outcome(pinned, offer) == .noMatch([.insufficientCpus, .unfulfilledConstraint]),
                "every reason is listed; the summary counts the first in funnel order")
    }

    @Test("one reason per rejected offer, the first in funnel order; all ten listed with processed as a funnel")
    func funnel() {
        #expect(NoOfferMatchReason.funnelReason(of: [.insufficientCpus, .insufficientMemory, .unfulfilledConstraint]) == .unfulfilledConstraint)
        #expect(NoOfferMatchReason.funnelReason(of: [.insufficientPorts, .insufficientMemory]) == .insufficientMemory)
        #expect(NoOfferMatchReason.funnelReason(of: []) == nil)
        let steps = NoOfferMatchReason.steps(processed: 3, declined: [.insufficientCpus: 2, .insufficientMemory: 1])
        #expect(steps.map(\.reason.rawValue) == [
            "UnfulfilledRole", "UnfulfilledConstraint", "NoCorrespondingReservationFound", "AgentMaintenance", "InsufficientCpus",
            "InsufficientMemory", "InsufficientDisk", "InsufficientGpus", "InsufficientPorts", "DeclinedScarceResources",
        ])
        #expect(steps.map(\.declined) == [0, 0, 0, 0, 2, 1, 0, 0, 0, 0])
        #expect(steps.map(\.processed) == [3, 3, 3, 3, 3, 1, 0, 0, 0, 0])
    }

    @Test("statistics: matches and misses counted, the last miss kept per agent, the launch attempt summed")
    func statistics() throws {
        var stats = OfferStatistics()
        let t0 = Date(timeIntervalSince1970: 1_625_133_600)
        stats.recordNoMatch(Self.offer("S1"), reasons: [.insufficientCpus, .insufficientMemory], at: t0)
        stats.recordNoMatch(Self.offer("S2"), reasons: [.insufficientMemory], at: t0.addingTimeInterval(1))
        stats.recordNoMatch(Self.offer("S1"), reasons: [.unfulfilledConstraint, .insufficientCpus], at: t0.addingTimeInterval(2))
        stats.recordMatch(at: t0.addingTimeInterval(3))
        #expect(stats.processed == 4)
        #expect(stats.unused == 3)
        #expect(stats.rejectSummary == [.insufficientCpus: 1, .insufficientMemory: 1, .unfulfilledConstraint: 1])
        #expect(stats.rejectSummaryLastOffers == [.insufficientMemory: 1, .unfulfilledConstraint: 1], "S1's first miss was replaced")
        let snapshot = stats.snapshot(withLastUnusedOffers: true)
        #expect(snapshot.lastOffersCount == 2)
        #expect(snapshot.lastUnusedOfferAt == t0.addingTimeInterval(2))
        #expect(snapshot.lastUsedOfferAt == t0.addingTimeInterval(3))
        #expect(snapshot.lastUnusedOffers?.map(\.offer.agentID) == ["S2", "S1"])
        #expect(snapshot.lastUnusedOffers?.last?.reasons == [.unfulfilledConstraint, .insufficientCpus])
        let offer = try #require(snapshot.lastUnusedOffers?.first?.offer)
        #expect(offer.hostname == "a1.example")
        #expect(offer.resources.first == OfferSnapshot.Resource(name: "ports", role: "*", value: .ranges([.init(begin: 31000, end: 31009)])))
        #expect(offer.resources.last == OfferSnapshot.Resource(name: "disk", role: "*", value: .scalar(10000)))
        #expect(stats.snapshot(withLastUnusedOffers: false).lastUnusedOffers == nil)
    }
}
