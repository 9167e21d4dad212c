import Foundation
import MesosProtocol
import NIOCore

extension LocalMaster {
    /// Handles one request to `/api/v1/scheduler` with the master's checks and status
    /// codes (docs/reference/mesos-executor-protocol.md §4.1, fixtures/mesos-1.12/scheduler-errors.json).
    func schedulerAPI(method: String, path: String, headers: [String: String], body: [UInt8]) async -> MesosHTTPAnswer {
        // libprocess authenticates a request before its handler sees it.
        let caller = authenticate(headers)
        if case .refused(let answer) = caller { return answer }
        // `Master::Http::scheduler`: a master that does not lead redirects before anything else.
        if let answer = leadershipAnswer(path: path) { return answer }
        guard method == "POST" else {
            return .text(405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '\(method)'.", headers: [("Allow", "POST")])
        }
        guard let contentType = headers["content-type"] else { return .text(400, "Expecting 'Content-Type' to be present") }
        guard let encoding = MesosEncoding(mediaType: contentType) else {
            return .text(415, "Expecting 'Content-Type' of application/json or application/x-protobuf")
        }
        let call: Mesos_V1_Scheduler_Call
        switch MesosCallParser.parse(Mesos_V1_Scheduler_Call.self, encoding: encoding, body: body) {
        case .success(let c): call = c
        case .failure(let message): return .text(400, message)
        }
        guard call.hasType else { return .text(400, "Failed to validate scheduler::Call: Expecting 'type' to be present") }
        if call.type == .unknown { return .text(501, "Received 'UNKNOWN' call") }
        let streamHeader = headers["mesos-stream-id"]
        if call.type == .subscribe {
            guard streamHeader == nil else { return .text(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header") }
            guard let streamEncoding = MesosEncoding.negotiate(accept: headers["accept"]) else {
                return .text(406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'")
            }
            return await subscribe(call, encoding: streamEncoding, caller: caller)
        }
        guard call.hasFrameworkID else { return .text(400, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present") }
        guard let stream = streamHeader else { return .text(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header") }
        let frameworkID = call.frameworkID.value
        guard let framework = frameworks[frameworkID] else {
            return .text(400, "Framework cannot be found")
        }
        if let mismatch = Self.principalMismatch(caller, framework: framework.info) { return mismatch }
        guard let current = framework.stream else { return .text(403, "Framework is not subscribed") }
        guard current.id == stream else {
            return .text(400, "The stream ID '\(stream)' included in this request didn't match the stream ID currently associated with framework ID \(frameworkID)")
        }
        switch call.type {
        case .teardown:
            await removeFramework(frameworkID)
        case .accept:
            await accept(call.accept, frameworkID: frameworkID)
        case .decline:
            decline(call.decline.offerIds.map(\.value), filters: call.decline.hasFilters ? call.decline.filters : nil, frameworkID: frameworkID)
        case .revive:
            frameworks[frameworkID]?.filteredUntil = nil
            if call.revive.roles.isEmpty {
                frameworks[frameworkID]?.suppressAll = false
                frameworks[frameworkID]?.suppressedRoles = []
            } else {
                for role in call.revive.roles { frameworks[frameworkID]?.suppressedRoles.remove(role) }
                frameworks[frameworkID]?.suppressAll = false
            }
            requestAllocation()
        case .suppress:
            if call.suppress.roles.isEmpty {
                frameworks[frameworkID]?.suppressAll = true
            } else {
                for role in call.suppress.roles { frameworks[frameworkID]?.suppressedRoles.insert(role) }
            }
        case .kill:
            await kill(call.kill, frameworkID: frameworkID)
        case .shutdown:
            await agent.shutdownExecutor(frameworkID: frameworkID, executorID: call.shutdown.executorID.value)
        case .acknowledge:
            guard MesosUUID.isValid(call.acknowledge.uuid) else {
                return .text(400, "Failed to validate scheduler::Call: Not a valid UUID")
            }
            await agent.acknowledge(frameworkID: frameworkID, taskID: call.acknowledge.taskID.value, uuid: Array(call.acknowledge.uuid))
        case .reconcile:
            await reconcile(call.reconcile, frameworkID: frameworkID)
        case .message:
            await agent.sendMessage(frameworkID: frameworkID, executorID: call.message.executorID.value, data: Array(call.message.data))
        case .updateFramework:
            return updateFramework(call.updateFramework.frameworkInfo, current: framework.info)
        default:
            return .text(501, "Received unsupported '\(call.type)' call")
        }
        return .accepted
    }

    private func subscribe(_ call: Mesos_V1_Scheduler_Call, encoding: MesosEncoding, caller: Caller) async -> MesosHTTPAnswer {
        var info = call.subscribe.frameworkInfo
        guard call.hasSubscribe else { return .text(400, "Failed to validate scheduler::Call: Expecting 'subscribe' to be present") }
        if call.hasFrameworkID != info.hasID || (call.hasFrameworkID && call.frameworkID.value != info.id.value) {
            return .text(400, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'")
        }
        if let refusal = checkPrincipal(caller, subscribing: &info) { return refusal }
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let newStream = Stream(encoding: encoding, continuation: continuation)
        let headers = [("Mesos-Stream-Id", newStream.id), ("Content-Type", encoding.mediaType)]
        var frameworkID: String
        if info.hasID {
            frameworkID = info.id.value
            if removedFrameworks.contains(frameworkID) {
                // Recorded: 200, then an ERROR event and the end of the stream.
                return Self.refusedSubscription("Framework has been removed", stream: stream, continuation: continuation,
                                                encoding: encoding, headers: headers)
            }
        } else {
            nextFramework += 1
            frameworkID = String(format: "%@-%04d", masterID, nextFramework)
        }
        var stored = info
        stored.id = Mesos_V1_FrameworkID(frameworkID)
        if let existing = frameworks[frameworkID], Self.principalChanged(from: existing.info, to: stored) {
            // `validateUpdate` (mesos:src/master/master.cpp): 200, an ERROR event, the end of
            // this stream; the framework's current subscription is left alone.
            logger.warning("framework tried to subscribe with another principal", metadata: ["mesos.framework_id": "\(frameworkID)"])
            return Self.refusedSubscription("Changing framework's principal is not allowed.", stream: stream,
                                            continuation: continuation, encoding: encoding, headers: headers)
        }
        if var existing = frameworks[frameworkID] {
            if let old = existing.stream {
                var failedOver = Mesos_V1_Scheduler_Event()
                failedOver.type = .error
                failedOver.error.message = "Framework failed over"
                if let bytes = try? old.encoding.encode(failedOver) { old.continuation.yield(ByteBuffer(bytes: RecordIO.encode(bytes))) }
                old.continuation.finish()
            }
            existing.failoverTimer?.cancel()
            existing.failoverTimer = nil
            // user and checkpoint cannot change on re-subscription.
            stored.user = existing.info.user
            stored.checkpoint = existing.info.checkpoint
            existing.info = stored
            existing.stream = newStream
            existing.suppressAll = false
            existing.suppressedRoles = Set(call.subscribe.suppressedRoles)
            existing.filteredUntil = nil
            frameworks[frameworkID] = existing
        } else {
            var f = Framework(info: stored, stream: newStream)
            f.suppressedRoles = Set(call.subscribe.suppressedRoles)
            frameworks[frameworkID] = f
        }
        rescindAll(frameworkID)
        logger.info("framework subscribed", metadata: ["mesos.framework_id": "\(frameworkID)", "name": "\(info.name)"])
        var subscribed = Mesos_V1_Scheduler_Event()
        subscribed.type = .subscribed
        subscribed.subscribed.frameworkID = Mesos_V1_FrameworkID(frameworkID)
        subscribed.subscribed.heartbeatIntervalSeconds = Double(configuration.heartbeatInterval.components.seconds)
        subscribed.subscribed.masterInfo = masterInfo
        send(subscribed, to: frameworkID)
        var heartbeat = Mesos_V1_Scheduler_Event()
        heartbeat.type = .heartbeat
        send(heartbeat, to: frameworkID)
        requestAllocation()
        // Updates the scheduler has not acknowledged yet go out again at once.
        await agent.resendUnacknowledged(frameworkID: frameworkID)
        let streamID = newStream.id
        let subscribedID = frameworkID
        return MesosHTTPAnswer(status: 200, headers: headers, body: [], stream: stream) { [weak self] in
            await self?.streamClosed(frameworkID: subscribedID, streamID: streamID)
        }
    }

    /// UPDATE_FRAMEWORK: the new FrameworkInfo, with what cannot change kept.
    private func updateFramework(_ update: Mesos_V1_FrameworkInfo, current: Mesos_V1_FrameworkInfo) -> MesosHTTPAnswer {
        if Self.principalChanged(from: current, to: update) {
            return .text(400, "FrameworkInfo update is not valid: Changing framework's principal is not allowed.")
        }
        var info = update
        info.id = current.id
        info.user = current.user
        info.checkpoint = current.checkpoint
        frameworks[current.id.value]?.info = info
        return MesosHTTPAnswer(status: 200, headers: [], body: [], stream: nil)
    }

    /// A subscription the master refuses after answering 200: one ERROR event, then the end
    /// of the stream.
    private static func refusedSubscription(_ message: String, stream: AsyncStream<ByteBuffer>,
                                            continuation: AsyncStream<ByteBuffer>.Continuation, encoding: MesosEncoding,
                                            headers: [(String, String)]) -> MesosHTTPAnswer {
        var error = Mesos_V1_Scheduler_Event()
        error.type = .error
        error.error.message = message
        if let bytes = try? encoding.encode(error) { continuation.yield(ByteBuffer(bytes: RecordIO.encode(bytes))) }
        continuation.finish()
        return MesosHTTPAnswer(status: 200, headers: headers, body: [], stream: stream)
    }

    private func decline(_ offerIDs: [String], filters: Mesos_V1_Filters?, frameworkID: String) {
        for id in offerIDs where offers[id]?.frameworkID == frameworkID {
            offers.removeValue(forKey: id)
        }
        applyFilter(filters, frameworkID: frameworkID)
    }

    func applyFilter(_ filters: Mesos_V1_Filters?, frameworkID: String) {
        let seconds = min(365 * 86400, max(0, filters?.refuseSeconds ?? 5))
        if seconds > 0 {
            frameworks[frameworkID]?.filteredUntil = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
            let delay = Duration.milliseconds(Int64(seconds * 1000) + 10)
            Task { [weak self] in
                try? await Task.sleep(for: delay)
                await self?.requestAllocation()
            }
        } else {
            requestAllocation()
        }
    }

    private func kill(_ kill: Mesos_V1_Scheduler_Call.Kill, frameworkID: String) async {
        let taskID = kill.taskID.value
        let policy = kill.hasKillPolicy ? kill.killPolicy : nil
        if await agent.killTask(frameworkID: frameworkID, taskID: taskID, killPolicy: policy) { return }
        // Unknown task: the master answers through reconciliation.
        let partitionAware = frameworks[frameworkID]?.partitionAware ?? false
        await masterUpdate(frameworkID: frameworkID, taskID: taskID, state: partitionAware ? .taskGone : .taskLost,
                           reason: .reconciliation, message: "Reconciliation: Task is unknown to the agent", withAgent: true)
    }

    private func reconcile(_ reconcile: Mesos_V1_Scheduler_Call.Reconcile, frameworkID: String) async {
        let partitionAware = frameworks[frameworkID]?.partitionAware ?? false
        if reconcile.tasks.isEmpty {
            for task in await agent.tasks(frameworkID: frameworkID) where !task.state.isTerminal {
                await masterUpdate(frameworkID: frameworkID, taskID: task.taskID, state: task.state, reason: .reconciliation,
                                   message: "Reconciliation: Latest task state", withAgent: true)
            }
            return
        }
        let agentID = await agent.agentID
        for t in reconcile.tasks {
            let id = t.taskID.value
            if let state = await agent.taskState(frameworkID: frameworkID, taskID: id) {
                await masterUpdate(frameworkID: frameworkID, taskID: id, state: state, reason: .reconciliation,
                                   message: "Reconciliation: Latest task state", withAgent: true)
            } else if t.hasAgentID && t.agentID.value == agentID {
                await masterUpdate(frameworkID: frameworkID, taskID: id, state: partitionAware ? .taskGone : .taskLost,
                                   reason: .reconciliation, message: "Reconciliation: Task is unknown to the agent", withAgent: true)
            } else {
                await masterUpdate(frameworkID: frameworkID, taskID: id, state: partitionAware ? .taskUnknown : .taskLost,
                                   reason: .reconciliation, message: "Reconciliation: Task is unknown", withAgent: false)
            }
        }
    }

    /// An update the master generates: SOURCE_MASTER, no uuid (must not be acknowledged).
    func masterUpdate(frameworkID: String, taskID: String, state: Mesos_V1_TaskState, reason: Mesos_V1_TaskStatus.Reason,
                      message: String, withAgent: Bool) async {
        var status = Mesos_V1_TaskStatus()
        status.taskID = Mesos_V1_TaskID(taskID)
        status.state = state
        status.source = .master
        status.reason = reason
        status.message = message
        status.timestamp = Date().timeIntervalSince1970
        if withAgent { status.agentID = Mesos_V1_AgentID(await agent.agentID) }
        var event = Mesos_V1_Scheduler_Event()
        event.type = .update
        event.update.status = status
        send(event, to: frameworkID)
    }
}
