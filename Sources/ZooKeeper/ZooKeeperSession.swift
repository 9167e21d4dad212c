import CZooKeeper
import Logging

/// A session's id and password: what a client needs to reattach to a session (and what the
/// server uses to tell sessions apart). `description` shows only the id.
public struct ZooKeeperSessionIdentity: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// The session id (the `ephemeralOwner` of the session's ephemeral nodes).
    public let id: Int64
    /// The 16-byte session password.
    public let password: [UInt8]

    public init(id: Int64, password: [UInt8]) {
        self.id = id
        self.password = password
    }

    init(_ client: clientid_t) {
        id = client.client_id
        password = withUnsafeBytes(of: client.passwd) { Array($0) }
    }

    /// `0x…`, as ZooKeeper prints session ids.
    public var description: String { "0x" + String(UInt64(bitPattern: id), radix: 16) }
    public var customMirror: Mirror { Mirror(self, children: ["id": description]) }
}

/// One ZooKeeper session over Apache ZooKeeper's multi-threaded C client (one `zhandle_t`).
///
/// Calls are asynchronous and thread-safe. A session survives disconnections (the client
/// reconnects to any server of the list within the session timeout; calls made meanwhile
/// fail with `CONNECTIONLOSS`), but one that expired is dead: every call then fails with
/// `SESSIONEXPIRED` and the owner makes a new session. `stateUpdates()` reports the state.
/// Close a session when done with it (its ephemeral nodes go at once); dropping the last
/// reference closes it too.
public final class ZooKeeperSession: Sendable {
    /// The state of a session, as `stateUpdates()` reports it.
    public enum State: Sendable, Hashable, CustomStringConvertible {
        /// Not yet connected for the first time.
        case connecting
        case connected
        /// The connection was lost; the client is reconnecting. Ephemeral nodes and watches
        /// remain until the session expires on the server.
        case disconnected
        /// The server expired the session: its ephemeral nodes and watches are gone. Final.
        case expired
        /// The server refused the credentials. Final.
        case authFailed
        /// Closed by its owner. Final.
        case closed

        /// Expired, auth-failed or closed: the session is dead.
        public var isFinal: Bool { self == .expired || self == .authFailed || self == .closed }

        public var description: String {
            switch self {
            case .connecting: "connecting"
            case .connected: "connected"
            case .disconnected: "disconnected"
            case .expired: "expired"
            case .authFailed: "auth-failed"
            case .closed: "closed"
            }
        }
    }

    /// How to connect.
    public struct Configuration: Sendable {
        /// `host:port,host:port` (`ZooKeeperURL.servers`).
        public var servers: String
        /// The session timeout asked for; the server bounds it (by default to 2 to 20 of its
        /// ticks). Mesos uses 10 s.
        public var sessionTimeout: Duration
        /// `digest` credentials, added to the session before `connect` returns.
        public var credentials: ZooKeeperCredentials?
        /// How long `connect` waits for the first connection.
        public var connectTimeout: Duration
        /// Reattach to this session instead of starting a new one.
        public var resume: ZooKeeperSessionIdentity?
        /// Where the session and the C client log.
        public var logger: Logger

        public init(servers: String, sessionTimeout: Duration = .seconds(10), credentials: ZooKeeperCredentials? = nil,
                    connectTimeout: Duration = .seconds(10), resume: ZooKeeperSessionIdentity? = nil,
                    logger: Logger = Logger(label: "zookeeper")) {
            self.servers = servers
            self.sessionTimeout = sessionTimeout
            self.credentials = credentials
            self.connectTimeout = connectTimeout
            self.resume = resume
            self.logger = logger
        }

        /// The servers and credentials of `url`.
        public init(url: ZooKeeperURL, sessionTimeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(10),
                    logger: Logger = Logger(label: "zookeeper")) {
            self.init(servers: url.servers, sessionTimeout: sessionTimeout, credentials: url.credentials,
                      connectTimeout: connectTimeout, logger: logger)
        }
    }

    let core: SessionCore
    /// The ACL of nodes created without one: Mesos' choice (`ZooKeeperACL.mesosDefault`),
    /// world-read and creator-all with credentials, open without.
    public let defaultACL: ZooKeeperACL
    /// The servers this session uses.
    public let servers: String

    private init(core: SessionCore, defaultACL: ZooKeeperACL, servers: String) {
        self.core = core
        self.defaultACL = defaultACL
        self.servers = servers
    }

    deinit {
        let core = core
        Task { await core.close() }
    }

