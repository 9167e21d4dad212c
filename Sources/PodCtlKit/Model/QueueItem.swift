import Primitives

/// One entry of the launch queue from `GET /v2/queue` (Marathon's `QueuePod`, or
/// `QueueApp` from a Marathon that also runs apps): instances that wait for an offer or
/// for their backoff, and why the offers did not fit.
public struct QueueItem: Sendable, Equatable {
    /// One step of a reject summary: offers declined for `reason` (their first reason)
    /// among those that reached it.
    public struct Rejection: Sendable, Equatable {
        public var reason: String
        public var declined: Int
        public var processed: Int
    }

    /// An agent's last offer that did not fit.
    public struct UnusedOffer: Sendable, Equatable {
        public var hostname: String
        public var agentID: String
        public var reasons: [String]
        public var timestamp: String?
    }

    /// The document as the server sent it.
    public let json: JSONValue
    /// The pod (or app) id.
    public let id: String

    /// Reads a queue item; it needs the `id` of its `pod` (or `app`).
    public init(json: JSONValue) throws(DocumentError) {
        self.json = json
        guard let id = (json["pod"] ?? json["app"])?["id"]?.stringValue else {
            throw DocumentError(reason: "queue item without a pod or app id")
        }
        self.id = id
    }

    /// Instances still to launch.
    public var count: Int { json["count"]?.intValue ?? 0 }

    /// The role of those instances.
    public var role: String { json["role"]?.stringValue ?? "*" }

    /// Seconds of launch backoff left when the pod is backing off; nil when it waits for
    /// offers (`delay.overdue`).
    public var backoffLeft: Int? {
        guard json["delay"]?["overdue"]?.boolValue == false else { return nil }
        return json["delay"]?["timeLeftSeconds"]?.intValue ?? 0
    }

    /// The secrets the instances wait for and why (pod-scheduler's `waitingForSecrets`,
    /// beside Marathon's fields); nil when they wait for none.
    public var secretsMessage: String? { json["waitingForSecrets"]?["message"]?.stringValue }

    /// When the first of the instances was queued (the server's timestamp text).
    public var since: String? { json["since"]?.stringValue }

    private var summary: JSONValue? { json["processedOffersSummary"] }

    /// Offers evaluated in this launch attempt, and how many did not fit.
    public var processedOffers: Int { summary?["processedOffersCount"]?.intValue ?? 0 }
    public var unusedOffers: Int { summary?["unusedOffersCount"]?.intValue ?? 0 }
    public var lastUnusedOfferAt: String? { summary?["lastUnusedOfferAt"]?.stringValue }

    /// The reject summary over the last unmatched offer of each agent, reasons that
    /// declined nothing left out.
    public var lastOfferRejections: [Rejection] { rejections("rejectSummaryLastOffers") }

    /// The reject summary over every offer of the launch attempt, likewise.
    public var launchAttemptRejections: [Rejection] { rejections("rejectSummaryLaunchAttempt") }

    /// `lastUnusedOffers` (present when asked for with `embed=lastUnusedOffers`).
    public var lastUnusedOffers: [UnusedOffer] {
        (json["lastUnusedOffers"]?.arrayValue ?? []).map { entry in
            UnusedOffer(hostname: entry["offer"]?["hostname"]?.stringValue ?? "?",
                        agentID: entry["offer"]?["agentId"]?.stringValue ?? "?",
                        reasons: entry.strings("reason"), timestamp: entry["timestamp"]?.stringValue)
        }
    }

    private func rejections(_ key: String) -> [Rejection] {
        (summary?[key]?.arrayValue ?? []).compactMap { step in
            guard let reason = step["reason"]?.stringValue, let declined = step["declined"]?.intValue, declined > 0 else { return nil }
            return Rejection(reason: reason, declined: declined, processed: step["processed"]?.intValue ?? 0)
        }
    }
}
