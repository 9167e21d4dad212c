import Foundation
import PodSpec

/// Marathon's launch queue (`/v2/queue`, docs/reference/mesos-cluster-operations.md §4): which
/// instances wait, for how long, for which backoff, and what the offers said.
extension Scheduler {
    public func queue(embedLastUnusedOffers: Bool) async -> [QueueItemSnapshot] {
        pruneOfferStatistics()
        struct Key: Hashable {
            var pod: PodId
            var role: String
        }
        var groups: [Key: (count: Int, since: Date)] = [:]
        for record in instances.values where record.isQueued && pods[record.podID] != nil {
            let since = record.queuedSince ?? record.since
            let key = Key(pod: record.podID, role: record.role)
            let current = groups[key]
            groups[key] = ((current?.count ?? 0) + 1, min(current?.since ?? since, since))
        }
        return groups.sorted { ($0.key.pod, $0.key.role) < ($1.key.pod, $1.key.role) }.compactMap { key, group in
            guard let pod = pods[key.pod] else { return nil }
            let offers = offerStatistics[key.pod]?.snapshot(withLastUnusedOffers: embedLastUnusedOffers)
                ?? ProcessedOffersSnapshot(lastUnusedOffers: embedLastUnusedOffers ? [] : nil)
            return QueueItemSnapshot(pod: pod, role: key.role, count: group.count, backoffUntil: delays[Self.delayKey(pod)]?.until,
                                     since: group.since, offers: offers, waitingForSecrets: secretWaits[key.pod])
        }
    }

    public func resetDelay(_ id: PodId) async -> Bool {
        guard let pod = pods[id], instances.values.contains(where: { $0.podID == id && $0.isScheduled }) else { return false }
        if delays.removeValue(forKey: Self.delayKey(pod)) != nil {
            logger.info("launch delay reset", metadata: ["pod.id": "\(id.absolute)"])
        }
        await updateOfferInterest()
        return true
    }

    /// Drops the offer statistics of pods whose launch attempt is over: none of their
    /// instances waits any more (Marathon's `LaunchFinished`).
    func pruneOfferStatistics() {
        guard !offerStatistics.isEmpty else { return }
        var waiting = Set<PodId>()
        for record in instances.values where record.isQueued { waiting.insert(record.podID) }
        for id in offerStatistics.keys where !waiting.contains(id) {
            offerStatistics.removeValue(forKey: id)
        }
    }

    /// An instance of `id` left the queue: its launch attempt ends with the pod's last one.
    func endLaunchAttemptIfDone(_ id: PodId) {
        guard offerStatistics[id] != nil,
              !instances.values.contains(where: { $0.podID == id && $0.isQueued }) else { return }
        offerStatistics.removeValue(forKey: id)
    }
}
