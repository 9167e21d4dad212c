/// Why an offer did not fit a pod instance: Marathon's `NoOfferMatchReason`s, declared in
/// the order of its reason funnel (`NoOfferMatchReason.reasonFunnel`). `/v2/queue` names
/// them by their raw values.
public enum NoOfferMatchReason: String, CaseIterable, Sendable, Hashable {
    /// No resource of the offer has a role the pod accepts.
    case unfulfilledRole = "UnfulfilledRole"
    /// A placement constraint is not met on the offer's agent.
    case unfulfilledConstraint = "UnfulfilledConstraint"
    /// A resident instance's reservation is not in the offer.
    case noCorrespondingReservationFound = "NoCorrespondingReservationFound"
    /// The agent is in a maintenance window.
    case agentMaintenance = "AgentMaintenance"
    /// Too few cpus (executor and containers) of the accepted roles.
    case insufficientCpus = "InsufficientCpus"
    /// Too little memory.
    case insufficientMemory = "InsufficientMemory"
    /// Too little disk.
    case insufficientDisk = "InsufficientDisk"
    /// Too few GPUs.
    case insufficientGpus = "InsufficientGpus"
    /// The host ports the endpoints ask for are not in the offer.
    case insufficientPorts = "InsufficientPorts"
    /// The offer has GPUs the pod does not need.
    case declinedScarceResources = "DeclinedScarceResources"

    /// The funnel: a rejected offer counts under the first of its reasons in this order.
    public static var funnel: [NoOfferMatchReason] { allCases }

    /// The reason a rejected offer counts under in the reject summaries (only one counts per
    /// offer): the first of `reasons` in funnel order, nil when there is none.
    public static func funnelReason(of reasons: [NoOfferMatchReason]) -> NoOfferMatchReason? {
        allCases.first(where: reasons.contains)
    }

    /// One step of a reject summary (Marathon's `DeclinedOfferStep`).
    public struct Step: Sendable, Equatable {
        /// The reason.
        public var reason: NoOfferMatchReason
        /// The offers that were declined for this reason (their first in funnel order).
        public var declined: Int
        /// The offers that reached this step of the funnel.
        public var processed: Int

        /// A step.
        public init(reason: NoOfferMatchReason, declined: Int, processed: Int) {
            self.reason = reason
            self.declined = declined
            self.processed = processed
        }
    }

    /// A reject summary as Marathon writes it (`QueueInfoConversion.declinedOfferSteps`):
    /// every reason in funnel order; the first step has processed `processed` offers, each
    /// later one what the step before it processed minus what it declined.
    public static func steps(processed: Int, declined: [NoOfferMatchReason: Int]) -> [Step] {
        var reaching = processed
        return allCases.map { reason in
            let count = declined[reason] ?? 0
            defer { reaching -= count }
            return Step(reason: reason, declined: count, processed: reaching)
        }
    }
}
