import Primitives

extension SchemaReader {
    /// `scheduling`.
    mutating func scheduling(_ value: JSONValue, at path: JSONPath, facts: inout PodInputFacts) -> PodSchedulingPolicy? {
        guard let object = object(value, at: path) else { return nil }
        var policy = PodSchedulingPolicy()
        if let backoff = optional(object, "backoff", at: path, { $0.backoff($1, at: $2) }) {
            policy.backoff = backoff
        }
        if let upgrade = optional(object, "upgrade", at: path, { $0.upgrade($1, at: $2) }) {
            policy.upgrade = upgrade
            facts.upgradeGiven = true
        }
        if let placement = optional(object, "placement", at: path, { $0.placement($1, at: $2) }) {
            policy.placement = placement
        }
        if let killSelection = optional(object, "killSelection", at: path, {
            $0.enumeration($1, at: $2, as: PodSchedulingPolicy.KillSelection.self)
        }) {
            policy.killSelection = killSelection
        }
        if let unreachable = optional(object, "unreachableStrategy", at: path, { $0.unreachableStrategy($1, at: $2) }) {
            policy.unreachableStrategy = unreachable
            facts.unreachableGiven = true
        }
        return policy
    }

    mutating func backoff(_ value: JSONValue, at path: JSONPath) -> PodSchedulingPolicy.Backoff? {
        guard let object = object(value, at: path) else { return nil }
        let defaults = PodSchedulingPolicy.Backoff()
        let backoff = optional(object, "backoff", at: path) { $0.double($1, at: $2, min: 0) }
        let factor = optional(object, "backoffFactor", at: path) { $0.double($1, at: $2, min: 0) }
        let maxDelay = optional(object, "maxLaunchDelay", at: path) { $0.double($1, at: $2, min: 0) }
        return PodSchedulingPolicy.Backoff(backoff: backoff ?? defaults.backoff,
                                           backoffFactor: factor ?? defaults.backoffFactor,
                                           maxLaunchDelay: maxDelay ?? defaults.maxLaunchDelay)
    }

    mutating func upgrade(_ value: JSONValue, at path: JSONPath) -> PodSchedulingPolicy.Upgrade? {
        guard let object = object(value, at: path) else { return nil }
        let minimum = optional(object, "minimumHealthCapacity", at: path) { $0.double($1, at: $2, min: 0, max: 1) }
        let maximum = optional(object, "maximumOverCapacity", at: path) { $0.double($1, at: $2, min: 0, max: 1) }
        return PodSchedulingPolicy.Upgrade(minimumHealthCapacity: minimum ?? 1, maximumOverCapacity: maximum ?? 1)
    }

    mutating func placement(_ value: JSONValue, at path: JSONPath) -> PodSchedulingPolicy.Placement? {
        guard let object = object(value, at: path) else { return nil }
        let constraints = optional(object, "constraints", at: path) { reader, value, path in
            reader.list(value, at: path) { $0.constraint($1, at: $2) }
        }
        let roles = optional(object, "acceptedResourceRoles", at: path) { reader, value, path in
            reader.list(value, at: path) { $0.string($1, at: $2) }
        }
        // Both lists are sets in Marathon: keep the first occurrence of each entry.
        var seenConstraints = Set<PlacementConstraint>()
        var seenRoles = Set<String>()
        return PodSchedulingPolicy.Placement(
            constraints: (constraints ?? []).filter { seenConstraints.insert($0).inserted },
            acceptedResourceRoles: (roles ?? []).filter { seenRoles.insert($0).inserted })
    }

    mutating func constraint(_ value: JSONValue, at path: JSONPath) -> PlacementConstraint? {
        guard let object = object(value, at: path) else { return nil }
        let field = required(object, "fieldName", at: path) { $0.string($1, at: $2) }
        let op = required(object, "operator", at: path) { $0.enumeration($1, at: $2, as: PlacementConstraint.Operator.self) }
        let operand = optional(object, "value", at: path) { $0.string($1, at: $2) }
        guard let field, let op else { return nil }
        return PlacementConstraint(fieldName: field, operator: op, value: operand)
    }

    /// `"disabled"` or `{"inactiveAfterSeconds": n, "expungeAfterSeconds": n}`.
    mutating func unreachableStrategy(_ value: JSONValue, at path: JSONPath) -> UnreachableStrategy? {
        if case .string(let text) = value {
            guard text.lowercased() == "disabled" else {
                fail(path, "error.unknown.enum.literal")
                return nil
            }
            return .disabled
        }
        guard let object = object(value, at: path) else { return nil }
        let inactive = optional(object, "inactiveAfterSeconds", at: path) { $0.long($1, at: $2, min: 0) }
        let expunge = optional(object, "expungeAfterSeconds", at: path) { $0.long($1, at: $2, min: 0) }
        return .enabled(inactiveAfterSeconds: inactive ?? 0, expungeAfterSeconds: expunge ?? 0)
    }
}
