import Foundation
import MesosProtocol
import PodRuntime

/// Turns a Mesos `TaskInfo` into the runtime's `ContainerSpec`, with the variables the
/// default executor adds (`MESOS_CONTAINER_IP`, `MESOS_ALLOCATION_ROLE`, docs/reference/mesos-executor-protocol.md §5.1/§5.8).
struct TaskTranslation {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The IP the task's `MESOS_CONTAINER_IP` carries (pod IP, or the agent's).
    var containerIP: String?
    /// The user when the command names none (`FrameworkInfo.user`).
    var frameworkUser: String?

    func spec(for info: Mesos_V1_TaskInfo) throws -> ContainerSpec {
        let id = info.taskID.value
        let name = info.name.isEmpty ? id : info.name
        var command = ContainerSpec.Command(shell: false, value: nil, arguments: [])
        var environment: [(String, String)] = []
        var user: String? = frameworkUser
        var artifacts: [ContainerSpec.Artifact] = []
        var secretNames: Set<String> = []
        if info.hasCommand {
            let c = info.command
            command = ContainerSpec.Command(shell: c.shell, value: c.hasValue ? c.value : nil, arguments: c.arguments)
            if c.hasUser { user = c.user }
            for variable in c.environment.variables {
                environment.append((variable.name, try Self.value(of: variable, task: name)))
                if variable.type == .secret { secretNames.insert(variable.name) }
            }
            artifacts = c.uris.map { uri in
                ContainerSpec.Artifact(uri: uri.value, executable: uri.executable, extract: uri.extract, cache: uri.cache,
                                       outputFile: uri.hasOutputFile ? uri.outputFile : nil)
            }
        }
        if let ip = containerIP { environment.append(("MESOS_CONTAINER_IP", ip)) }
        if let role = info.resources.first(where: { $0.hasAllocationInfo && $0.allocationInfo.hasRole })?.allocationInfo.role {
            environment.append(("MESOS_ALLOCATION_ROLE", role))
        }

        var image: ContainerSpec.ImageSpec?
        var volumes: [ContainerSpec.Volume] = []
        var linux = ContainerSpec.LinuxOptions()
        var rlimits: [ContainerSpec.ResourceLimitSpec] = []
        var tty = false
        if info.hasContainer {
            let container = info.container
            if container.hasMesos, container.mesos.hasImage {
                image = try Self.image(container.mesos.image, task: name)
            }
            for volume in container.volumes {
                volumes.append(try Self.volume(volume, task: name))
            }
            if container.hasLinuxInfo {
                linux = try Self.linux(container.linuxInfo, task: name)
            }
            if container.hasRlimitInfo {
                rlimits = try container.rlimitInfo.rlimits.map { try Self.rlimit($0, task: name) }
            }
            tty = container.hasTtyInfo
        }

        var resources = ContainerSpec.Resources()
        resources.cpus = info.resources.contains { $0.name == "cpus" } ? info.resources.scalar("cpus") : nil
        resources.memory = info.resources.contains { $0.name == "mem" } ? info.resources.scalar("mem") : nil
        resources.disk = info.resources.contains { $0.name == "disk" } ? info.resources.scalar("disk") : nil
        resources.gpus = info.resources.contains { $0.name == "gpus" } ? info.resources.scalar("gpus") : nil
        if let cpus = info.limits["cpus"] { resources.cpuLimit = cpus.value }
        if let mem = info.limits["mem"] { resources.memoryLimit = mem.value }

        // Without an image the task runs as a host user (the framework's by default); with
        // an image the image's USER applies unless the task names one.
        if image != nil, !(info.hasCommand && info.command.hasUser) { user = nil }
        var spec = ContainerSpec(taskID: id, name: name, containerID: UUID().uuidString.lowercased(), command: command,
                                 environment: environment, image: image, volumes: volumes, resources: resources, linux: linux,
                                 resourceLimits: rlimits, artifacts: artifacts, tty: tty, user: user)
        spec.secretEnvironmentNames = secretNames
        return spec
    }

    static func value(of variable: Mesos_V1_Environment.Variable, task: String) throws -> String {
        switch variable.type {
        case .secret:
            guard variable.hasSecret else { throw Failure(description: "variable \(variable.name) of \(task) is a secret without a value") }
            return try secretText(variable.secret, what: "variable \(variable.name) of \(task)")
        default:
            return variable.value
        }
    }

    static func secretBytes(_ secret: Mesos_V1_Secret, what: String) throws -> [UInt8] {
        switch secret.type {
        case .value:
            return Array(secret.value.data)
        case .reference:
            // Mesos resolves references with a secret-resolver module; ours are resolved by
            // the scheduler and arrive as values.
            throw Failure(description: "\(what) references secret '\(secret.reference.name)', which this agent cannot resolve (the scheduler sends secret values)")
        default:
            if secret.hasValue { return Array(secret.value.data) }
            throw Failure(description: "\(what) has a secret of unknown type")
        }
    }

    static func secretText(_ secret: Mesos_V1_Secret, what: String) throws -> String {
        String(decoding: try secretBytes(secret, what: what), as: UTF8.self)
    }

    static func image(_ image: Mesos_V1_Image, task: String) throws -> ContainerSpec.ImageSpec {
        guard image.type == .docker, image.hasDocker else {
            throw Failure(description: "container \(task): only Docker images are supported (got \(image.type))")
        }
        var config: [UInt8]?
        if image.docker.hasConfig {
            config = try secretBytes(image.docker.config, what: "the pull secret of \(task)")
        }
        return ContainerSpec.ImageSpec(reference: image.docker.name, pullConfig: config, forcePull: !image.cached)
    }

    static func volume(_ v: Mesos_V1_Volume, task: String) throws -> ContainerSpec.Volume {
        let readOnly = v.mode == .ro
        if v.hasHostPath {
            return .init(source: .host(v.hostPath), containerPath: v.containerPath, readOnly: readOnly)
        }
        guard v.hasSource else {
            if v.hasImage { throw Failure(description: "container \(task): image volumes are not supported") }
            throw Failure(description: "container \(task): volume at \(v.containerPath) has no source")
        }
        switch v.source.type {
        case .sandboxPath:
            let path = v.source.sandboxPath.path
            switch v.source.sandboxPath.type {
            case .self_: return .init(source: .containerSandbox(path), containerPath: v.containerPath, readOnly: readOnly)
            default: return .init(source: .podSandbox(path), containerPath: v.containerPath, readOnly: readOnly)
            }
        case .hostPath:
            return .init(source: .host(v.source.hostPath.path), containerPath: v.containerPath, readOnly: readOnly)
        default:
            throw Failure(description: "container \(task): volume source \(v.source.type) at \(v.containerPath) is not supported")
        }
    }

    static func capabilityNames(_ info: Mesos_V1_CapabilityInfo) -> [String] {
        info.capabilities.compactMap { cap in
            let number = cap.rawValue - 1000
            return number >= 0 ? capabilityByNumber[number] : nil
        }
    }

    private static let capabilityByNumber: [Int: String] = [
        0: "CHOWN", 1: "DAC_OVERRIDE", 2: "DAC_READ_SEARCH", 3: "FOWNER", 4: "FSETID", 5: "KILL", 6: "SETGID",
        7: "SETUID", 8: "SETPCAP", 9: "LINUX_IMMUTABLE", 10: "NET_BIND_SERVICE", 11: "NET_BROADCAST", 12: "NET_ADMIN",
        13: "NET_RAW", 14: "IPC_LOCK", 15: "IPC_OWNER", 16: "SYS_MODULE", 17: "SYS_RAWIO", 18: "SYS_CHROOT",
        19: "SYS_PTRACE", 20: "SYS_PACCT", 21: "SYS_ADMIN", 22: "SYS_BOOT", 23: "SYS_NICE", 24: "SYS_RESOURCE",
        25: "SYS_TIME", 26: "SYS_TTY_CONFIG", 27: "MKNOD", 28: "LEASE", 29: "AUDIT_WRITE", 30: "AUDIT_CONTROL",
        31: "SETFCAP", 32: "MAC_OVERRIDE", 33: "MAC_ADMIN", 34: "SYSLOG", 35: "WAKE_ALARM", 36: "BLOCK_SUSPEND",
        37: "AUDIT_READ", 38: "PERFMON", 39: "BPF", 40: "CHECKPOINT_RESTORE",
    ]

    static func linux(_ info: Mesos_V1_LinuxInfo, task: String) throws -> ContainerSpec.LinuxOptions {
        var linux = ContainerSpec.LinuxOptions()
        if info.hasBoundingCapabilities { linux.boundingCapabilities = capabilityNames(info.boundingCapabilities) }
        if info.hasEffectiveCapabilities { linux.effectiveCapabilities = capabilityNames(info.effectiveCapabilities) }
        if info.hasCapabilityInfo && !info.hasBoundingCapabilities && !info.hasEffectiveCapabilities {
            // The deprecated field sets both.
            let names = capabilityNames(info.capabilityInfo)
            linux.boundingCapabilities = names
            linux.effectiveCapabilities = names
        }
        if info.hasSeccomp {
            if info.seccomp.unconfined {
                linux.seccompUnconfined = true
            } else if info.seccomp.hasProfileName {
                linux.seccompProfile = info.seccomp.profileName
            }
        }
        if info.hasIpcMode {
            linux.ipc = info.ipcMode == .shareParent ? .shareParent : .private
        }
        if info.hasShmSize {
            guard info.ipcMode != .shareParent else {
                throw Failure(description: "container \(task): shm_size cannot be set with ipc_mode SHARE_PARENT")
            }
            linux.shmSize = Int(info.shmSize)
        }
        linux.sharePIDNamespace = info.sharePidNamespace
        return linux
    }

    static func rlimit(_ r: Mesos_V1_RLimitInfo.RLimit, task: String) throws -> ContainerSpec.ResourceLimitSpec {
        let resources: [Mesos_V1_RLimitInfo.RLimit.TypeEnum: Int32] = [
            .rlmtAs: 9, .rlmtCore: 4, .rlmtCpu: 0, .rlmtData: 2, .rlmtFsize: 1, .rlmtLocks: 10, .rlmtMemlock: 8,
            .rlmtMsgqueue: 12, .rlmtNice: 13, .rlmtNofile: 7, .rlmtNproc: 6, .rlmtRss: 5, .rlmtRtprio: 14,
            .rlmtRttime: 15, .rlmtSigpending: 11, .rlmtStack: 3,
        ]
        guard let resource = resources[r.type] else {
            throw Failure(description: "container \(task): unknown rlimit type \(r.type)")
        }
        // Both unset means unlimited, as in Mesos.
        let unlimited = UInt64.max
        let soft = r.hasSoft ? r.soft : unlimited
        let hard = r.hasHard ? r.hard : unlimited
        guard soft <= hard else { throw Failure(description: "container \(task): rlimit \(r.type) soft limit exceeds hard limit") }
        return .init(resource: resource, soft: soft, hard: hard)
    }
}
