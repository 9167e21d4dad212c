import Logging
import MesosHTTP
import MesosProtocol
import ZooKeeper

/// Follows the leading Mesos master of a `zk://` URL as Mesos' `ZooKeeperMasterDetector`
/// does (`mesos:src/master/detector/zookeeper.cpp`, `mesos:src/zookeeper/detector.cpp`): the
/// members of the group at the URL's path are watched (a child watch, set again after every
/// change); the leader is the member with the smallest sequence, whatever its label; its
/// node is read and decoded by label (``MasterInfoCodec``). Nodes of other shapes are not
/// members; a leading node that cannot be decoded is reported (`.unreadable`) and detection
/// goes on.
///
/// The ZooKeeper session is the detector's own. While it is disconnected the last leader
/// stays; once it was cut off for its session timeout (the C client never declares a session
/// expired while it reaches no server, so the detector does, as Mesos' group does), or when
/// it expired, the detector reports no leader, logs it, starts a new session and detects
/// again. Logs name the URL without its credentials.
public actor MasterDetector: MasterLocator {
    public typealias Connector = @Sendable (ZooKeeperSession.Configuration) async throws -> ZooKeeperSession

    public struct Configuration: Sendable {
        public var url: ZooKeeperURL
        /// How the detected masters are reached: `http`, or `https` (masters serving TLS,
        /// as libmesos reaches them with SSL enabled).
        public var scheme: String
        /// Mesos' `MASTER_DETECTOR_ZK_SESSION_TIMEOUT` (10 s) by default.
        public var sessionTimeout: Duration
        public var connectTimeout: Duration = .seconds(10)
        /// The pause after a failed attempt to start a session.
        public var retryDelay: Duration = .seconds(1)
        public var logger: Logger
        /// How a session is started (tests start theirs through a proxy).
        public var connect: Connector

        public init(url: ZooKeeperURL, scheme: String = "http", sessionTimeout: Duration = .seconds(10),
                    logger: Logger = Logger(label: "master-detector"),
                    connect: @escaping Connector = { try await ZooKeeperSession.connect($0) }) {
            self.url = url
            self.scheme = scheme
            self.sessionTimeout = sessionTimeout
            self.logger = logger
            self.connect = connect
        }
    }

    public nonisolated let configuration: Configuration
    /// The last detection (nil before the first).
    public private(set) var current: MasterDetectorEvent?
    /// The session in use (nil between sessions).
    public private(set) var session: ZooKeeperSession?
    private var runner: Task<Void, Never>?
    private var subscribers: [Int: AsyncStream<MasterDetectorEvent>.Continuation] = [:]
    private var nextSubscriber = 0
    private var stopped = false

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Starts detecting (once).
    public func start() {
        guard runner == nil, !stopped else { return }
        runner = Task { await self.run() }
    }

    /// Stops detecting: the session is closed and every stream ends.
    public func stop() async {
        stopped = true
        let runner = self.runner
        self.runner = nil
        runner?.cancel()
        await session?.close()
        await runner?.value
        for subscriber in subscribers.values { subscriber.finish() }
        subscribers.removeAll()
    }

    /// The last detection (when there is one), then every change.
    public func events() -> AsyncStream<MasterDetectorEvent> {
        let (stream, continuation) = AsyncStream<MasterDetectorEvent>.makeStream(bufferingPolicy: .unbounded)
        if let current { continuation.yield(current) }
        guard !stopped else {
            continuation.finish()
            return stream
        }
        nextSubscriber += 1
        let id = nextSubscriber
        subscribers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    public nonisolated func leaders() -> AsyncStream<LeadingMaster?> {
        let (stream, continuation) = AsyncStream<LeadingMaster?>.makeStream(bufferingPolicy: .unbounded)
        let task = Task {
            var last: LeadingMaster??
            for await event in await self.events() {
                let leader = event.leadingMaster
                if last != .some(leader) {
                    continuation.yield(leader)
                    last = leader
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)
    }

    // MARK: Sessions

    private var urlMetadata: Logger.MetadataValue { "\(configuration.url)" }

    private func run() async {
        let logger = configuration.logger
        var failures = 0
        while !Task.isCancelled {
            let session: ZooKeeperSession
            do {
                let settings = ZooKeeperSession.Configuration(url: configuration.url, sessionTimeout: configuration.sessionTimeout,
                                                              connectTimeout: configuration.connectTimeout, logger: logger)
                session = try await configuration.connect(settings)
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures == 1 || failures.isMultiple(of: 10) {
                    logger.warning("master detection cannot reach ZooKeeper; retrying", metadata: [
                        "zk.url": urlMetadata, "error": "\(error)", "attempts": "\(failures)",
                    ])
                }
                try? await Task.sleep(for: configuration.retryDelay)
                continue
            }
            failures = 0
            self.session = session
            let id: Logger.MetadataValue = "\(session.identity?.description ?? "?")"
            logger.info("master detection session started", metadata: ["zk.url": urlMetadata, "zk.session.id": id])
            let reason = await detect(on: session)
            self.session = nil
            await session.close()
            if Task.isCancelled || stopped { return }
            publish(.noLeader)
            logger.warning("master detection lost its ZooKeeper session; starting a new one", metadata: [
                "zk.url": urlMetadata, "zk.session.id": id, "reason": "\(reason)",
            ])
        }
    }

    private enum Input: Sendable {
        case members([ZooKeeperGroupMember])
        case membersEnded(String)
        case state(ZooKeeperSession.State)
        case disconnectedTooLong(generation: Int)
    }

    /// What was read of the leading member.
    private struct Reading {
        var member: ZooKeeperGroupMember?
        /// Its read failed with the connection: read again once connected.
        var pending = false
    }

    /// Detects on one session until it ends; returns why it ended.
    private func detect(on session: ZooKeeperSession) async -> String {
        let group: ZooKeeperGroup
        do { group = try ZooKeeperGroup(session: session, path: configuration.url.path) } catch { return "\(error)" }
        let (inputs, input) = AsyncStream<Input>.makeStream(bufferingPolicy: .unbounded)
        let members = Task {
            do {
                for try await list in group.memberUpdates() { input.yield(.members(list)) }
                input.yield(.membersEnded("the member watch ended"))
            } catch {
                input.yield(.membersEnded("\(error)"))
            }
        }
        let states = Task {
            for await state in session.stateUpdates() { input.yield(.state(state)) }
        }
        var timer: Task<Void, Never>?
        var generation = 0
        var connected = true
        var reading = Reading()
        defer {
            members.cancel()
            states.cancel()
            timer?.cancel()
            input.finish()
        }
        let limit = session.negotiatedTimeout ?? configuration.sessionTimeout
        for await next in inputs {
            switch next {
            case .members(let list):
                if let end = await follow(list.first, session: session, reading: &reading) { return end }
            case .membersEnded(let why):
                return why
            case .state(.connected):
                connected = true
                timer?.cancel()
                timer = nil
                guard reading.pending else { continue }
                do {
                    let list = try await group.members()
                    if let end = await follow(list.first, session: session, reading: &reading) { return end }
                } catch where error.code.isConnectionProblem {
                    continue
                } catch {
                    return "\(error)"
                }
            case .state(.disconnected), .state(.connecting):
                connected = false
                guard timer == nil else { continue }
                generation += 1
                let current = generation
                configuration.logger.notice("master detection lost its ZooKeeper connection; the leader stands until the session times out",
                                            metadata: ["zk.url": urlMetadata, "zk.session_timeout": "\(limit)"])
                timer = Task {
                    try? await Task.sleep(for: limit)
                    if !Task.isCancelled { input.yield(.disconnectedTooLong(generation: current)) }
                }
            case .state(let final):
                return "the session \(final)"
            case .disconnectedTooLong(let timed):
                if timed == generation && !connected { return "no ZooKeeper server answered within the session timeout (\(limit))" }
            }
        }
        return "detection stopped"
    }

    /// Reads the leading member's node and publishes what it says, unless it is the node read
    /// already. Returns why the session is unusable, if it is.
    private func follow(_ first: ZooKeeperGroupMember?, session: ZooKeeperSession, reading: inout Reading) async -> String? {
        guard let first else {
            reading = Reading()
            publish(.noLeader)
            return nil
        }
        if first == reading.member && !reading.pending { return nil }
        reading.member = first
        do {
            let (data, _) = try await session.get(first.path)
            reading.pending = false
            publish(decode(first, data))
        } catch where error.code == .noNode {
            // Gone between the listing and the read: no leader until the list changes.
            reading.pending = false
            publish(.noLeader)
        } catch where error.code.isConnectionProblem {
            reading.pending = true
        } catch {
            return "\(error)"
        }
        return nil
    }

    private func decode(_ member: ZooKeeperGroupMember, _ data: [UInt8]) -> MasterDetectorEvent {
        do {
            let info = try MasterInfoCodec.decode(label: member.label, data: data)
            guard let endpoint = MasterInfoCodec.endpoint(of: info, scheme: configuration.scheme) else {
                return .unreadable(member: member, reason: "its MasterInfo names no address to reach the master at")
            }
            return .leader(DetectedMaster(member: member, info: info, endpoint: endpoint))
        } catch {
            return .unreadable(member: member, reason: error.description)
        }
    }

    private func publish(_ event: MasterDetectorEvent) {
        guard event != current else { return }
        current = event
        let logger = configuration.logger
        switch event {
        case .leader(let master):
            var metadata: Logger.Metadata = ["mesos.master": "\(master.endpoint)", "mesos.master_id": "\(master.info.id)",
                                             "zk.node": "\(master.member.path)"]
            switch master.member.label {
            case nil: metadata["zk.format"] = "UPID (older than Mesos 0.23)"
            case MasterInfoCodec.binaryLabel?: metadata["zk.format"] = "binary MasterInfo (deprecated as of Mesos 0.24, MESOS-2340)"
            default: break
            }
            logger.info("leading master detected", metadata: metadata)
        case .noLeader:
            logger.warning("no leading master", metadata: ["zk.url": urlMetadata])
        case .unreadable(let member, let reason):
            logger.error("the leading master's node cannot be read; waiting for the group to change",
                         metadata: ["zk.node": "\(member.path)", "error": "\(reason)"])
        }
        for subscriber in subscribers.values { subscriber.yield(event) }
    }
}
