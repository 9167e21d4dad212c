import MesosProtocol

/// A container's `readinessCheck` (ours, not in Marathon's pods): shaped like its
/// `healthCheck` (one of `http`, `tcp`, `exec`) with the fields of Marathon's app readiness
/// checks that fit. It reaches the executor as the Mesos-native check (`TaskInfo.check`),
/// whose results come back in `TaskStatus.check_status`; the scheduler, not the executor,
/// decides what is ready (docs/pod-lifecycle.md, "Readiness checks").
public struct ReadinessCheck: Sendable, Hashable, Codable {
    /// `GET http://127.0.0.1:<port><path>` of a named endpoint of the same container.
    public var http: HealthCheck.HTTP?
    /// A TCP connect to a named endpoint of the same container.
    public var tcpEndpoint: String?
    /// A command run inside the container.
    public var exec: MesosCommand?
    /// Pause between checks (default 30, Marathon's readiness default).
    public var intervalSeconds: Int
    /// Per-check timeout (default 10; at least 1 and below the interval, as Marathon).
    public var timeoutSeconds: Int
    /// Wait after TASK_RUNNING before the first check (default 0: readiness is asked at once).
    public var delaySeconds: Int
    /// HTTP statuses that mean ready (default `[200]`).
    public var httpStatusCodesForReady: [Int]
    /// Marathon keeps the last response body; a Mesos check status carries none, so only
    /// `false` is accepted.
    public var preserveLastResponse: Bool

    public static let defaultIntervalSeconds = 30
    public static let defaultTimeoutSeconds = 10
    public static let defaultStatusCodes = [200]

    public init(http: HealthCheck.HTTP? = nil, tcpEndpoint: String? = nil, exec: MesosCommand? = nil,
                intervalSeconds: Int = ReadinessCheck.defaultIntervalSeconds,
                timeoutSeconds: Int = ReadinessCheck.defaultTimeoutSeconds, delaySeconds: Int = 0,
                httpStatusCodesForReady: [Int] = ReadinessCheck.defaultStatusCodes, preserveLastResponse: Bool = false) {
        self.http = http
        self.tcpEndpoint = tcpEndpoint
        self.exec = exec
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.delaySeconds = delaySeconds
        self.httpStatusCodesForReady = httpStatusCodesForReady
        self.preserveLastResponse = preserveLastResponse
    }

    /// The endpoint an HTTP or TCP check probes.
    public var endpointName: String? { http?.endpoint ?? tcpEndpoint }

    /// Whether a reported check status means ready: an HTTP status in
    /// `httpStatusCodesForReady`, a TCP connection made, a command that exited 0. An empty
    /// status (no result yet, a timeout, an error) is not ready.
    public func isReady(_ status: Mesos_V1_CheckStatusInfo) -> Bool {
        PodReadinessContract.isReady(status, httpStatusCodes: httpStatusCodesForReady)
    }
}
