extension PodDefinition {
    /// Marathon 1.10's normalization of a validated pod (its `PodNormalization` plus the
    /// defaults of the conversion to the stored model).
    mutating func normalize(facts: PodInputFacts, options: PodSpecConfiguration) {
        // Unnamed container networks join the default network.
        if let defaultName = options.defaultNetworkName {
            for index in networks.indices where networks[index].mode == .container && networks[index].name == nil {
                networks[index].name = defaultName
            }
        }
        // Without container networks every endpoint gets a host port, 0 meaning "any".
        if !usesContainerNetworks {
            for container in containers.indices {
                for endpoint in containers[container].endpoints.indices
                where containers[container].endpoints[endpoint].hostPort == nil {
                    containers[container].endpoints[endpoint].hostPort = 0
                }
            }
        }
        // Resident pods must not over-provision nor replace unreachable instances.
        if isResident {
            if !facts.upgradeGiven { scheduling.upgrade = .resident }
            if !facts.unreachableGiven { scheduling.unreachableStrategy = .disabled }
        }
        role = facts.role ?? options.roleSettings(for: id).defaultRole
        if options.sanitizeAcceptedResourceRoles {
            scheduling.placement.acceptedResourceRoles.removeAll { $0 != "*" && $0 != role }
        }
        version = options.version ?? .now()
    }
}
