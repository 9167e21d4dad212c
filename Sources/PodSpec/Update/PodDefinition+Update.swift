extension PodDefinition {
    /// Whether `other` differs from this pod in anything that needs new instances (Marathon's
    /// `isUpgrade`): user, environment, labels, accepted resource roles, secrets, containers,
    /// constraints, volumes, networks, backoff, upgrade strategy, role or Linux settings;
    /// also our `logRotation` (the executor reads it once, at its start).
    public func isUpgrade(to other: PodDefinition) -> Bool {
        id != other.id || user != other.user || environment != other.environment || labels != other.labels
            || Set(scheduling.placement.acceptedResourceRoles) != Set(other.scheduling.placement.acceptedResourceRoles)
            || secrets != other.secrets || containers != other.containers
            || Set(scheduling.placement.constraints) != Set(other.scheduling.placement.constraints)
            || volumes != other.volumes || networks != other.networks || scheduling.backoff != other.scheduling.backoff
            || scheduling.upgrade != other.scheduling.upgrade || role != other.role || linuxInfo != other.linuxInfo
            || logRotation != other.logRotation
    }
}
