import Foundation
import MesosProtocol

extension LaunchContext {
    /// The task of one container.
    func taskInfo(_ container: PodContainer) -> Mesos_V1_TaskInfo {
        var task = Mesos_V1_TaskInfo()
        task.name = container.name
        task.taskID.value = taskId(of: container)
        task.agentID.value = launch.agentID
        let resources = container.resources
        task.resources = scalars(cpus: resources.cpus, mem: resources.mem, disk: resources.disk, gpus: resources.gpus)
        if let limits = container.resourceLimits {
            for (name, limit) in [("cpus", limits.cpus), ("mem", limits.mem)] {
                guard let limit else { continue }
                var scalar = Mesos_V1_Value.Scalar()
                scalar.value = limit.mesosValue
                task.limits[name] = scalar
            }
        }
        if !container.labels.isEmpty { task.labels = LaunchContext.labels(container.labels) }
        if let restart = container.lifecycle?.restart, restart.policy != .never {
            // The executor's restart policy (PodRestartContract): a label, which a real agent passes on.
            var label = Mesos_V1_Label()
            label.key = PodRestartContract.policyLabel
            label.value = restart.labelValue
            task.labels.labels.append(label)
        }
        if !container.dependsOn.isEmpty {
            var label = Mesos_V1_Label()
            label.key = PodRestartContract.dependsOnLabel
            label.value = PodRestartContract.dependsOnValue(container.dependsOn)
            task.labels.labels.append(label)
        }
        task.command = command(of: container)
        task.container = containerInfo(of: container)
        if let check = container.healthCheck, let healthCheck = healthCheck(check, of: container) {
            task.healthCheck = healthCheck
        }
        if let check = container.readinessCheck, let info = checkInfo(check, of: container) {
            task.check = info
            if check.http != nil {
                // For a READY dependency judged by the executor (PodReadinessContract).
                var label = Mesos_V1_Label()
                label.key = PodReadinessContract.statusCodesLabel
                label.value = PodReadinessContract.statusCodesValue(check.httpStatusCodesForReady)
                task.labels.labels.append(label)
            }
        }
        if let grace = container.lifecycle?.killGracePeriodSeconds {
            // The schema has no upper bound: saturate rather than trap on absurd values.
            let nanoseconds = (grace * 1e9).rounded(.towardZero)
            task.killPolicy.gracePeriod.nanoseconds = nanoseconds < 9.2e18 ? Int64(nanoseconds) : Int64.max
        }
        task.discovery = discovery(of: container)
        return task
    }

    /// The container's command: shell or argv, user, artifacts and environment.
    func command(of container: PodContainer) -> Mesos_V1_CommandInfo {
        var command = Mesos_V1_CommandInfo()
        // Explicitly false so that an image's entrypoint/cmd runs when there is no `exec`.
        command.shell = false
        if let exec = container.exec {
            switch exec.command {
            case .shell(let line):
                command.shell = true
                command.value = line
            case .argv(let argv):
                command.arguments = argv
                if exec.overrideEntrypoint == true, let program = argv.first { command.value = program }
            }
        }
        if let user = container.user ?? pod.user { command.user = user }
        command.uris = container.artifacts.map { artifact in
            var uri = Mesos_V1_CommandInfo.URI()
            uri.value = artifact.uri
            uri.cache = artifact.cache
            uri.extract = artifact.extract
            uri.executable = artifact.executable
            if let destPath = artifact.destPath { uri.outputFile = destPath }
            return uri
        }
        command.environment.variables = environment(of: container)
        return command
    }

