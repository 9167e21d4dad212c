import Foundation
import MesosProtocol
import NIOCore
import SwiftProtobuf

/// An HTTP answer of the embedded agent or master: plain text errors as Mesos sends
/// them (`text/plain; charset=utf-8`), 202s with no body, or a RecordIO event stream.
public struct MesosHTTPAnswer: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// For 200 SUBSCRIBE answers: the chunks of the event stream.
    public var stream: AsyncStream<ByteBuffer>?
    /// Called when the stream's connection is gone (the client closed it or a write
    /// failed), so the master can mark the framework disconnected.
    public var onClose: (@Sendable () async -> Void)?

    public init(status: Int, headers: [(String, String)], body: [UInt8], stream: AsyncStream<ByteBuffer>?,
                onClose: (@Sendable () async -> Void)? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
        self.onClose = onClose
    }

    static func text(_ status: Int, _ message: String, headers: [(String, String)] = []) -> MesosHTTPAnswer {
        MesosHTTPAnswer(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers,
                        body: Array(message.utf8), stream: nil)
    }

    static let accepted = MesosHTTPAnswer(status: 202, headers: [], body: [], stream: nil)
}

extension LocalAgent {
    /// Handles one request to `/api/v1/executor` with the agent's checks and status codes
    /// (docs/reference/mesos-executor-protocol.md §1.7, fixtures/mesos-1.12/agent-errors.json).
    public func executorAPI(method: String, contentType: String?, accept: String?, body: [UInt8]) async -> MesosHTTPAnswer {
        guard method == "POST" else {
            return .text(405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '\(method)'.", headers: [("Allow", "POST")])
        }
        guard let contentType else { return .text(400, "Expecting 'Content-Type' to be present") }
        guard let encoding = MesosEncoding(mediaType: contentType) else {
            return .text(415, "Expecting 'Content-Type' of application/json or application/x-protobuf")
        }
        let call: Mesos_V1_Executor_Call
        switch MesosCallParser.parse(Mesos_V1_Executor_Call.self, encoding: encoding, body: body) {
        case .success(let c): call = c
        case .failure(let message): return .text(400, message)
        }
        guard call.hasType else {
            return .text(400, "Failed to validate Executor::Call: Expecting 'type' to be present")
        }
        if call.type == .unknown { return .text(501, "Received 'UNKNOWN' call") }
        if call.type == .heartbeat { return .accepted }

        let key = ExecutorKey(frameworkID: call.frameworkID.value, executorID: call.executorID.value)
        guard executors.keys.contains(where: { $0.frameworkID == key.frameworkID }) else {
            return .text(400, "Framework cannot be found")
        }
        guard let record = executors[key], record.phase != .terminated else {
            return .text(400, "Executor cannot be found")
        }
        switch call.type {
        case .subscribe:
            guard call.hasSubscribe else {
                return .text(400, "Failed to validate Executor::Call: Expecting 'subscribe' to be present")
            }
            guard let streamEncoding = MesosEncoding.negotiate(accept: accept) else {
                return .text(406, "Expecting 'Accept' to allow application/json or application/x-protobuf")
            }
            return await subscribe(key, call.subscribe, encoding: streamEncoding)
        case .update:
            guard record.subscription != nil else { return .text(403, "Executor is not subscribed") }
            if let problem = validate(update: call, key: key) { return .text(400, "Failed to validate Executor::Call: " + problem) }
            let update = call.update
            Task { await self.accept(update: update, from: key) }
            return .accepted
        case .message:
            guard record.subscription != nil else { return .text(403, "Executor is not subscribed") }
            guard call.hasMessage else { return .text(400, "Failed to validate Executor::Call: Expecting 'message' to be present") }
            let data = Array(call.message.data)
            let link = self.link
            let agentID = self.agentID
            Task { await link?.executorMessage(frameworkID: key.frameworkID, executorID: key.executorID, agentID: agentID, data: data) }
            return .accepted
        default:
            return .text(400, "Failed to validate Executor::Call: Expecting 'type' to be present")
        }
    }

    private func validate(update call: Mesos_V1_Executor_Call, key: ExecutorKey) -> String? {
        guard call.hasUpdate else { return "Expecting 'update' to be present" }
        let status = call.update.status
        guard status.hasUuid else { return "Expecting 'uuid' to be present" }
        guard MesosUUID.isValid(status.uuid) else { return "Not a valid UUID" }
        guard status.hasSource, status.source == .executor else {
            return "Received Call from executor \(key.executorID) of framework \(key.frameworkID) with invalid source, expecting 'SOURCE_EXECUTOR'"
        }
        guard status.state != .taskStaging else {
            return "Received TASK_STAGING from executor \(key.executorID) of framework \(key.frameworkID) which is not allowed"
        }
        if status.hasExecutorID && status.executorID.value != key.executorID {
            return "ExecutorID in Call: \(key.executorID) does not match ExecutorID in TaskStatus: \(status.executorID.value)"
        }
        return nil
    }

    /// A (re-)subscription: replaces any previous stream, sends SUBSCRIBED, processes the
    /// resent updates and tasks, then delivers queued task groups and pending events.
    private func subscribe(_ key: ExecutorKey, _ subscribe: Mesos_V1_Executor_Call.Subscribe, encoding: MesosEncoding) async -> MesosHTTPAnswer {
        guard var record = executors[key] else { return .text(400, "Executor cannot be found") }
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let subscription = Subscription(encoding: encoding, continuation: continuation)
        record.subscription?.continuation.finish()
        record.subscription = subscription
        record.timer?.cancel()
        record.timer = nil
        let headers = [("Content-Type", encoding.mediaType)]
        if record.phase == .terminating || terminatingFrameworks.contains(key.frameworkID) {
            executors[key] = record
            var shutdown = Mesos_V1_Executor_Event()
            shutdown.type = .shutdown
            send(shutdown, to: key)
            continuation.finish()
            return MesosHTTPAnswer(status: 200, headers: headers, body: [], stream: stream)
        }
        let firstSubscription = record.phase == .registering
        record.phase = .running
        executors[key] = record
        logger.info("executor subscribed", metadata: ["mesos.executor_id": "\(key.executorID)", "first": "\(firstSubscription)",
                                                      "mesos.unacknowledged_updates": "\(subscribe.unacknowledgedUpdates.count)"])
        var subscribed = Mesos_V1_Executor_Event()
        subscribed.type = .subscribed
        subscribed.subscribed.executorInfo = record.info
        subscribed.subscribed.frameworkInfo = record.framework
        subscribed.subscribed.agentInfo = agentInfo
        subscribed.subscribed.containerID = Mesos_V1_ContainerID(record.containerID)
        send(subscribed, to: key)

        // Tasks the agent delivered but the executor does not list and never updated:
        // lost across an agent restart (docs/reference/mesos-executor-protocol.md §1.5).
        if !firstSubscription {
            let listed = Set(subscribe.unacknowledgedTasks.map(\.taskID.value))
            for id in record.taskOrder {
                guard let t = executors[key]?.tasks[id], t.delivered, t.state == .taskStaging, !listed.contains(id) else { continue }
                await agentUpdate(frameworkID: key.frameworkID, task: t.info, state: partitionAware(key) ? .taskDropped : .taskLost,
                                  reason: .agentRestarted, message: "Task launched during agent restart",
                                  executorID: key.executorID, register: false)
            }
        }
        for update in subscribe.unacknowledgedUpdates {
            await accept(update: update, from: key)
        }
        let queued = executors[key]?.queuedGroups ?? []
        executors[key]?.queuedGroups.removeAll()
        for group in queued { deliver(group: group, to: key) }
        let pending = executors[key]?.pendingEvents ?? []
        executors[key]?.pendingEvents.removeAll()
        for event in pending { send(event, to: key) }
        return MesosHTTPAnswer(status: 200, headers: headers, body: [], stream: stream)
    }
}

/// Parses calls the way Mesos does: JSON syntax first, then the protobuf mapping with
/// `required` fields enforced.
public enum MesosCallParser {
    public enum Outcome<M> {
        case success(M)
        case failure(String)
    }

    public static func parse<M: SwiftProtobuf.Message>(_ type: M.Type, encoding: MesosEncoding, body: [UInt8]) -> Outcome<M> {
        switch encoding {
        case .json:
            do {
                _ = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
            } catch {
                let near = String(decoding: body.prefix(40), as: UTF8.self)
                return .failure("Failed to parse body into JSON: syntax error near: \(near)")
            }
            do {
                return .success(try encoding.decode(M.self, from: body))
            } catch {
                return .failure("Failed to convert JSON into Call protobuf: \(describe(error))")
            }
        case .protobuf:
            do {
                return .success(try encoding.decode(M.self, from: body))
            } catch {
                return .failure("Failed to parse body into Call protobuf: \(describe(error))")
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("missingRequiredFields") || text.contains("missingFieldNames") { return "Missing required fields" }
        return text
    }
}
