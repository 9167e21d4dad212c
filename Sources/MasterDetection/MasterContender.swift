import Logging
import MesosProtocol
import ZooKeeper

/// A Mesos master's candidacy in the masters' group, as `ZooKeeperMasterContender` contends
/// (`mesos:src/master/contender/zookeeper.cpp`, `mesos:src/zookeeper/contender.cpp`,
/// `GroupProcess::doJoin`): on a session of its own it creates the group's node and its
/// missing parents (empty) and one ephemeral sequential `json.info_` node holding the
/// master's `MasterInfo` as JSON (``MasterInfoCodec/json(_:)``), with Mesos' ACLs
/// (world-read and creator-all with credentials in the URL, open without). Which master
/// leads is not the contender's to say: masters learn it through a `MasterDetector`, as
/// Mesos masters do.
///
/// The candidacy is lost when the session expires, when no server answered for the session
/// timeout (Mesos' group expires the session itself then), or when the node is deleted. A
/// leading master then aborts; a standby contends again.
public actor MasterContender {
    public struct Configuration: Sendable {
        public var url: ZooKeeperURL
        /// The master's `--zk_session_timeout` (10 s by default).
        public var sessionTimeout: Duration
        public var connectTimeout: Duration = .seconds(10)
        public var logger: Logger
        public var connect: MasterDetector.Connector

        public init(url: ZooKeeperURL, sessionTimeout: Duration = .seconds(10), logger: Logger = Logger(label: "master-contender"),
                    connect: @escaping MasterDetector.Connector = { try await ZooKeeperSession.connect($0) }) {
            self.url = url
            self.sessionTimeout = sessionTimeout
            self.logger = logger
            self.connect = connect
        }
    }

    public nonisolated let configuration: Configuration
    /// What the node holds.
    public nonisolated let info: Mesos_V1_MasterInfo
    /// The master's node while it contends.
    public private(set) var member: ZooKeeperGroupMember?
    private var session: ZooKeeperSession?
    private var watcher: Task<String, Never>?
    private var withdrawn = false

    public init(info: Mesos_V1_MasterInfo, configuration: Configuration) {
        self.info = info
        self.configuration = configuration
    }

    /// Joins the group and returns the master's node (the same node when called again).
    /// Throws when ZooKeeper cannot be reached in time or refuses (`NOAUTH`, `AUTHFAILED`),
    /// or once the contender was withdrawn.
    public func contend() async throws -> ZooKeeperGroupMember {
        if let member { return member }
        guard !withdrawn else { throw ZooKeeperError(.closing, operation: "contend", path: configuration.url.path) }
        let data = try MasterInfoCodec.json(info)
        let session = try await configuration.connect(.init(url: configuration.url, sessionTimeout: configuration.sessionTimeout,
                                                            connectTimeout: configuration.connectTimeout, logger: configuration.logger))
        guard !withdrawn, self.session == nil else {
            await session.close()
            throw ZooKeeperError(.closing, operation: "contend", path: configuration.url.path)
        }
        self.session = session
        do {
            let group = try ZooKeeperGroup(session: session, path: configuration.url.path)
            let member = try await group.join(label: MasterInfoCodec.jsonLabel, data: data)
            guard !withdrawn else { throw ZooKeeperError(.closing, operation: "contend", path: member.path) }
            self.member = member
            let limit = session.negotiatedTimeout ?? configuration.sessionTimeout
            watcher = Task { await Self.watch(session: session, member: member, limit: limit) }
            configuration.logger.info("master joined the ZooKeeper group", metadata: [
                "zk.node": "\(member.path)", "mesos.master_id": "\(info.id)", "zk.session.id": "\(session.identity?.description ?? "?")",
            ])
            return member
        } catch {
            self.session = nil
            await session.close()
            throw error
        }
    }

    /// Waits until the candidacy is lost and says why. Returns at once when the contender
    /// never joined.
    public func candidacyLost() async -> String {
        guard let watcher else { return "not contending" }
        return await watcher.value
    }

    /// Withdraws: the session is closed, so the node goes at once.
    public func withdraw() async {
        withdrawn = true
        watcher?.cancel()
        let session = self.session
        self.session = nil
        member = nil
        await session?.close()
    }

    private enum Input: Sendable {
        case state(ZooKeeperSession.State)
        case deleted
        case disconnectedTooLong(generation: Int)
    }

    /// Watches the session and the node until the candidacy is lost.
    private static func watch(session: ZooKeeperSession, member: ZooKeeperGroupMember, limit: Duration) async -> String {
        let (inputs, input) = AsyncStream<Input>.makeStream(bufferingPolicy: .unbounded)
        let states = Task {
            for await state in session.stateUpdates() { input.yield(.state(state)) }
        }
        let node = Task {
            while !Task.isCancelled {
                do {
                    let (stat, watch) = try await session.existsAndWatch(member.path)
                    guard stat != nil else {
                        input.yield(.deleted)
                        return
                    }
                    if try await watch.event().kind == .deleted {
                        input.yield(.deleted)
                        return
                    }
                } catch let error as ZooKeeperError where error.code.isConnectionProblem {
                    do { try await session.waitUntilConnected() } catch { return }
                } catch {
                    return  // The session ended: its state says so.
                }
            }
        }
        var timer: Task<Void, Never>?
        var generation = 0
        var connected = true
        defer {
            states.cancel()
            node.cancel()
            timer?.cancel()
            input.finish()
        }
        for await next in inputs {
            switch next {
            case .deleted:
                return "its node \(member.path) was deleted"
            case .state(.connected):
                connected = true
                timer?.cancel()
                timer = nil
            case .state(.disconnected), .state(.connecting):
                connected = false
                guard timer == nil else { continue }
                generation += 1
                let current = generation
                timer = Task {
                    try? await Task.sleep(for: limit)
                    if !Task.isCancelled { input.yield(.disconnectedTooLong(generation: current)) }
                }
            case .state(let final):
                return "its ZooKeeper session \(final == .closed ? "was closed" : final.description)"
            case .disconnectedTooLong(let timed):
                if timed == generation && !connected { return "no ZooKeeper server answered within its session timeout (\(limit))" }
            }
        }
        return "withdrawn"
    }
}