    /// Starts a session and waits until it is connected (and its credentials are added), at
    /// most `configuration.connectTimeout`. Fails with `CONNECTIONLOSS` when no server answered
    /// in time, `BADARGUMENTS` for a bad server list or timeout, `SESSIONEXPIRED` when a
    /// resumed session is gone, `AUTHFAILED` when the credentials were refused.
    public static func connect(_ configuration: Configuration) async throws(ZooKeeperError) -> ZooKeeperSession {
        let timeoutMS = configuration.sessionTimeout.milliseconds
        guard timeoutMS > 0, timeoutMS <= Int64(Int32.max) else {
            throw ZooKeeperError(.badArguments, operation: "connect", detail: "the session timeout must be positive")
        }
        ClientLog.configure(configuration.logger)
        let core = SessionCore(key: CallbackTable.shared.nextNumber(), logger: configuration.logger)
        let context = Unmanaged.passRetained(core).toOpaque()
        var client = clientid_t()
        if let resume = configuration.resume {
            guard resume.password.count == MemoryLayout.size(ofValue: client.passwd) else {
                Unmanaged<SessionCore>.fromOpaque(context).release()
                throw ZooKeeperError(.badArguments, operation: "connect", detail: "a session password has 16 bytes")
            }
            client.client_id = resume.id
            withUnsafeMutableBytes(of: &client.passwd) { $0.copyBytes(from: resume.password) }
        }
        let handle: OpaquePointer? = withUnsafePointer(to: &client) { clientPointer in
            zookeeper_init2(configuration.servers, { handle, _, state, _, context in
                guard let context else { return }
                Unmanaged<SessionCore>.fromOpaque(context).takeUnretainedValue().sessionEvent(handle: handle, state: state)
            }, Int32(timeoutMS), configuration.resume == nil ? nil : clientPointer, context, 0, { message in
                ClientLog.emit(message)
            })
        }
        guard let handle else {
            Unmanaged<SessionCore>.fromOpaque(context).release()
            throw ZooKeeperError(.badArguments, operation: "connect",
                                 detail: "the ZooKeeper client refused the server list '\(configuration.servers)'")
        }
        core.attach(handle)
        let session = ZooKeeperSession(core: core, defaultACL: .mesosDefault(authenticated: configuration.credentials != nil),
                                       servers: configuration.servers)
        do {
            try await session.waitForFirstConnection(within: configuration.connectTimeout)
            if let credentials = configuration.credentials {
                try await session.addAuth(credentials)
            }
        } catch {
            await core.close()
            throw error
        }
        return session
    }

    /// The session's state now.
    public var state: State { core.sessionState }

    /// The session's state now, then every change; the stream ends after a final state
    /// (expired, auth-failed, closed). Every call makes a new stream.
    public func stateUpdates() -> AsyncStream<State> { core.states() }

    /// The session id and password (known once connected).
    public var identity: ZooKeeperSessionIdentity? { core.identity }

    /// The session timeout the server granted.
    public var negotiatedTimeout: Duration? { core.negotiatedTimeout }

    /// Closes the session: its ephemeral nodes go, pending calls and watches end with
    /// `CLOSING`. Waits until the C client let go of the handle. Calling it again is harmless.
    public func close() async { await core.close() }

    /// Waits until the session is connected. Throws `SESSIONEXPIRED`/`AUTHFAILED`/`CLOSING`
    /// when the session ended, `CancellationError` when the task is cancelled.
    public func waitUntilConnected() async throws {
        for await state in core.states() {
            if state == .connected { return }
            if state.isFinal { break }
        }
        try Task.checkCancellation()
        throw ZooKeeperError(core.endCode, operation: "wait for connection")
    }

    private func waitForFirstConnection(within timeout: Duration) async throws(ZooKeeperError) {
        let reached: State? = await withTaskGroup(of: State?.self) { group in
            let states = core.states()
            group.addTask {
                for await state in states where state == .connected || state.isFinal { return state }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch reached {
        case .connected: return
        case .expired: throw ZooKeeperError(.sessionExpired, operation: "connect")
        case .authFailed: throw ZooKeeperError(.authFailed, operation: "connect")
        default:
            throw ZooKeeperError(.connectionLoss, operation: "connect",
                                 detail: "no server of '\(servers)' answered within \(timeout)")
        }
    }

    private func addAuth(_ credentials: ZooKeeperCredentials) async throws(ZooKeeperError) {
        let digest = Array(credentials.digest.utf8)
        let result: Result<Void, ZooKeeperError> = await perform("add auth", nil, decode: { _ in .success(()) }) { handle, data in
            digest.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { cert in
                    zoo_add_auth(handle, "digest", cert.baseAddress, Int32(cert.count), { rc, data in
                        CallbackTable.complete(data, rc == ZOK.rawValue ? .done : .failure(rc))
                    }, data)
                }
            }
        }
        switch result {
        case .success: return
        case .failure(let error) where error.code.isConnectionProblem:
            // The client sends the credentials again with every new connection.
            core.logger.debug("ZooKeeper credentials pending reconnection")
        case .failure(let error): throw error
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
