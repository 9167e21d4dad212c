import Foundation
import PodSpec

/// One entry of Marathon's launch queue (`GET /v2/queue`, docs/reference/mesos-cluster-operations.md §4): the instances of
/// one pod and role that wait for an offer or for their backoff, and what the offers of
/// the current launch attempt said.
public struct QueueItemSnapshot: Sendable {
    /// The pod's current definition.
    public var pod: PodDefinition
    /// The role of the listed instances.
    public var role: String
    /// Instances still scheduled or launched without any status update yet (provisioned).
    public var count: Int
    /// The end of the pod spec's launch backoff, nil when it has none.
    public var backoffUntil: Date?
    /// The earliest time one of the instances was queued.
    public var since: Date
    /// The offer statistics of the pod's launch attempt.
    public var offers: ProcessedOffersSnapshot
    /// Secrets the instances wait for (not a Marathon field: `/v2/queue` shows it beside
    /// Marathon's as `waitingForSecrets`).
    public var waitingForSecrets: SecretWait?

    public init(pod: PodDefinition, role: String, count: Int, backoffUntil: Date?, since: Date, offers: ProcessedOffersSnapshot,
                waitingForSecrets: SecretWait? = nil) {
        self.waitingForSecrets = waitingForSecrets
        self.pod = pod
        self.role = role
        self.count = count
        self.backoffUntil = backoffUntil
        self.since = since
        self.offers = offers
    }
}

/// `processedOffersSummary` (and `lastUnusedOffers`) of a queue item.
public struct ProcessedOffersSnapshot: Sendable {
    /// Offers evaluated since the launch attempt started.
    public var processedOffersCount: Int
    /// How many of them did not fit.
    public var unusedOffersCount: Int
    public var lastUnusedOfferAt: Date?
    public var lastUsedOfferAt: Date?
    /// The number of agents whose last offer did not fit (`processed` of the first step
    /// of `rejectSummaryLastOffers`).
    public var lastOffersCount: Int
    /// Declined offers by reason (the first in funnel order) over the last unmatched offer
    /// of each agent.
    public var rejectSummaryLastOffers: [NoOfferMatchReason: Int]
    /// The same over every offer of the launch attempt.
    public var rejectSummaryLaunchAttempt: [NoOfferMatchReason: Int]
    /// The last unmatched offer of each agent, oldest first; nil unless asked for.
    public var lastUnusedOffers: [UnusedOfferSnapshot]?

    public init(processedOffersCount: Int = 0, unusedOffersCount: Int = 0, lastUnusedOfferAt: Date? = nil,
                lastUsedOfferAt: Date? = nil, lastOffersCount: Int = 0, rejectSummaryLastOffers: [NoOfferMatchReason: Int] = [:],
                rejectSummaryLaunchAttempt: [NoOfferMatchReason: Int] = [:], lastUnusedOffers: [UnusedOfferSnapshot]? = nil) {
        self.processedOffersCount = processedOffersCount
        self.unusedOffersCount = unusedOffersCount
        self.lastUnusedOfferAt = lastUnusedOfferAt
        self.lastUsedOfferAt = lastUsedOfferAt
        self.lastOffersCount = lastOffersCount
        self.rejectSummaryLastOffers = rejectSummaryLastOffers
        self.rejectSummaryLaunchAttempt = rejectSummaryLaunchAttempt
        self.lastUnusedOffers = lastUnusedOffers
    }
}

/// An offer that did not fit, with every reason that applied.
public struct UnusedOfferSnapshot: Sendable, Equatable {
    public var offer: OfferSnapshot
    public var reasons: [NoOfferMatchReason]
    /// When it was evaluated.
    public var timestamp: Date

    public init(offer: OfferSnapshot, reasons: [NoOfferMatchReason], timestamp: Date) {
        self.offer = offer
        self.reasons = reasons
        self.timestamp = timestamp
    }
}

/// An offer as `/v2/queue` shows it (Marathon's `Offer` RAML type).
public struct OfferSnapshot: Sendable, Equatable {
    /// `{begin, end}` as the offer has it (not checked: an offer is shown as it came).
    public struct NumberRange: Sendable, Equatable {
        public var begin: UInt64
        public var end: UInt64

        public init(begin: UInt64, end: UInt64) {
            self.begin = begin
            self.end = end
        }
    }

    /// A resource or attribute value.
    public enum Value: Sendable, Equatable {
        case scalar(Double)
        case ranges([NumberRange])
        case set([String])
        case text(String)
        case none
    }

    public struct Resource: Sendable, Equatable {
        public var name: String
        /// The (pre-refinement) role of the resource, `*` when unreserved.
        public var role: String
        public var value: Value

        public init(name: String, role: String, value: Value) {
            self.name = name
            self.role = role
            self.value = value
        }
    }

    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: Value

        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }

    public var id: String
    public var hostname: String
    public var agentID: String
    public var resources: [Resource]
    public var attributes: [Attribute]

    public init(id: String, hostname: String, agentID: String, resources: [Resource], attributes: [Attribute]) {
        self.id = id
        self.hostname = hostname
        self.agentID = agentID
        self.resources = resources
        self.attributes = attributes
    }
}
