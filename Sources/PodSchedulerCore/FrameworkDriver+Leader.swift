import Foundation
import Logging
import MesosHTTP
import MesosProtocol

/// Which master a SUBSCRIBE goes to.
enum MasterTarget: Sendable {
    /// The client's fixed list, tried in turn, 307s followed.
    case fixed
    /// The leader the locator reported, as of `generation`.
    case leader(LeadingMaster, generation: Int)
}

/// How a subscription's reading ended.
enum SubscriptionEnd: Sendable, Equatable {
    case streamEnded
    case heartbeatsMissed
    case leaderChanged
}

extension FrameworkDriver {
    /// The master to subscribe to: the fixed list, or the detected leader, waited for while
    /// none is known (no retries meanwhile). Nil when the driver stops while waiting.
    func nextTarget() async -> MasterTarget? {
        guard let leaders else { return .fixed }
        if await leaders.leader == nil {
            logger.info("waiting for a leading master to be detected")
        }
        guard let (leader, generation) = await leaders.waitForLeader() else { return nil }
        return .leader(leader, generation: generation)
    }

    /// SUBSCRIBE: to the fixed list (following redirects), or to the detected leader alone.
    /// A detected master that answers 307 or 503 is not followed: the error is thrown and the
    /// driver waits for the detector, as Mesos' scheduler library does.
    func subscribe(_ call: Mesos_V1_Scheduler_Call, to target: MasterTarget) async throws -> SchedulerMasterClient.Subscription {
        switch target {
        case .fixed:
            return try await client.subscribe(call)
        case .leader(let leader, _):
            logger.info("subscribing to the leading master", metadata: ["mesos.master": "\(leader)"])
            return try await client.subscribe(call, to: leader.endpoint)
        }
    }

    /// Waits `backoff` before the next SUBSCRIBE, or less when the detected leader changes
    /// first. Returns whether it changed (the next SUBSCRIBE goes to the new leader at once).
    func pause(_ backoff: Duration, target: MasterTarget) async -> Bool {
        guard case .leader(_, let seen) = target, let leaders else {
            try? await Task.sleep(for: backoff)
            return false
        }
        if await leaders.generation != seen { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await leaders.waitForChange(after: seen)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: backoff)
                return false
            }
            let changed = await group.next() ?? false
            group.cancelAll()
            return changed
        }
    }

    /// Reads until the stream ends, the watchdog finds heartbeats missing (it returns true),
    /// or the detected leader changes; the reader is cancelled when it did not end first.
    /// Awaiting a Task's value ignores cancellation: without
    /// the handlers a stream that ended (a master that stopped or was killed) was only
    /// noticed by the watchdog, five heartbeat intervals later.
    func race<T: Sendable>(reader: Task<T, Never>, watchdog: Task<Bool, Never>, target: MasterTarget) async -> SubscriptionEnd {
        let leaders = self.leaders
        return await withTaskGroup(of: SubscriptionEnd?.self) { group in
            group.addTask {
                let missed = await withTaskCancellationHandler { await watchdog.value } onCancel: { watchdog.cancel() }
                return missed ? .heartbeatsMissed : nil
            }
            group.addTask {
                // Cancelled when another end came first: the reader stops too.
                _ = await withTaskCancellationHandler { await reader.value } onCancel: { reader.cancel() }
                return .streamEnded
            }
            if case .leader(_, let seen) = target, let leaders {
                group.addTask {
                    await leaders.waitForChange(after: seen)
                    return Task.isCancelled ? nil : .leaderChanged
                }
            }
            var end: SubscriptionEnd?
            while end == nil, let next = await group.next() { end = next }
            group.cancelAll()
            return end ?? .streamEnded
        }
    }

    /// The leading master's base URL, as Marathon shows it (`mesos_leader_ui_url`): the
    /// host name and port of the MasterInfo that came with SUBSCRIBED, else the endpoint
    /// subscribed to. Nil while not subscribed.
    var leaderURL: String? {
        guard let connection else { return nil }
        let scheme = connection.leader.scheme
        if let info = connection.masterInfo {
            let host = [info.hostname, info.address.hostname, info.address.ip].first { !$0.isEmpty }
            let port = info.hasPort ? Int(info.port) : Int(info.address.port)
            if let host, port > 0 { return "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)/" }
        }
        return connection.leader.url("/")
    }
}
