import Foundation
import PodSchedulerCore
import PodSpec
import Primitives

/// The documents of Marathon's `/v2/queue` (docs/reference/mesos-cluster-operations.md §4; `QueueInfoConversion`,
/// `OfferConversion` and the `queue`/`offer` RAML types).
enum QueueDocument {
    /// `{"queue": [QueuePod…]}`.
    static func render(_ items: [QueueItemSnapshot], now: Date) -> JSONValue {
        ["queue": .array(items.map { item($0, now: now) })]
    }

    /// One `QueuePod`; `lastUnusedOffers` only when the snapshot carries them (embed).
    static func item(_ item: QueueItemSnapshot, now: Date) -> JSONValue {
        var object = JSONObject()
        object["pod"] = item.pod.renderJSONValue()
        object["count"] = .int(item.count)
        object["role"] = .string(item.role)
        object["delay"] = delay(until: item.backoffUntil, now: now)
        object["since"] = .string(MarathonTimestamp.version(item.since))
        object["processedOffersSummary"] = summary(item.offers)
        if let unused = item.offers.lastUnusedOffers {
            object["lastUnusedOffers"] = .array(unused.map(unusedOffer))
        }
        // Ours, beside Marathon's fields: the secrets the instances wait for (no values).
        if let wait = item.waitingForSecrets {
            object["waitingForSecrets"] = ["secrets": .array(wait.secrets.map(JSONValue.string)), "message": .string(wait.message)]
        }
        return .object(object)
    }

    /// `QueueDelay`, as `LaunchStats.queueDelay` computes it: the time to the backoff
    /// deadline in whole seconds (truncated toward zero, like Scala's `toSeconds`), never
    /// below 0; `overdue` when there is no backoff or that time is negative, so a backoff
    /// counts as overdue only a second after it ended.
    static func delay(until: Date?, now: Date) -> JSONValue {
        guard let until else { return ["timeLeftSeconds": 0, "overdue": true] }
        let milliseconds = (until.timeIntervalSince(now) * 1000).rounded(.towardZero)
        let seconds = Int(max(min(milliseconds, 9e15), -9e15)) / 1000
        return ["timeLeftSeconds": .int(max(0, seconds)), "overdue": .bool(seconds < 0)]
    }

    static func summary(_ offers: ProcessedOffersSnapshot) -> JSONValue {
        var object = JSONObject()
        object["processedOffersCount"] = .int(offers.processedOffersCount)
        object["unusedOffersCount"] = .int(offers.unusedOffersCount)
        if let at = offers.lastUnusedOfferAt { object["lastUnusedOfferAt"] = .string(MarathonTimestamp.version(at)) }
        if let at = offers.lastUsedOfferAt { object["lastUsedOfferAt"] = .string(MarathonTimestamp.version(at)) }
        object["rejectSummaryLastOffers"] = steps(processed: offers.lastOffersCount, declined: offers.rejectSummaryLastOffers)
        object["rejectSummaryLaunchAttempt"] = steps(processed: offers.processedOffersCount,
                                                     declined: offers.rejectSummaryLaunchAttempt)
        return .object(object)
    }

    /// Every reason in funnel order with its `declined` and `processed` counts.
    static func steps(processed: Int, declined: [NoOfferMatchReason: Int]) -> JSONValue {
        .array(NoOfferMatchReason.steps(processed: processed, declined: declined).map { step in
            ["reason": .string(step.reason.rawValue), "declined": .int(step.declined), "processed": .int(step.processed)]
        })
    }

    static func unusedOffer(_ unused: UnusedOfferSnapshot) -> JSONValue {
        var object = JSONObject()
        object["offer"] = offer(unused.offer)
        object["reason"] = .array(unused.reasons.map { .string($0.rawValue) })
        object["timestamp"] = .string(MarathonTimestamp.version(unused.timestamp))
        return .object(object)
    }

    /// Marathon's `Offer`: resources with their role and a `scalar`, `ranges` or `set`;
    /// attributes with a `text`, `scalar`, `ranges` or `set`.
    static func offer(_ offer: OfferSnapshot) -> JSONValue {
        var object = JSONObject()
        object["id"] = .string(offer.id)
        object["agentId"] = .string(offer.agentID)
        object["hostname"] = .string(offer.hostname)
        object["resources"] = .array(offer.resources.map { resource in
            var r = JSONObject()
            r["name"] = .string(resource.name)
            r["role"] = .string(resource.role)
            add(resource.value, to: &r)
            return .object(r)
        })
        object["attributes"] = .array(offer.attributes.map { attribute in
            var a = JSONObject()
            a["name"] = .string(attribute.name)
            add(attribute.value, to: &a)
            return .object(a)
        })
        return .object(object)
    }

    private static func add(_ value: OfferSnapshot.Value, to object: inout JSONObject) {
        switch value {
        case .scalar(let number): object["scalar"] = .double(number)
        case .ranges(let ranges):
            object["ranges"] = .array(ranges.map { range in
                ["begin": .number(JSONNumber(Int64(clamping: range.begin))), "end": .number(JSONNumber(Int64(clamping: range.end)))]
            })
        case .set(let items): object["set"] = .array(items.map(JSONValue.string))
        case .text(let text): object["text"] = .string(text)
        case .none: break
        }
    }
}
