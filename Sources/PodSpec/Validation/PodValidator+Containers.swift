extension PodValidator {
    mutating func validateContainers() {
        let path = JSONPath.root / "containers"
        if pod.containers.isEmpty { errors.violation(path, ValidationMessages.mustNotBeEmpty) }
        for deferred in facts.deferredViolations { errors.violation(deferred.path, deferred.message) }
        for (index, container) in pod.containers.enumerated() {
            validateContainer(container, at: path.at(index))
        }
        if Set(pod.containers.map(\.name)).count != pod.containers.count {
            errors.violation(path, ValidationMessages.containerNamesUnique)
        }
        validateDependencies()
    }

    private mutating func validateContainer(_ container: PodContainer, at path: JSONPath) {
        validateResources(container.resources, at: path / "resources")
        if let limits = container.resourceLimits {
            let limitsPath = path / "resourceLimits"
            if case .value(let cpus)? = limits.cpus, cpus < container.resources.cpus {
                errors.violation(limitsPath / "cpus", ValidationMessages.limitBelowRequest(container.resources.cpus))
            }
            if case .value(let mem)? = limits.mem, mem < container.resources.mem {
                errors.violation(limitsPath / "mem", ValidationMessages.limitBelowRequest(container.resources.mem))
            }
        }
        for (index, endpoint) in container.endpoints.enumerated() {
            validateEndpoint(endpoint, at: (path / "endpoints").at(index))
        }
        if let image = container.image { validateImage(image, at: path / "image") }
        validateEnvironment(container.environment, at: path / "environment")
        if let healthCheck = container.healthCheck {
            validateHealthCheck(healthCheck, of: container, at: path / "healthCheck")
        }
        if let readinessCheck = container.readinessCheck {
            validateReadinessCheck(readinessCheck, of: container, at: path / "readinessCheck")
        }
        let volumeNames = Set(pod.volumes.map(\.name))
        for (index, mount) in container.volumeMounts.enumerated() where !volumeNames.contains(mount.name) {
            errors.violation((path / "volumeMounts").at(index) / "name", ValidationMessages.mountedVolumeMustExist)
        }
        if let linuxInfo = container.linuxInfo {
            let linuxPath = path / "linuxInfo"
            if let seccomp = linuxInfo.seccomp {
                if seccomp.profileName != nil, seccomp.unconfined {
                    errors.violation(linuxPath / "seccomp", ValidationMessages.seccompProfileAndUnconfined)
                } else if seccomp.profileName == nil, !seccomp.unconfined {
                    errors.violation(linuxPath / "seccomp", ValidationMessages.seccompNeitherProfileNorUnconfined)
                }
            }
            validateIPC(linuxInfo.ipcInfo, at: linuxPath / "ipcInfo")
        }
        validateRestart(container, at: path)
        if pod.legacySharedCgroups, container.resourceLimits != nil {
            errors.violation(path / "resourceLimits", ValidationMessages.limitsWithSharedCgroups)
        }
    }

    private mutating func validateResources(_ resources: Resources, at path: JSONPath) {
        if resources.cpus < 0 { errors.violation(path / "cpus", ValidationMessages.atLeast(resources.cpus, 0)) }
        if resources.mem < 0 { errors.violation(path / "mem", ValidationMessages.atLeast(resources.mem, 0)) }
        if resources.disk < 0 { errors.violation(path / "disk", ValidationMessages.atLeast(resources.disk, 0)) }
        if resources.gpus < 0 { errors.violation(path / "gpus", ValidationMessages.atLeast(resources.gpus, 0)) }
    }

    private mutating func validateEndpoint(_ endpoint: Endpoint, at path: JSONPath) {
        let declaredNames = pod.networks.compactMap(\.name)
        for (index, name) in endpoint.networkNames.enumerated() where !declaredNames.contains(name) {
            errors.violation((path / "networkNames").at(index), ValidationMessages.notOneOf(declaredNames))
        }
        if pod.networks.contains(where: { $0.mode == .host }), endpoint.containerPort != nil {
            errors.violation(path / "containerPort", ValidationMessages.containerPortForbidden)
        }
        if pod.networks.contains(where: { $0.mode == .container }), endpoint.containerPort == nil {
            errors.violation(path / "containerPort", ValidationMessages.containerPortRequired)
        }
        if Set(endpoint.protocol).count != endpoint.protocol.count {
            errors.violation(path / "protocol", ValidationMessages.duplicateProtocols)
        }
        let containerNetworks = pod.networks.filter { $0.mode == .container }.count
        if containerNetworks > 1, endpoint.hostPort != nil, endpoint.networkNames.count != 1 {
            errors.violation(path, ValidationMessages.networkNameForHostPort)
        }
    }

    private mutating func validateImage(_ image: Image, at path: JSONPath) {
        guard let secret = image.pullConfigSecret else { return }
        let pullConfig = path / "pullConfig"
        // `pullConfig is empty or featureEnabled`.
        if !options.secretsEnabled {
            errors.violation(pullConfig, ValidationMessages.mustBeEmpty)
            errors.violation(pullConfig, ValidationMessages.secretsFeatureDisabled)
        }
        if pod.secrets[secret] == nil {
            errors.violation(pullConfig, ValidationMessages.pullConfigMustReferenceSecret)
        }
    }

    private mutating func validateHealthCheck(_ check: HealthCheck, of container: PodContainer, at path: JSONPath) {
        if check.gracePeriodSeconds < 0 {
            errors.violation(path / "gracePeriodSeconds", ValidationMessages.atLeast(check.gracePeriodSeconds, 0))
        }
        if check.intervalSeconds < 0 {
            errors.violation(path / "intervalSeconds", ValidationMessages.atLeast(check.intervalSeconds, 0))
        }
        if check.timeoutSeconds >= check.intervalSeconds {
            errors.violation(path / "timeoutSeconds", ValidationMessages.lessThan(check.timeoutSeconds, check.intervalSeconds))
        }
        if check.maxConsecutiveFailures < 0 {
            errors.violation(path / "maxConsecutiveFailures", ValidationMessages.atLeast(check.maxConsecutiveFailures, 0))
        }
        if check.timeoutSeconds < 0 {
            errors.violation(path / "timeoutSeconds", ValidationMessages.atLeast(check.timeoutSeconds, 0))
        }
        if check.delaySeconds < 0 {
            errors.violation(path / "delaySeconds", ValidationMessages.atLeast(check.delaySeconds, 0))
        }
        let endpointNames = Set(container.endpoints.map(\.name))
        if let http = check.http, !endpointNames.contains(http.endpoint) {
            errors.violation(path / "http" / "endpoint", ValidationMessages.endpointOfContainer)
        }
        if let tcp = check.tcpEndpoint, !endpointNames.contains(tcp) {
            errors.violation(path / "tcp" / "endpoint", ValidationMessages.endpointOfContainer)
        }
        // Command checks need Mesos >= 1.3, which this server assumes.
        let kinds = [check.http != nil, check.tcpEndpoint != nil, check.exec != nil].filter { $0 }.count
        if kinds != 1 { errors.violation(path, ValidationMessages.oneHealthCheckKind) }
    }
}
