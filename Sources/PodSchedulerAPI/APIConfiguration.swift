import PodSchedulerCore
import PodSpec

/// Settings of the REST API, built once by the executable from its flags and files.
public struct APIConfiguration: Sendable {
    /// How clients prove who they are.
    public enum Authentication: Sendable, Equatable {
        /// No authentication (Marathon's default without an auth plugin).
        case none
        /// HTTP Basic with one user.
        case basic(username: String, password: String)
        /// A static bearer token.
        case bearer(token: String)
    }

    /// The ports the API listens on (`/v2/info`'s `http_config`); nil for one that is off.
    public struct Listeners: Sendable, Equatable {
        public var httpPort: Int?
        public var httpsPort: Int?

        public init(httpPort: Int?, httpsPort: Int?) {
            self.httpPort = httpPort
            self.httpsPort = httpsPort
        }
    }

    /// Server settings passed to `PodDefinition.parse` (roles, default network name,
    /// secrets feature). Its `version` and `previousRole`/`forceRoleUpdate` are set per
    /// request by the API.
    public var specOptions: PodSpecConfiguration
    /// `http://host:port` (no trailing slash): the base that Marathon resolves `Location`
    /// headers against.
    public var baseURL: String
    /// Sent as `X-Marathon-Leader` on every response when set (this server is the leader).
    public var leaderURL: String?
    /// Off by default.
    public var authentication: Authentication
    /// Principals and their permissions (`--permissions-file`); with them, every request
    /// needs credentials. `authentication`'s credential stays valid and may do everything.
    public var permissions: Permissions?
    /// `--max_running_deployments`, shown in `/v2/info` (the scheduler core enforces it).
    public var maxRunningDeployments: Int
    /// The realm named in `WWW-Authenticate` challenges.
    public var realm: String
    /// The listeners shown in `/v2/info`; nil: the service's HTTP port only.
    public var listeners: Listeners?
    /// Who leads. Nil: this server alone, always the leader (`leaderURL` names it).
    public var leadership: (any LeadershipView)?
    /// The high-availability settings `/v2/info` shows (`--zk`); nil without.
    public var highAvailability: HighAvailability?

    /// What `/v2/info` reports of the ZooKeeper settings (`zookeeper_config`), never with
    /// credentials.
    public struct HighAvailability: Sendable, Equatable {
        /// The `--zk` URL, credentials redacted (`zk://xxxxxxxx:xxxxxxxx@…`).
        public var zooKeeperURL: String
        public var sessionTimeoutMilliseconds: Int
        public var connectionTimeoutMilliseconds: Int
        /// The largest node the store writes (ZooKeeper's packet limit).
        public var maxNodeSize: Int
        public var proxyConnectionTimeoutMilliseconds: Int
        public var proxyReadTimeoutMilliseconds: Int

        public init(zooKeeperURL: String, sessionTimeoutMilliseconds: Int, connectionTimeoutMilliseconds: Int, maxNodeSize: Int,
                    proxyConnectionTimeoutMilliseconds: Int, proxyReadTimeoutMilliseconds: Int) {
            self.zooKeeperURL = zooKeeperURL
            self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
            self.connectionTimeoutMilliseconds = connectionTimeoutMilliseconds
            self.maxNodeSize = maxNodeSize
            self.proxyConnectionTimeoutMilliseconds = proxyConnectionTimeoutMilliseconds
            self.proxyReadTimeoutMilliseconds = proxyReadTimeoutMilliseconds
        }
    }

    /// `X-Marathon-Leader` now: this server's URL while it leads.
    var currentLeaderURL: String? {
        guard let leadership else { return leaderURL }
        return leadership.snapshot.isLeader ? leadership.ownAddress.url : nil
    }

    /// A configuration; every parameter but `baseURL` has a default.
    public init(specOptions: PodSpecConfiguration = PodSpecConfiguration(), baseURL: String, leaderURL: String? = nil,
                authentication: Authentication = .none, maxRunningDeployments: Int = 100,
                realm: String = "Mesos Pods") {
        self.specOptions = specOptions
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.leaderURL = leaderURL
        self.authentication = authentication
        self.maxRunningDeployments = maxRunningDeployments
        self.realm = realm
    }
}

extension APIConfiguration.Authentication: CustomStringConvertible {
    /// The scheme only: credentials never appear in descriptions or logs.
    public var description: String {
        switch self {
        case .none: "none"
        case .basic: "basic"
        case .bearer: "bearer"
        }
    }
}