    /// The container's `ContainerInfo`: volumes, image, TTY and Linux settings.
    func containerInfo(of container: PodContainer) -> Mesos_V1_ContainerInfo {
        var info = Mesos_V1_ContainerInfo()
        info.type = .mesos
        info.volumes = container.volumeMounts.compactMap(volume)
        if let image = container.image {
            var mesosImage = Mesos_V1_Image()
            mesosImage.type = .docker
            mesosImage.docker.name = image.id
            if let secret = image.pullConfigSecret { mesosImage.docker.config = self.secret(named: secret) }
            if let forcePull = image.forcePull { mesosImage.cached = !forcePull }
            info.mesos.image = mesosImage
        }
        if container.tty == true { info.ttyInfo = Mesos_V1_TTYInfo() }
        info.linuxInfo.shareCgroups = pod.legacySharedCgroups
        if let seccomp = container.linuxInfo?.seccomp {
            info.linuxInfo.seccomp.unconfined = seccomp.unconfined
            if let profile = seccomp.profileName { info.linuxInfo.seccomp.profileName = profile }
        }
        if let ipc = container.linuxInfo?.ipcInfo {
            info.linuxInfo.ipcMode = LaunchContext.ipcMode(ipc.mode)
            if let shmSize = ipc.shmSize { info.linuxInfo.shmSize = UInt32(clamping: shmSize) }
        }
        return info
    }

    /// The Mesos volume of one mount: host volumes by the legacy `host_path`, ephemeral ones
    /// in the executor sandbox under `volumes/<name>`, persistent ones at `<name>`, secret
    /// ones as a `SECRET` source by reference (Mesos' `volume/secret` shape), always
    /// read-only. Marathon core leaves secret volumes to a plugin; pod-executor mounts them.
    private func volume(_ mount: VolumeMount) -> Mesos_V1_Volume? {
        guard let podVolume = pod.volume(named: mount.name) else { return nil }
        var volume = Mesos_V1_Volume()
        volume.mode = mount.readOnly ? .ro : .rw
        volume.containerPath = mount.mountPath
        switch podVolume {
        case .host(_, let hostPath):
            volume.hostPath = hostPath
        case .ephemeral(let name):
            volume.source = LaunchContext.parentSandboxSource("volumes/" + name)
        case .persistent(let name, _):
            volume.source = LaunchContext.parentSandboxSource(name)
        case .secret(_, let secretName):
            volume.mode = .ro
            volume.source.type = .secret
            volume.source.secret = secret(named: secretName)
        }
        return volume
    }

    private static func parentSandboxSource(_ path: String) -> Mesos_V1_Volume.Source {
        var source = Mesos_V1_Volume.Source()
        source.type = .sandboxPath
        source.sandboxPath.type = .parent
        source.sandboxPath.path = path
        return source
    }

    /// The Mesos health check, or `nil` when an HTTP/TCP check has no port to probe.
    func healthCheck(_ check: HealthCheck, of container: PodContainer) -> Mesos_V1_HealthCheck? {
        var health = Mesos_V1_HealthCheck()
        if let command = check.exec {
            health.type = .command
            switch command {
            case .shell(let line):
                health.command.shell = true
                health.command.value = line
            case .argv(let argv):
                health.command.shell = false
                if let program = argv.first { health.command.value = program }
                health.command.arguments = argv
            }
        } else if let endpointName = check.endpointName {
            guard let endpoint = container.endpoints.first(where: { $0.name == endpointName }),
                  let port = probePort(of: endpoint)
            else { return nil }
            if let http = check.http {
                health.type = .http
                health.http.scheme = http.scheme == .https ? "https" : "http"
                health.http.port = UInt32(clamping: port)
                if let path = http.path { health.http.path = path }
                health.http.protocol = .ipv4
            } else {
                health.type = .tcp
                health.tcp.port = UInt32(clamping: port)
                health.tcp.protocol = .ipv4
            }
        } else {
            return nil
        }
        health.intervalSeconds = Double(check.intervalSeconds)
        health.timeoutSeconds = Double(check.timeoutSeconds)
        health.consecutiveFailures = UInt32(clamping: check.maxConsecutiveFailures)
        health.gracePeriodSeconds = Double(check.gracePeriodSeconds)
        health.delaySeconds = Double(check.delaySeconds)
        return health
    }

    /// Mesos probes inside the pod's network namespace: the container port, or with host
    /// networking the allocated host port.
    func probePort(of endpoint: Endpoint) -> Int? {
        pod.usesHostNetworking ? allocatedPorts[endpoint.name] : endpoint.containerPort
    }
}
