import Foundation
import MesosProtocol
import PodSpec

/// Decides whether a pod instance fits an offer: resources (executor + containers),
/// host ports for endpoints, accepted resource roles and placement constraints, and when it
/// does not, why (Marathon's `NoOfferMatchReason`s, as its `ResourceMatcher` finds them).
/// Pure: it works on a copy of the offer's remaining resources.
struct OfferMatcher {
    /// What the offer still has, per resource name.
    struct Remaining {
        var cpus: Double
        var mem: Double
        var disk: Double
        var gpus: Double
        var ports: [ClosedRange<UInt64>]
        /// The allocation role of the offered resources.
        var role: String
        /// Whether any resource of the offer has a role the pod accepts (else the offer
        /// fails with `UnfulfilledRole`).
        var hasAcceptedResource = false
    }

    struct Match: Equatable {
        var hostPorts: [String: Int]
        var role: String
    }

    enum Outcome: Equatable {
        case match(Match)
        /// Every reason that applies, in the order Marathon's `ResourceMatcher` adds them.
        case noMatch([NoOfferMatchReason])
    }

    /// The agent an offer comes from, as constraints see it.
    struct AgentView {
        var agentID: String
        var hostname: String
        /// Text attributes, plus `@region`/`@zone` when the agent has a domain.
        var attributes: [String: String]

        func value(of field: String) -> String? {
            switch field {
            case "hostname": return hostname
            default: return attributes[field]
            }
        }
    }

    static func remaining(of offer: Mesos_V1_Offer, acceptedRoles: [String], podRole: String) -> Remaining {
        var r = Remaining(cpus: 0, mem: 0, disk: 0, gpus: 0, ports: [], role: offer.allocationInfo.hasRole ? offer.allocationInfo.role : "*")
        for resource in offer.resources {
            // A resident instance's reservation (labelled) and persistent volumes are only
            // for that instance (`ReservationOffer`), never for another launch.
            guard !resource.hasDisk, ReservationOffer.ownerLabels(resource) == nil else { continue }
            let reservation = resource.reservations.last?.role ?? (resource.hasRole ? resource.role : "*")
            let accepted = acceptedRoles.isEmpty ? (reservation == "*" || reservation == podRole) : acceptedRoles.contains(reservation)
            guard accepted else { continue }
            r.hasAcceptedResource = true
            if resource.hasAllocationInfo { r.role = resource.allocationInfo.role }
            switch (resource.name, resource.type) {
            case ("cpus", .scalar): r.cpus += resource.scalar.value
            case ("mem", .scalar): r.mem += resource.scalar.value
            case ("disk", .scalar): r.disk += resource.scalar.value
            case ("gpus", .scalar): r.gpus += resource.scalar.value
            case ("ports", .ranges):
                r.ports += resource.ranges.range.compactMap { $0.begin <= $0.end ? $0.begin...$0.end : nil }
            default: continue
            }
        }
        return r
    }

    /// Tries to place one instance of `pod`; on success consumes from `remaining`. Like
    /// Marathon, a shortfall of cpus, mem, gpus or disk, an unaccepted role and an unmet
    /// constraint are all reported; host ports are tried only when everything else fits.
    /// `extraDisk`: the persistent volumes a resident instance reserves beside the pod's disk.
    static func match(_ pod: PodDefinition, remaining: inout Remaining, agent: AgentView, placed: [AgentView],
                      extraDisk: Double = 0) -> Outcome {
        var ask = pod.resourceAsk
        ask.disk += extraDisk
        let eps = 0.0005
        var reasons: [NoOfferMatchReason] = []
        if remaining.cpus + eps < ask.cpus { reasons.append(.insufficientCpus) }
        if remaining.mem + eps < ask.mem { reasons.append(.insufficientMemory) }
        if remaining.gpus + eps < Double(ask.gpus) { reasons.append(.insufficientGpus) }
        if remaining.disk + eps < ask.disk { reasons.append(.insufficientDisk) }
        if !remaining.hasAcceptedResource { reasons.append(.unfulfilledRole) }
        if !constraintsAllow(pod.scheduling.placement.constraints, agent: agent, placed: placed) {
            reasons.append(.unfulfilledConstraint)
        }
        guard reasons.isEmpty else { return .noMatch(reasons) }
        guard let (assigned, ports) = assignPorts(pod.hostPortRequests, from: remaining.ports) else {
            return .noMatch([.insufficientPorts])
        }
        remaining.cpus -= ask.cpus
        remaining.mem -= ask.mem
        remaining.disk -= ask.disk
        remaining.gpus -= Double(ask.gpus)
        remaining.ports = ports
        return .match(Match(hostPorts: assigned, role: remaining.role))
    }

    /// Fixed host ports must be offered; `0` takes the lowest free one. Returns the
    /// assignment and the ports left, nil when a port is missing.
    static func assignPorts(_ requests: [HostPortRequest], from offered: [ClosedRange<UInt64>])
        -> (assigned: [String: Int], left: [ClosedRange<UInt64>])? {
        var ports = offered
        var assigned: [String: Int] = [:]
        for request in requests {
            if request.port != 0 {
                let p = UInt64(request.port)
                guard ports.contains(where: { $0.contains(p) }) else { return nil }
                ports = subtract(ports, p)
                assigned[request.endpointName] = request.port
            } else {
                guard let p = ports.first?.lowerBound else { return nil }
                ports = subtract(ports, p)
                assigned[request.endpointName] = Int(p)
            }
        }
        return (assigned, ports)
    }

    static func subtract(_ ranges: [ClosedRange<UInt64>], _ port: UInt64) -> [ClosedRange<UInt64>] {
        ranges.flatMap { r -> [ClosedRange<UInt64>] in
            guard r.contains(port) else { return [r] }
            var out: [ClosedRange<UInt64>] = []
            if port > r.lowerBound { out.append(r.lowerBound...(port - 1)) }
            if port < r.upperBound { out.append((port + 1)...r.upperBound) }
            return out
        }
    }

    /// Marathon's constraint operators (UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS)
    /// against the agents the pod's other instances run on.
    static func constraintsAllow(_ constraints: [PlacementConstraint], agent: AgentView, placed: [AgentView]) -> Bool {
        for c in constraints {
            let value = agent.value(of: c.fieldName)
            let others = placed.compactMap { $0.value(of: c.fieldName) }
            switch c.operator {
            case .unique:
                guard let value, !others.contains(value) else { return false }
            case .cluster:
                guard let value else { return false }
                if let wanted = c.value, !wanted.isEmpty {
                    guard value == wanted else { return false }
                } else if let first = others.first, first != value {
                    return false
                }
            case .groupBy:
                guard let value else { return false }
                var counts: [String: Int] = [:]
                for o in others { counts[o, default: 0] += 1 }
                let mine = counts[value] ?? 0
                let expected = c.value.flatMap(Int.init) ?? 0
                // Spread: do not exceed the least-used value unless fewer values are known
                // than expected.
                if counts.count >= max(expected, 1), let least = counts.values.min(), mine > least { return false }
            case .like:
                guard let value, let pattern = c.value, fullMatch(pattern, value) else { return false }
            case .unlike:
                if let value, let pattern = c.value, fullMatch(pattern, value) { return false }
            case .maxPer:
                guard let value, let limit = c.value.flatMap(Int.init) else { return false }
                if others.filter({ $0 == value }).count >= limit { return false }
            case .is:
                guard let value, value == c.value else { return false }
            }
        }
        return true
    }

    static func fullMatch(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
