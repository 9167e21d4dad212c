extension PodDefinition {
    /// The names of the pod's `secrets` that a launch hands to its containers: pod and
    /// container environment references, image `pullConfig`s and secret volumes that a
    /// container mounts. A declared secret nothing uses is not among them: its source is
    /// neither checked before a launch nor readable by the instance's executor.
    public var referencedSecretNames: [String] {
        var names = Set<String>()
        for case .secret(let name) in environment.values { names.insert(name) }
        for container in containers {
            for case .secret(let name) in container.environment.values { names.insert(name) }
            if let name = container.image?.pullConfigSecret { names.insert(name) }
            for mount in container.volumeMounts {
                if case .secret(_, let name)? = volume(named: mount.name) { names.insert(name) }
            }
        }
        return names.filter { secrets[$0] != nil }.sorted()
    }
}
