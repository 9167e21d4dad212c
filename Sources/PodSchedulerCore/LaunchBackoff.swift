import Foundation
import PodSpec

/// Marathon's launch backoff as arithmetic (docs/reference/marathon-pods-api.md §11.5): after
/// the n-th consecutive failure the next launch waits `backoff × backoffFactor^(n−1)` seconds,
/// at most `maxLaunchDelay`; a delay that ended more than `maxLaunchDelay` ago is dropped.
/// The `Scheduler` keeps one per pod spec version (`Scheduler.delayKey`).
enum LaunchBackoff {
    /// The delay after `failures` consecutive failures (1 for the first).
    static func delay(afterFailures failures: Int, _ policy: PodSchedulingPolicy.Backoff) -> TimeInterval {
        min(policy.maxLaunchDelay, policy.backoff * pow(policy.backoffFactor, Double(max(failures, 1) - 1)))
    }

    /// The backoff after one more failure, from the current one (nil: none yet).
    static func failed(after current: (failures: Int, until: Date)?, _ policy: PodSchedulingPolicy.Backoff,
                       now: Date) -> (failures: Int, until: Date) {
        let failures = (current?.failures ?? 0) + 1
        return (failures, now.addingTimeInterval(delay(afterFailures: failures, policy)))
    }

    /// Whether a delay that holds launches until `until` is stale: ended more than
    /// `maxLaunchDelay` ago, so that it is dropped (the next failure starts over).
    static func isStale(until: Date, _ policy: PodSchedulingPolicy.Backoff, now: Date) -> Bool {
        now.timeIntervalSince(until) > policy.maxLaunchDelay
    }
}
