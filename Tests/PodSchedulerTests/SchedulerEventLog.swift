import AsyncHTTPClient
import MesosHTTP
import MesosProtocol

/// The events of one scheduler subscription, read in the background for as long as the test
/// keeps the subscription: the master ends a framework's subscription as soon as its
/// connection closes (as Mesos does), so a test that stopped reading after the first event
/// would disconnect its framework.
actor SchedulerEventLog {
    private(set) var events: [Mesos_V1_Scheduler_Event] = []
    private(set) var ended = false
    private var reader: Task<Void, Never>?

    /// Starts reading `stream` until it ends or `stop()`.
    static func reading(_ stream: EventStream<Mesos_V1_Scheduler_Event, HTTPClientResponse.Body>) async -> SchedulerEventLog {
        let log = SchedulerEventLog()
        await log.start(stream)
        return log
    }

    private func start(_ stream: EventStream<Mesos_V1_Scheduler_Event, HTTPClientResponse.Body>) {
        reader = Task {
            do {
                for try await item in stream {
                    if case .success(let event) = item { self.append(event) }
                }
            } catch {}
            self.end()
        }
    }

    private func append(_ event: Mesos_V1_Scheduler_Event) { events.append(event) }
    private func end() { ended = true }

    /// Stops reading (the connection stays with its HTTP client).
    func stop() { reader?.cancel() }

    /// The first `count` events, waiting for them up to `timeout`.
    func first(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [Mesos_V1_Scheduler_Event] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while events.count < count {
            guard ContinuousClock.now < deadline, !ended else { throw ClusterFailure("\(events.count) of \(count) events arrived") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return Array(events.prefix(count))
    }
}
