import Foundation

extension PodValidator {
    mutating func validateNetworks() {
        let path = JSONPath.root / "networks"
        let networks = pod.networks
        let hosts = networks.filter { $0.mode == .host }
        let bridges = networks.filter { $0.mode == .containerBridge }
        let containers = networks.filter { $0.mode == .container }
        if hosts.contains(where: { ($0.name.map { !$0.isEmpty } ?? false) || !$0.labels.isEmpty }) {
            errors.violation(path, ValidationMessages.hostNetworkNamesOrLabels)
        }
        if bridges.contains(where: { $0.name.map { !$0.isEmpty } ?? false }) {
            errors.violation(path, ValidationMessages.bridgeNetworkNames)
        }
        let names = networks.compactMap(\.name)
        let unnamedContainers = containers.filter { $0.name == nil }.count
        if unnamedContainers >= 2 || Set(names).count != names.count {
            errors.violation(path, ValidationMessages.duplicateNetworks)
        }
        let valid = (hosts.count <= 1 && bridges.isEmpty && containers.isEmpty)
            || (hosts.isEmpty && bridges.count <= 1 && containers.isEmpty)
            || (hosts.isEmpty && bridges.isEmpty && !containers.isEmpty)
        if !valid { errors.violation(path, ValidationMessages.networkModes) }
        if unnamedContainers > 0, options.defaultNetworkName == nil {
            errors.violation(path, ValidationMessages.networkNameRequired)
        }
    }

    mutating func validateScheduling() {
        let path = JSONPath.root / "scheduling"
        let scheduling = pod.scheduling
        let backoff = path / "backoff"
        if scheduling.backoff.backoff < 0 {
            errors.violation(backoff / "backoff", ValidationMessages.atLeast(scheduling.backoff.backoff, 0))
        }
        if scheduling.backoff.backoffFactor < 0 {
            errors.violation(backoff / "backoffFactor", ValidationMessages.atLeast(scheduling.backoff.backoffFactor, 0))
        }
        if scheduling.backoff.maxLaunchDelay < 0 {
            errors.violation(backoff / "maxLaunchDelay", ValidationMessages.atLeast(scheduling.backoff.maxLaunchDelay, 0))
        }
        let upgrade = path / "upgrade"
        for (key, value) in [("maximumOverCapacity", scheduling.upgrade.maximumOverCapacity),
                             ("minimumHealthCapacity", scheduling.upgrade.minimumHealthCapacity)] {
            if value < 0 { errors.violation(upgrade / key, ValidationMessages.atLeast(value, 0)) }
            if value > 1 { errors.violation(upgrade / key, ValidationMessages.atMost(value, 1)) }
        }
        if pod.instances < 0 {
            errors.violation(.root / "scaling" / "instances", ValidationMessages.atLeast(pod.instances, 0))
        }
        let placement = path / "placement"
        let roles = scheduling.placement.acceptedResourceRoles
        validateAcceptedResourceRoles(roles, resident: false, at: placement / "acceptedResourceRoles")
        validateAcceptedResourceRoles(roles, resident: pod.isResident, at: .root / "acceptedResourceRoles")
        validateConstraints(scheduling.placement.constraints, at: placement / "constraints")
    }

    /// `roles is empty or validAcceptedResourceRoles(resident)`.
    private mutating func validateAcceptedResourceRoles(_ roles: [String], resident: Bool, at path: JSONPath) {
        guard !roles.isEmpty else { return }
        var inner = ErrorCollector()
        for role in roles {
            for message in PodValidator.roleNameViolations(role) { inner.violation(path, message) }
        }
        if resident, Set(roles) != ["*"] { inner.violation(path, ValidationMessages.residentAcceptedRoles) }
        if !inner.isEmpty {
            errors.violation(path, ValidationMessages.mustBeEmpty)
            errors.merge(inner)
        }
    }

    /// Mesos' rules for role names, in Marathon's words.
    static func roleNameViolations(_ role: String) -> [String] {
        var messages: [String] = []
        if role.isEmpty { messages.append("A role name must not be \"\".") }
        if role == "." { messages.append("A role name must not be \".\".") }
        if role == ".." { messages.append("A role name must not be \"..\".") }
        if role.hasPrefix("-") { messages.append("A role name must not start with a '-'.") }
        let forbidden: [(Unicode.Scalar, String)] = [
            ("\u{09}", "horizontal tab (\\x09)"), ("\u{0A}", "line feed (\\x0a)"), ("\u{0B}", "vertical tab (\\x0b)"),
            ("\u{0C}", "form feed (\\x0c)"), ("\u{0D}", "carriage return (\\x0d)"), (" ", "space (\\x20)"),
            ("/", "slash (\\x2f)"), ("\u{7F}", "backspace (\\x7f)"),
        ]
        for (character, name) in forbidden where role.unicodeScalars.contains(character) {
            messages.append("A role name must not include a \(name) character.")
        }
        return messages
    }

    /// `constraints is empty or every(valid constraint)`.
    private mutating func validateConstraints(_ constraints: [PlacementConstraint], at path: JSONPath) {
        var inner = ErrorCollector()
        for (index, constraint) in constraints.enumerated() {
            if let message = PodValidator.constraintViolation(constraint) {
                inner.violation(path.at(index), message)
            }
        }
        if !inner.isEmpty {
            errors.violation(path, ValidationMessages.mustBeEmpty)
            errors.merge(inner)
        }
    }

    static func constraintViolation(_ constraint: PlacementConstraint) -> String? {
        guard !constraint.fieldName.isEmpty else { return ValidationMessages.constraintField }
        let value = constraint.value
        switch constraint.operator {
        case .unique:
            return value == nil ? nil : ValidationMessages.constraintUnique
        case .cluster:
            return nil
        case .groupBy:
            return value.map(TextPatterns.isJavaInt) ?? true ? nil : ValidationMessages.constraintGroupBy
        case .maxPer:
            return value.map(TextPatterns.isJavaInt) ?? false ? nil : ValidationMessages.constraintMaxPer
        case .like, .unlike:
            guard let value else { return ValidationMessages.constraintLike }
            return (try? NSRegularExpression(pattern: value)) == nil ? ValidationMessages.constraintRegex : nil
        case .is:
            return TextPatterns.isMesosTextOrFloat(value ?? "") ? nil : ValidationMessages.constraintIs
        }
    }
}
