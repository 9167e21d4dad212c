/// A Mesos health check of one container (`containers[].healthCheck`).
///
/// The API allows exactly one of `http`, `tcp` and `exec`; a parsed definition that broke
/// that rule is rejected by validation.
public struct HealthCheck: Sendable, Hashable, Codable {
    /// An HTTP(S) check of a named endpoint of the same container.
    public struct HTTP: Sendable, Hashable, Codable {
        /// URL scheme.
        public enum Scheme: String, Sendable, Hashable, Codable, CaseIterable {
            /// `http`.
            case http = "HTTP"
            /// `https`.
            case https = "HTTPS"
        }

        /// The endpoint name.
        public var endpoint: String
        /// The request path.
        public var path: String?
        /// The scheme (default HTTP).
        public var scheme: Scheme

        /// An HTTP check.
        public init(endpoint: String, path: String? = nil, scheme: Scheme = .http) {
            self.endpoint = endpoint
            self.path = path
            self.scheme = scheme
        }
    }

    /// HTTP check.
    public var http: HTTP?
    /// TCP check of the named endpoint.
    public var tcpEndpoint: String?
    /// Command check.
    public var exec: MesosCommand?
    /// Failures are ignored this long after start (default 300).
    public var gracePeriodSeconds: Int
    /// Pause between checks (default 60).
    public var intervalSeconds: Int
    /// Failures in a row that kill the task (default 3).
    public var maxConsecutiveFailures: Int
    /// Per-check timeout (default 20; must be below the interval).
    public var timeoutSeconds: Int
    /// Wait before the first check (default 15).
    public var delaySeconds: Int

    /// A health check; omitted numbers take Marathon's defaults.
    public init(http: HTTP? = nil, tcpEndpoint: String? = nil, exec: MesosCommand? = nil,
                gracePeriodSeconds: Int = 300, intervalSeconds: Int = 60, maxConsecutiveFailures: Int = 3,
                timeoutSeconds: Int = 20, delaySeconds: Int = 15) {
        self.http = http
        self.tcpEndpoint = tcpEndpoint
        self.exec = exec
        self.gracePeriodSeconds = gracePeriodSeconds
        self.intervalSeconds = intervalSeconds
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.timeoutSeconds = timeoutSeconds
        self.delaySeconds = delaySeconds
    }

    /// The endpoint an HTTP or TCP check probes.
    public var endpointName: String? { http?.endpoint ?? tcpEndpoint }
}
