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

extension PodValidator {
    /// `dependsOn`: names, reachable conditions, no cycle.
    mutating func validateDependencies() {
        let containers = pod.containers
        let byName = Dictionary(containers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (index, container) in containers.enumerated() {
            let path = (JSONPath.root / "containers").at(index) / "dependsOn"
            if !container.dependsOn.isEmpty, !pod.secrets.isEmpty {
                errors.violation(path, ValidationMessages.dependsOnWithSecrets)
            }
            for (d, dependency) in container.dependsOn.enumerated() {
                let entry = path.at(d)
                guard let target = byName[dependency.container], dependency.container != container.name else {
                    errors.violation(entry / "container", ValidationMessages.dependsOnUnknown)
                    continue
                }
                switch dependency.condition {
                case .healthy where target.healthCheck == nil:
                    errors.violation(entry / "condition", ValidationMessages.dependsOnHealthy)
                case .ready where target.readinessCheck == nil:
                    errors.violation(entry / "condition", ValidationMessages.dependsOnReady)
                default:
                    break
                }
            }
        }
        if Self.hasCycle(containers) { errors.violation(JSONPath.root / "containers", ValidationMessages.dependsOnCycle) }
    }

    /// Whether the dependencies between known, distinct containers form a cycle (Kahn).
    static func hasCycle(_ containers: [PodContainer]) -> Bool {
        let names = Set(containers.map(\.name))
        var pending = Dictionary(containers.map { c in
            (c.name, Set(c.dependsOn.map(\.container).filter { names.contains($0) && $0 != c.name }))
        }, uniquingKeysWith: { a, b in a.union(b) })
        while let free = pending.first(where: { $0.value.isEmpty })?.key {
            pending.removeValue(forKey: free)
            for key in pending.keys { pending[key]?.remove(free) }
        }
        return !pending.isEmpty
    }
}
