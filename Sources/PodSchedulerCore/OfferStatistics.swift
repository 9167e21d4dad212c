import Foundation
import MesosProtocol

/// What the offers of one launch attempt of a pod said, as Marathon keeps it for
/// `/v2/queue` (`OfferMatchStatistics.RunSpecOfferStatistics` and the last unmatched
/// offer of each agent). A launch attempt ends when no instance of the pod waits any more;
/// its statistics are then dropped (`LaunchFinished`).
struct OfferStatistics: Sendable {
    /// An offer that did not fit, with every reason.
    struct NoMatch: Sendable {
        var offer: Mesos_V1_Offer
        var reasons: [NoOfferMatchReason]
        var at: Date
    }

    /// Offers evaluated for the pod (matched or not).
    private(set) var processed = 0
    /// Offers that did not fit.
    private(set) var unused = 0
    /// Rejected offers by the first of their reasons in funnel order.
    private(set) var rejectSummary: [NoOfferMatchReason: Int] = [:]
    private(set) var lastMatchAt: Date?
    private(set) var lastNoMatchAt: Date?
    /// The last offer of each agent (by agent id) that did not fit.
    private(set) var lastNoMatches: [String: NoMatch] = [:]

    mutating func recordMatch(at date: Date) {
        processed += 1
        lastMatchAt = date
    }

    mutating func recordNoMatch(_ offer: Mesos_V1_Offer, reasons: [NoOfferMatchReason], at date: Date) {
        processed += 1
        unused += 1
        lastNoMatchAt = date
        if let reason = NoOfferMatchReason.funnelReason(of: reasons) { rejectSummary[reason, default: 0] += 1 }
        lastNoMatches[offer.agentID.value] = NoMatch(offer: offer, reasons: reasons, at: date)
    }

    /// The reject summary over the last unmatched offer of each agent.
    var rejectSummaryLastOffers: [NoOfferMatchReason: Int] {
        var summary: [NoOfferMatchReason: Int] = [:]
        for noMatch in lastNoMatches.values {
            if let reason = NoOfferMatchReason.funnelReason(of: noMatch.reasons) { summary[reason, default: 0] += 1 }
        }
        return summary
    }

    /// The public view; `lastUnusedOffers` only when asked for (they copy every offer).
    func snapshot(withLastUnusedOffers: Bool) -> ProcessedOffersSnapshot {
        let unusedOffers = withLastUnusedOffers
            ? lastNoMatches.values.sorted { $0.at < $1.at }.map { noMatch in
                UnusedOfferSnapshot(offer: OfferSnapshot(noMatch.offer), reasons: noMatch.reasons, timestamp: noMatch.at)
            }
            : nil
        return ProcessedOffersSnapshot(processedOffersCount: processed, unusedOffersCount: unused, lastUnusedOfferAt: lastNoMatchAt,
                                       lastUsedOfferAt: lastMatchAt, lastOffersCount: lastNoMatches.count,
                                       rejectSummaryLastOffers: rejectSummaryLastOffers, rejectSummaryLaunchAttempt: rejectSummary,
                                       lastUnusedOffers: unusedOffers)
    }
}

extension OfferSnapshot {
    /// The offer as `/v2/queue` shows it: resources with their (pre-refinement) role and
    /// value, attributes with theirs.
    init(_ offer: Mesos_V1_Offer) {
        func value(_ type: Mesos_V1_Value.TypeEnum, scalar: Mesos_V1_Value.Scalar, ranges: Mesos_V1_Value.Ranges,
                   set: Mesos_V1_Value.Set, text: Mesos_V1_Value.Text?) -> OfferSnapshot.Value {
            switch type {
            case .scalar: return .scalar(scalar.value)
            case .ranges: return .ranges(ranges.range.map { OfferSnapshot.NumberRange(begin: $0.begin, end: $0.end) })
            case .set: return .set(set.item)
            case .text: return text.map { .text($0.value) } ?? .none
            }
        }
        self.init(id: offer.id.value, hostname: offer.hostname, agentID: offer.agentID.value,
                  resources: offer.resources.map { r in
                      OfferSnapshot.Resource(name: r.name, role: r.hasRole ? r.role : "*",
                                             value: value(r.type, scalar: r.scalar, ranges: r.ranges, set: r.set, text: nil))
                  },
                  attributes: offer.attributes.map { a in
                      OfferSnapshot.Attribute(name: a.name,
                                              value: value(a.type, scalar: a.scalar, ranges: a.ranges, set: a.set, text: a.text))
                  })
    }
}
