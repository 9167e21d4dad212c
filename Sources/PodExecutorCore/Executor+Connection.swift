import Foundation
import MesosHTTP
import MesosProtocol

extension Executor {
    /// Subscribes and reads events until the stream ends, then (for a checkpointing
    /// framework) reconnects with the library's uniform random backoff in
    /// [0, MESOS_SUBSCRIPTION_BACKOFF_MAX]. Before the first SUBSCRIBED it retries every
    /// second, as the reference library does while the agent starts up.
    func connectionLoop(afterDisconnect: Bool = false) async {
        var everSubscribed = afterDisconnect || machine.subscribedInfo != nil
        let initialDeadline = ContinuousClock.now.advanced(by: .seconds(120))
        var first = true
        while !Task.isCancelled {
            if !first {
                let pause: Duration
                if everSubscribed {
                    let maxNanos = max(Int64(1), Self.nanoseconds(configuration.subscriptionBackoffMax))
                    pause = .nanoseconds(Int64.random(in: 0...maxNanos))
                } else {
                    pause = .seconds(1)
                }
                do { try await Task.sleep(for: pause) } catch { return }
            }
            first = false
            let subscribe = machine.subscribeCall()
            do {
                let stream = try await client.subscribe(subscribe)
                var gotSubscribed = false
                for try await item in stream {
                    switch item {
                    case .success(let event):
                        if event.type == .subscribed { gotSubscribed = true; everSubscribed = true }
                        if let e = translate(event) { eventSink.yield(e) }
                    case .failure(let error):
                        logger.warning("undecodable event ignored", metadata: ["error": "\(error)"])
                    }
                }
                if Task.isCancelled { return }
                if gotSubscribed || everSubscribed {
                    eventSink.yield(.disconnected(reason: "the agent closed the event stream"))
                }
            } catch {
                if Task.isCancelled { return }
                if everSubscribed {
                    eventSink.yield(.disconnected(reason: "\(error)"))
                } else {
                    logger.info("subscription attempt failed; retrying", metadata: ["error": "\(error)"])
                    if ContinuousClock.now > initialDeadline {
                        logger.error("could not subscribe to the agent; giving up", metadata: ["mesos.agent": "\(configuration.agentEndpoint)"])
                        eventSink.yield(.shutdown)
                        eventSink.yield(.timerFired(.shutdownGrace))
                        return
                    }
                    continue
                }
            }
            // Without checkpointing the agent will not take us back: the state machine exits.
            if !configuration.checkpoint { return }
        }
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }

    /// Maps an agent event to a state-machine event; logs and drops what it cannot use.
    func translate(_ event: Mesos_V1_Executor_Event) -> Event? {
        switch event.type {
        case .subscribed:
            guard event.hasSubscribed else { break }
            return .subscribed(event.subscribed)
        case .launch:
            guard event.hasLaunch else { break }
            return .launch(event.launch.task)
        case .launchGroup:
            guard event.hasLaunchGroup else { break }
            return .launchGroup(event.launchGroup.taskGroup.tasks)
        case .kill:
            guard event.hasKill else { break }
            return .kill(event.kill.taskID, event.kill.hasKillPolicy ? event.kill.killPolicy : nil)
        case .acknowledged:
            guard event.hasAcknowledged else { break }
            return .acknowledged(event.acknowledged.taskID, uuid: Array(event.acknowledged.uuid))
        case .message:
            return .message(Array(event.message.data))
        case .error:
            return .error(event.error.message)
        case .shutdown:
            return .shutdown
        case .heartbeat:
            logger.debug("heartbeat from the agent")
            return nil
        case .unknown:
            logger.warning("event of unknown type ignored")
            return nil
        }
        logger.warning("event without its payload ignored", metadata: ["mesos.event": "\(event.type)"])
        return nil
    }
}
