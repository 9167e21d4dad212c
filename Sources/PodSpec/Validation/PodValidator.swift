/// Marathon 1.10's semantic validation of a pod as read from the request (before
/// normalization), producing wix-accord's messages at Marathon's paths.
struct PodValidator {
    let pod: PodDefinition
    let facts: PodInputFacts
    let options: PodSpecConfiguration
    var errors = ErrorCollector()

    /// Validates a freshly read pod.
    ///
    /// - Throws: `PodSpecError.notValid` with every violation, one entry per path.
    static func validate(_ pod: PodDefinition, facts: PodInputFacts, options: PodSpecConfiguration) throws(PodSpecError) {
        var validator = PodValidator(pod: pod, facts: facts, options: options)
        validator.validatePod()
        if !validator.errors.isEmpty { throw .notValid(validator.errors.details) }
    }

    mutating func validatePod() {
        let root = JSONPath.root
        validateId()
        if let user = pod.user, user.isEmpty { errors.violation(root / "user", ValidationMessages.mustNotBeEmpty) }
        validateEnvironment(pod.environment, at: root / "environment")
        validateVolumes()
        validateContainers()
        validateSecrets()
        validateNetworks()
        validateScheduling()
        validatePodEndpoints()
        validateResidency()
        if let linuxInfo = pod.linuxInfo {
            let path = root / "linuxInfo"
            if linuxInfo.seccomp != nil { errors.violation(path / "seccomp", ValidationMessages.seccompOnExecutor) }
            validateIPC(linuxInfo.ipcInfo, at: path / "ipcInfo")
        }
    }

    // MARK: - Pod level

    private mutating func validateId() {
        let path = JSONPath.root / "id"
        let raw = RawPathId(facts.rawId)
        for message in raw.segmentViolations() { errors.violation(path, message) }
        if !raw.absolute { errors.violation(path, "Path needs to be absolute") }
        if raw.segments.isEmpty { errors.violation(path, "Path must contain at least one path element") }
    }

    /// Pod or container environment.
    mutating func validateEnvironment(_ environment: [String: EnvVarValue], at path: JSONPath) {
        let references = environment.sorted { $0.key < $1.key }.compactMap { entry -> (String, String)? in
            if case .secret(let secret) = entry.value { return (entry.key, secret) }
            return nil
        }
        if !options.secretsEnabled, !references.isEmpty {
            errors.violation(path, ValidationMessages.secretRefsNeedFeature)
        }
        for (name, secret) in references where pod.secrets[secret] == nil {
            errors.violation(path / name / "secret", ValidationMessages.undefinedSecret)
        }
    }

    private mutating func validateVolumes() {
        let path = JSONPath.root / "volumes"
        // `secretVolumes is empty or featureEnabled` and `… is empty or every(refers to a
        // secret)`: a failing alternative also reports "must be empty".
        let secretVolumes = pod.volumes.enumerated().compactMap { index, volume -> (Int, String)? in
            if case .secret(_, let secret) = volume { return (index, secret) }
            return nil
        }
        if !secretVolumes.isEmpty, !options.secretsEnabled {
            errors.violation(path, ValidationMessages.mustBeEmpty)
            errors.violation(path, ValidationMessages.secretsFeatureDisabled)
        }
        let undefined = secretVolumes.filter { pod.secrets[$0.1] == nil }
        if !undefined.isEmpty {
            errors.violation(path, ValidationMessages.mustBeEmpty)
            for (index, _) in undefined {
                errors.violation(path.at(index) / "secret", ValidationMessages.secretVolumeMustReferenceSecret)
            }
        }
        for (index, volume) in pod.volumes.enumerated() {
            let mounted = pod.containers.contains { $0.volumeMounts.contains { $0.name == volume.name } }
            if !mounted { errors.violation(path.at(index), ValidationMessages.volumeMustBeReferenced) }
        }
        if Set(pod.volumes.map(\.name)).count != pod.volumes.count {
            errors.violation(path, ValidationMessages.volumeNamesUnique)
        }
    }

    private mutating func validateSecrets() {
        guard !pod.secrets.isEmpty else { return }
        // `secrets is empty or (valid secrets and featureEnabled)`.
        let path = JSONPath.root / "secrets"
        var inner = ErrorCollector()
        for (index, name) in pod.secrets.keys.sorted().enumerated() where name.isEmpty {
            inner.violation((path / "keys").at(index), ValidationMessages.mustNotBeEmpty)
        }
        for (name, secret) in pod.secrets.sorted(by: { $0.key < $1.key }) where secret.source.isEmpty {
            inner.violation(path / name / "source", ValidationMessages.mustNotBeEmpty)
        }
        if !options.secretsEnabled { inner.violation(path, ValidationMessages.secretsFeatureDisabled) }
        if !inner.isEmpty {
            errors.violation(path, ValidationMessages.mustBeEmpty)
            errors.merge(inner)
        }
    }

    private mutating func validatePodEndpoints() {
        let endpoints = pod.allEndpoints
        let root = JSONPath.root
        if Set(endpoints.map(\.name)).count != endpoints.count {
            errors.violation(root, ValidationMessages.endpointNamesUnique)
        }
        let containerPorts = endpoints.compactMap(\.containerPort).filter { $0 != 0 }
        if Set(containerPorts).count != containerPorts.count {
            errors.violation(root, ValidationMessages.containerPortsUnique)
        }
        let hostPorts = endpoints.compactMap(\.hostPort).filter { $0 != 0 }
        if Set(hostPorts).count != hostPorts.count {
            errors.violation(root, ValidationMessages.hostPortsUnique)
        }
    }

    private mutating func validateResidency() {
        guard pod.isResident else { return }
        if facts.upgradeGiven {
            let upgrade = pod.scheduling.upgrade
            let path = JSONPath.root / "upgrade"
            if !(0...1).contains(upgrade.minimumHealthCapacity) {
                errors.violation(path / "minimumHealthCapacity",
                                 ValidationMessages.between(upgrade.minimumHealthCapacity, 0, 1))
            }
            if upgrade.maximumOverCapacity != 0 {
                errors.violation(path / "maximumOverCapacity",
                                 ValidationMessages.equalTo(upgrade.maximumOverCapacity, 0))
            }
        }
        if facts.unreachableGiven, pod.scheduling.unreachableStrategy != .disabled {
            errors.violation(.root, ValidationMessages.residentUnreachable)
        }
    }

    /// `ipcInfo` rule shared by pods and containers.
    mutating func validateIPC(_ ipcInfo: LinuxInfo.IPCInfo?, at path: JSONPath) {
        if let ipcInfo, ipcInfo.mode == .shareParent, ipcInfo.shmSize != nil {
            errors.violation(path, ValidationMessages.shmSizeWithShareParent)
        }
    }
}
