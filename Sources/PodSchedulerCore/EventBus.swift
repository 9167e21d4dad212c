import Foundation
import PodSpec
import Primitives
import Synchronization

/// One event of Marathon's event stream (`/v2/events`, docs/reference/marathon-pods-api.md §14): its type
/// (`pod_created_event`, `deployment_success`, …), its fields, and when it happened (the
/// REST layer adds `eventType` and `timestamp` when it writes the event).
public struct SchedulerEvent: Sendable, Equatable {
    public var type: String
    public var fields: JSONObject
    public var date: Date
    /// The pods the event is about (for who may see it); empty for events about none.
    public var podIDs: [PodId]

    public init(type: String, fields: JSONObject, date: Date = Date(), podIDs: [PodId] = []) {
        self.type = type
        self.fields = fields
        self.date = date
        self.podIDs = podIDs
    }
}

/// Fans scheduler events out to the event-stream subscribers. A subscriber that falls
/// behind by more than `bufferSize` events loses the oldest ones (Marathon drops slow
/// event-stream consumers too); publishing never waits.
public final class EventBus: Sendable {
    /// One subscriber's stream; `finish()` ends it (and unsubscribes).
    public struct Subscription: Sendable {
        public let id: UUID
        public let events: AsyncStream<SchedulerEvent>
        let continuation: AsyncStream<SchedulerEvent>.Continuation

        /// Ends the stream.
        public func finish() { continuation.finish() }

        /// Sends an event to this subscriber only (a keep-alive marker, say).
        public func yield(_ event: SchedulerEvent) { continuation.yield(event) }
    }

    private let subscribers = Mutex<[UUID: AsyncStream<SchedulerEvent>.Continuation]>([:])
    private let bufferSize: Int

    public init(bufferSize: Int = 1000) {
        self.bufferSize = bufferSize
    }

    /// A new subscription; it receives every event published from now on.
    public func subscribe() -> Subscription {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: SchedulerEvent.self, bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return Subscription(id: id, events: stream, continuation: continuation)
    }

    /// Sends an event to every subscriber. The event is built only when there is one: every
    /// task update publishes, and most of the time nobody listens.
    public func publish(_ event: @autoclosure () -> SchedulerEvent) {
        let targets = subscribers.withLock { Array($0.values) }
        guard !targets.isEmpty else { return }
        let built = event()
        for continuation in targets { continuation.yield(built) }
    }

    /// How many subscribers there are (for metrics and tests).
    public var subscriberCount: Int { subscribers.withLock { $0.count } }
}
