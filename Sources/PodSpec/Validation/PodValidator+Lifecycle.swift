import MesosProtocol

/// Validation of our lifecycle fields beyond Marathon (docs/pod-lifecycle.md).
extension PodValidator {
    /// `lifecycle.restart`: ranges between members, and what restarts cannot honour yet.
    mutating func validateRestart(_ container: PodContainer, at path: JSONPath) {
        guard let restart = container.lifecycle?.restart else { return }
        let restartPath = path / "lifecycle" / "restart"
        if restart.maxBackoffSeconds < restart.backoffSeconds {
            errors.violation(restartPath / "maxBackoffSeconds", ValidationMessages.atLeast(restart.maxBackoffSeconds, restart.backoffSeconds))
        }
        if Set(restart.successExitCodes).count != restart.successExitCodes.count {
            errors.violation(restartPath / "successExitCodes", ValidationMessages.restartExitCodesUnique)
        }
        if restart.policy != .never, !pod.secrets.isEmpty {
            // The executor redeems the instance's secret token once, at launch: a container
            // started again would have no secret values.
            errors.violation(restartPath / "policy", ValidationMessages.restartWithSecrets)
        }
    }
}
