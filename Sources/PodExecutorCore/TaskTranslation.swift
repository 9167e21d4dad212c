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
    /// The values of the secrets the tasks reference, fetched from pod-scheduler.
    var secrets: [String: [UInt8]] = [:]

    /// The names of the secrets that `tasks` reference (environment, image pull
    /// configuration, volumes), sorted; empty for a group that uses none.
    static func secretReferences(_ tasks: [Mesos_V1_TaskInfo]) -> [String] {
        var names = Set<String>()
        func add(_ secret: Mesos_V1_Secret) {
            if secret.type == .reference, secret.hasReference { names.insert(secret.reference.name) }
        }
        for task in tasks {
            for variable in task.command.environment.variables where variable.type == .secret { add(variable.secret) }
            if task.container.mesos.image.docker.hasConfig { add(task.container.mesos.image.docker.config) }
            for volume in task.container.volumes where volume.source.type == .secret { add(volume.source.secret) }
        }
        return names.sorted()
    }

    /// The instance's secret token in the tasks' `data` (every task of the group has it).
    static func secretToken(_ tasks: [Mesos_V1_TaskInfo]) -> String? {
        tasks.lazy.compactMap { PodSecretsContract.token(inTaskData: Array($0.data)) }.first
    }

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
                environment.append((variable.name, try value(of: variable, task: name)))
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
        var linux = ContainerSpec.Linux()
        var rlimits: [ContainerSpec.ResourceLimitSpec] = []
        var tty = false
        if info.hasContainer {
            let container = info.container
            if container.hasMesos, container.mesos.hasImage {
                image = try self.image(container.mesos.image, task: name)
            }
            for volume in container.volumes {
                volumes.append(try self.volume(volume, task: name))
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

    func value(of variable: Mesos_V1_Environment.Variable, task: String) throws -> String {
        switch variable.type {
        case .secret:
            let what = "variable \(variable.name) of \(task)"
            guard variable.hasSecret else { throw Failure(description: "\(what) is a secret without a value") }
            let bytes = try secretBytes(variable.secret, what: what)
            // Mesos' `validateEnvironment` refuses them too: an environment entry ends at a NUL.
            guard !bytes.contains(0) else {
                throw Failure(description: "\(what) specifies a secret containing null bytes, which is not allowed in the environment")
            }
            return String(decoding: bytes, as: UTF8.self)
        default:
            return variable.value
        }
    }

    /// A secret's bytes: a reference from the fetched secrets (pod-scheduler sends only
    /// references), a value as it came (another framework's `VALUE` secret).
    func secretBytes(_ secret: Mesos_V1_Secret, what: String) throws -> [UInt8] {
        switch secret.type {
        case .reference:
            guard let bytes = secrets[secret.reference.name] else {
                throw Failure(description: "\(what) references secret '\(secret.reference.name)', which was not fetched from pod-scheduler")
            }
            return bytes
        case .value:
            return Array(secret.value.data)
        default:
            if secret.hasValue { return Array(secret.value.data) }
            throw Failure(description: "\(what) has a secret of unknown type")
        }
    }

    func image(_ image: Mesos_V1_Image, task: String) throws -> ContainerSpec.ImageSpec {
        guard image.type == .docker, image.hasDocker else {
            throw Failure(description: "container \(task): only Docker images are supported (got \(image.type))")
        }
        var config: [UInt8]?
        if image.docker.hasConfig {
            config = try secretBytes(image.docker.config, what: "the pull secret of \(task)")
        }
        return ContainerSpec.ImageSpec(reference: image.docker.name, pullConfig: config, forcePull: !image.cached)
    }

    func volume(_ v: Mesos_V1_Volume, task: String) throws -> ContainerSpec.Volume {
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
        case .secret:
            let what = "the secret volume at \(v.containerPath) of \(task)"
            let name = v.source.secret.type == .reference ? v.source.secret.reference.name : v.containerPath
            return .init(source: .secret(name: name, data: try secretBytes(v.source.secret, what: what)),
                         containerPath: v.containerPath, readOnly: true)
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

    static func linux(_ info: Mesos_V1_LinuxInfo, task: String) throws -> ContainerSpec.Linux {
        var linux = ContainerSpec.Linux()
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
