import Primitives

/// The human output of `pod queue`.
public enum QueueFormatter {
    /// One row per pod and role: instances to launch, what they wait for (offers, the
    /// backoff's seconds left, or secrets missing from the store, explained below the table), since when, offers processed and unused in this launch
    /// attempt, and the reasons the last offer of each agent was declined (`declined/processed`
    /// in the reason funnel). With `offers`, a second table lists each agent's last unused
    /// offer with all of its reasons.
    public static func table(_ items: [QueueItem], offers: Bool) -> String {
        guard !items.isEmpty else { return "No instances are waiting to launch.\n" }
        let sorted = items.sorted { ($0.id, $0.role) < ($1.id, $1.role) }
        let rows = sorted.map { item in
            [item.id, item.role, "\(item.count)",
             item.secretsMessage != nil ? "secrets" : item.backoffLeft.map { "backoff (\($0)s)" } ?? "offers",
             item.since.map(Timestamp.display) ?? "-", "\(item.processedOffers)", "\(item.unusedOffers)",
             reasons(item.lastOfferRejections)]
        }
        var text = Table(headers: ["POD", "ROLE", "INSTANCES", "WAITING FOR", "SINCE", "OFFERS", "UNUSED", "DECLINED BY"],
                         rows: rows).text
        let notes = sorted.compactMap { item in item.secretsMessage.map { "\(item.id): \($0)\n" } }
        if !notes.isEmpty { text += "\n" + notes.joined() }
        guard offers else { return text }
        var offerRows: [[String]] = []
        for item in sorted {
            for offer in item.lastUnusedOffers.sorted(by: { $0.hostname < $1.hostname }) {
                offerRows.append([item.id, offer.hostname, offer.agentID, offer.timestamp.map(Timestamp.display) ?? "-",
                                  offer.reasons.isEmpty ? "-" : offer.reasons.joined(separator: ", ")])
            }
        }
        text += "\nLast unused offer of each agent:\n"
        text += offerRows.isEmpty ? "None.\n"
            : Table(headers: ["POD", "HOST", "AGENT", "AT", "REASONS"], rows: offerRows).text
        return text
    }

    /// `InsufficientCpus 2/3, InsufficientMemory 1/1`, or `-` when nothing was declined.
    static func reasons(_ rejections: [QueueItem.Rejection]) -> String {
        guard !rejections.isEmpty else { return "-" }
        return rejections.map { "\($0.reason) \($0.declined)/\($0.processed)" }.joined(separator: ", ")
    }
}
