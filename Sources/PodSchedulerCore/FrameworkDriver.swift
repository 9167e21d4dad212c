import Foundation
import Logging
import MesosHTTP
import MesosProtocol
import Synchronization

/// Receives what the framework's subscription delivers.
protocol FrameworkEventHandler: AnyObject, Sendable {
    /// SUBSCRIBED: the framework id must be stored durably before anything is launched.
    func subscribed(frameworkID: String, reconnect: Bool) async
    func disconnected() async
    func handle(_ event: Mesos_V1_Scheduler_Event) async
    /// The master gave the framework to another scheduler (`Framework failed over`): the
    /// driver stopped for good.
    func frameworkTakenOver() async
}

/// The framework's connection to the Mesos master: SUBSCRIBE (with the stored framework
/// id on re-subscription), read events, detect a dead stream by missing heartbeats
/// (5 × the interval, docs/reference/mesos-executor-protocol.md §4.3), and re-subscribe with
/// exponential backoff. With a `MasterLocator` (`--master zk://…`) it subscribes to the leader
/// the locator reports, waits while there is none, and re-subscribes as soon as the leader
/// changes (`FrameworkDriver+Leader.swift`).
actor FrameworkDriver {
    struct Connection {
        var streamID: String
        var leader: MesosEndpoint
        var frameworkID: String
        /// The master's own description, from SUBSCRIBED.
        var masterInfo: Mesos_V1_MasterInfo?
    }

    let client: SchedulerMasterClient
    /// The detected leader (nil: the client's fixed list of masters).
    let leaders: MasterLeaderTracker?
    private var frameworkInfo: Mesos_V1_FrameworkInfo
    private var frameworkID: String?
    private weak var handler: (any FrameworkEventHandler)?
    let logger: Logger
    private(set) var connection: Connection?
    private var loop: Task<Void, Never>?
    private var stopped = false
    /// With several scheduler instances: the leader's gate. Nothing is sent to the master while
    /// it is closed, and nothing at all once it was revoked.
    let gate: LeadershipGate?

    init(client: SchedulerMasterClient, locator: (any MasterLocator)? = nil, frameworkInfo: Mesos_V1_FrameworkInfo,
         frameworkID: String?, logger: Logger, gate: LeadershipGate? = nil) {
        self.client = client
        leaders = locator == nil ? nil : MasterLeaderTracker()
        self.frameworkInfo = frameworkInfo
        self.frameworkID = frameworkID
        self.logger = logger
        self.gate = gate
    }

    func start(handler: any FrameworkEventHandler, locator: (any MasterLocator)? = nil) async {
        self.handler = handler
        if let locator { await leaders?.start(locator) }
        loop = Task { await self.run() }
    }

    func stop() async {
        stopped = true
        loop?.cancel()
        await leaders?.stop()
        if let c = connection {
            // Marathon leaves the framework registered on shutdown (failover timeout).
            logger.info("leaving the master", metadata: ["mesos.framework_id": "\(c.frameworkID)"])
        }
        connection = nil
    }

    var isSubscribed: Bool { connection != nil }
    var currentFrameworkID: String? { frameworkID }

    private func run() async {
        var backoff = Duration.milliseconds(500)
        var everSubscribed = false
        while !Task.isCancelled && !stopped {
            var call = Mesos_V1_Scheduler_Call()
            call.type = .subscribe
            var info = frameworkInfo
            if let frameworkID {
                info.id = Mesos_V1_FrameworkID(frameworkID)
                call.frameworkID = Mesos_V1_FrameworkID(frameworkID)
            }
            call.subscribe.frameworkInfo = info
            guard let target = await nextTarget() else { return }
            // After the (possibly long) wait for a master: a leader that lost its confirmation
            // meanwhile must not subscribe.
            if let gate {
                do { try await gate.wait() } catch { return }
            }
            do {
                let subscription = try await subscribe(call, to: target)
                let ended = await read(subscription, reconnect: everSubscribed, target: target)
                if ended.subscribed {
                    everSubscribed = true
                    backoff = .milliseconds(500)
                }
                if ended.fatal {
                    await handler?.frameworkTakenOver()
                    return
                }
                logger.warning("subscription to the master ended; re-subscribing", metadata: ["reason": "\(ended.reason)"])
            } catch let error as MesosHTTPError where error.isRefusal {
                // 401 (credentials missing or wrong) or 400 (principal mismatch): only an
                // operator can fix it, but a master may change its mind, so keep trying.
                logger.error("the master refused the subscription", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
            } catch {
                logger.warning("cannot subscribe to the master", metadata: ["error": "\(error)"])
            }
            if connection != nil {
                connection = nil
                await handler?.disconnected()
            }
            if await pause(backoff, target: target) {
                backoff = .milliseconds(500)  // A new leader: subscribe to it at once.
            } else {
                backoff = min(backoff * 2, .seconds(15))
            }
        }
    }

    private struct Ending {
        var subscribed: Bool
        var fatal: Bool
        var reason: String
    }

    /// When the stream last delivered something, and the heartbeat interval the master
    /// announced: written by the reading task, read by the watchdog.
    private final class StreamLiveness: Sendable {
        private struct State {
            var last = ContinuousClock.now
            var interval: Duration = .seconds(15)
        }
        private let state = Mutex(State())

        func heard() { state.withLock { $0.last = ContinuousClock.now } }
        func setInterval(_ interval: Duration) { state.withLock { $0.interval = interval } }
        /// No event for five heartbeat intervals (docs/reference/mesos-executor-protocol.md §4.3).
        var isSilent: Bool { state.withLock { ContinuousClock.now - $0.last > $0.interval * 5 } }
    }

    private func read(_ subscription: SchedulerMasterClient.Subscription, reconnect: Bool, target: MasterTarget) async -> Ending {
        let liveness = StreamLiveness()
        var ending = Ending(subscribed: false, fatal: false, reason: "the master closed the stream")
        let watchdog = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if liveness.isSilent { return true }
            }
            return false
        }
        let reader = Task { () -> Ending in
            var local = Ending(subscribed: false, fatal: false, reason: "the master closed the stream")
            do {
                for try await item in subscription.events {
                    liveness.heard()
                    guard case .success(let event) = item else {
                        self.logger.warning("undecodable event from the master ignored")
                        continue
                    }
                    switch event.type {
                    case .subscribed:
                        let id = event.subscribed.frameworkID.value
                        if event.subscribed.hasHeartbeatIntervalSeconds, event.subscribed.heartbeatIntervalSeconds > 0 {
                            liveness.setInterval(.milliseconds(Int64(event.subscribed.heartbeatIntervalSeconds * 1000)))
                        }
                        let master = event.subscribed.hasMasterInfo ? event.subscribed.masterInfo : nil
                        self.setConnection(Connection(streamID: subscription.streamID, leader: subscription.leader,
                                                      frameworkID: id, masterInfo: master))
                        local.subscribed = true
                        await self.handler?.subscribed(frameworkID: id, reconnect: reconnect)
                    case .error:
                        let message = event.error.message
                        var metadata: Logger.Metadata = ["message": "\(message)", "mesos.master": "\(subscription.leader)"]
                        if message.hasPrefix("Changing framework's principal") {
                            metadata["hint"] = "the framework id is registered with another principal; keep the principal it was registered with"
                        }
                        self.logger.error("master sent ERROR", metadata: metadata)
                        if message.contains("removed") {
                            // The framework is gone (teardown or failover timeout): start over.
                            self.forgetFrameworkID()
                        } else if message.contains("failed over") {
                            local.fatal = true
                            local.reason = "another scheduler took over the framework"
                        }
                        local.reason = message
                        return local
                    case .heartbeat:
                        continue
                    default:
                        await self.handler?.handle(event)
                    }
                }
            } catch {
                local.reason = "\(error)"
            }
            return local
        }
        // Whichever ends first: the stream, the heartbeat watchdog, or the detected leader.
        // A driver that is stopped (its loop cancelled) closes the stream at once: the race's
        // tasks are cancelled with it and cancel the reader.
        let end = await race(reader: reader, watchdog: watchdog, target: target)
        watchdog.cancel()
        switch end {
        case .streamEnded: break
        case .heartbeatsMissed: ending.reason = "no heartbeat for 5 intervals"
        case .leaderChanged: ending.reason = "the leading master changed"
        }
        let result = await reader.value
        ending.subscribed = result.subscribed
        ending.fatal = result.fatal
        if end == .streamEnded { ending.reason = result.reason }
        return ending
    }

    private func setConnection(_ c: Connection) {
        connection = c
        frameworkID = c.frameworkID
    }

    private func forgetFrameworkID() {
        frameworkID = nil
    }

    /// Sends a call on the current subscription; throws when not subscribed.
    func send(_ call: Mesos_V1_Scheduler_Call) async throws {
        if let gate { try await gate.wait() }
        guard let c = connection else { throw MesosHTTPError(.transport, "not subscribed to a master") }
        var call = call
        call.frameworkID = Mesos_V1_FrameworkID(c.frameworkID)
        do {
            try await client.send(call, streamID: c.streamID, leader: c.leader)
        } catch let error as MesosHTTPError {
            if case .status(403) = error.kind { connection = nil }
            throw error
        }
    }
}
