/// The role checks Marathon runs on the normalized pod (its `podDefValidator`).
enum RoleValidator {
    /// - Throws: `PodSpecError.notValid` with violations at `/role` and `/acceptedResourceRoles`.
    static func validate(_ pod: PodDefinition, options: PodSpecConfiguration) throws(PodSpecError) {
        var errors = ErrorCollector()
        let settings = options.roleSettings(for: pod.id)
        let rolePath = JSONPath.root / "role"
        if !settings.validRoles.contains(pod.role) {
            errors.violation(rolePath, ValidationMessages.oneOf(pod.role, settings.validRoles))
        }
        if pod.isResident {
            if pod.role == "*" { errors.violation(rolePath, ValidationMessages.residentUnreservedRole) }
            if let previous = options.previousRole, previous != pod.role, !options.forceRoleUpdate {
                errors.violation(rolePath, ValidationMessages.roleChange(from: previous, to: pod.role))
            }
        }
        let accepted = Set(pod.scheduling.placement.acceptedResourceRoles)
        let allowed = Set(["*", pod.role])
        if !accepted.isEmpty, !(accepted.count <= 2 && accepted.isSubset(of: allowed)) {
            let listed = allowed.sorted().joined(separator: " and ")
            errors.violation(.root / "acceptedResourceRoles", "acceptedResourceRoles can only contain \(listed)")
        }
        if !errors.isEmpty { throw .notValid(errors.details) }
    }
}
