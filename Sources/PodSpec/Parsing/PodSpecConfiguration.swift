import Primitives

/// Server settings that change how pod definitions are validated and normalized (the
/// equivalents of Marathon's command-line flags and per-request role settings).
public struct PodSpecConfiguration: Sendable, Equatable {
    /// The `secrets` feature (`--enable_features secrets`). On by default: this server ships
    /// a secret store.
    public var secretsEnabled: Bool
    /// `--default_network_name`: the name given to container networks without one.
    public var defaultNetworkName: String?
    /// `--mesos_role`: the framework role, the default role of pods (default `*`).
    public var mesosRole: String
    /// The pod's top-level group enforces its role (`enforceRole`, or a new group under
    /// `--new_group_enforce_role=top`): its pods default to, and may only use, the group role.
    public var groupEnforcesRole: Bool
    /// The role of the stored pod being replaced (PUT), which stays a valid role.
    public var previousRole: String?
    /// `?force=true`: allow a role change of a resident pod.
    public var forceRoleUpdate: Bool
    /// `--deprecated_features=sanitize_accepted_resource_roles`: silently drop accepted
    /// resource roles other than `*` and the pod's role (off by default in 1.10).
    public var sanitizeAcceptedResourceRoles: Bool
    /// The version to stamp on the pod (default: the current time).
    public var version: PodVersion?

    /// Options; every parameter defaults to Marathon 1.10's default.
    public init(secretsEnabled: Bool = true, defaultNetworkName: String? = nil, mesosRole: String = "*",
                groupEnforcesRole: Bool = false, previousRole: String? = nil, forceRoleUpdate: Bool = false,
                sanitizeAcceptedResourceRoles: Bool = false, version: PodVersion? = nil) {
        self.secretsEnabled = secretsEnabled
        self.defaultNetworkName = defaultNetworkName
        self.mesosRole = mesosRole
        self.groupEnforcesRole = groupEnforcesRole
        self.previousRole = previousRole
        self.forceRoleUpdate = forceRoleUpdate
        self.sanitizeAcceptedResourceRoles = sanitizeAcceptedResourceRoles
        self.version = version
    }

    /// The roles a pod with this id may use and the role it gets by default
    /// (Marathon's `RoleSettings.forService`).
    public func roleSettings(for id: PodId) -> (validRoles: [String], defaultRole: String) {
        var valid: [String]
        let defaultRole: String
        if let group = id.topLevelGroup {
            if groupEnforcesRole {
                valid = [group]
                defaultRole = group
            } else {
                valid = [mesosRole, group]
                defaultRole = mesosRole
            }
        } else {
            valid = [mesosRole]
            defaultRole = mesosRole
        }
        if let previousRole { valid.append(previousRole) }
        var seen = Set<String>()
        valid = valid.filter { seen.insert($0).inserted }
        return (valid, defaultRole)
    }
}
