extension PodValidator {
    /// `readinessCheck` of a container: one kind, an endpoint of the container with a port
    /// Mesos can probe, Marathon's bounds (interval at least 1 s, timeout at least 1 s and
    /// below the interval; unique status codes), and only what a Mesos check can carry.
    mutating func validateReadinessCheck(_ check: ReadinessCheck, of container: PodContainer, at path: JSONPath) {
        let kinds = [check.http != nil, check.tcpEndpoint != nil, check.exec != nil].filter { $0 }.count
        if kinds != 1 { errors.violation(path, ValidationMessages.oneHealthCheckKind) }
        if check.intervalSeconds < 1 {
            errors.violation(path / "intervalSeconds", ValidationMessages.atLeast(check.intervalSeconds, 1))
        }
        if check.timeoutSeconds < 1 {
            errors.violation(path / "timeoutSeconds", ValidationMessages.atLeast(check.timeoutSeconds, 1))
        } else if check.timeoutSeconds >= check.intervalSeconds {
            errors.violation(path / "timeoutSeconds", ValidationMessages.lessThan(check.timeoutSeconds, check.intervalSeconds))
        }
        if Set(check.httpStatusCodesForReady).count != check.httpStatusCodesForReady.count {
            errors.violation(path / "httpStatusCodesForReady", ValidationMessages.readinessStatusCodesUnique)
        }
        if check.http == nil, check.httpStatusCodesForReady != ReadinessCheck.defaultStatusCodes {
            errors.violation(path / "httpStatusCodesForReady", ValidationMessages.readinessStatusCodesNeedHTTP)
        }
        if check.preserveLastResponse {
            errors.violation(path / "preserveLastResponse", ValidationMessages.readinessNoResponseBody)
        }
        if let checkPath = check.http?.path, !checkPath.hasPrefix("/") {
            // Mesos refuses the task otherwise (`validateCheckInfo`).
            errors.violation(path / "http" / "path", ValidationMessages.readinessPath(checkPath))
        }
        if check.http?.scheme == .https {
            errors.violation(path / "http" / "scheme", ValidationMessages.readinessHTTPOnly)
        }
        let kindPath = check.http != nil ? path / "http" : path / "tcp"
        guard let name = check.endpointName else { return }
        guard let endpoint = container.endpoints.first(where: { $0.name == name }) else {
            errors.violation(kindPath / "endpoint", ValidationMessages.endpointOfContainer)
            return
        }
        // With host networking a missing hostPort becomes 0 (any) in normalization.
        let port = pod.usesHostNetworking ? endpoint.hostPort ?? 0 : endpoint.containerPort
        if port == nil {
            errors.violation(kindPath / "endpoint", ValidationMessages.readinessNeedsPort(hostNetworking: pod.usesHostNetworking))
        }
    }
}

extension ValidationMessages {
    static let readinessStatusCodesUnique = "httpStatusCodesForReady must be unique"
    static let readinessStatusCodesNeedHTTP = "httpStatusCodesForReady applies to http readiness checks only"
    static let readinessNoResponseBody =
        "preserveLastResponse is not supported: a readiness check is a Mesos check, whose status carries no response body"
    static let readinessHTTPOnly = "readiness checks are Mesos checks, which probe over HTTP only"

    static func readinessPath(_ path: String) -> String { "The path '\(path)' of HTTP check must start with '/'" }

    static func readinessNeedsPort(hostNetworking: Bool) -> String {
        hostNetworking ? "the endpoint needs a hostPort to be probed with host networking"
            : "the endpoint needs a containerPort to be probed on container networks"
    }
}
