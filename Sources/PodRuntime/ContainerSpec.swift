import MesosFetcher
import PodSystem

/// What the runtime needs to run one container of a pod, independent of Mesos types.
/// The executor translates each `TaskInfo` into one of these.
public struct ContainerSpec: Sendable {
    /// The task id (Mesos) this container runs.
    public var taskID: String
    /// The task name (the pod container's name).
    public var name: String
    /// Our id for the container (sandbox directory name, cgroup name).
    public var containerID: String
    public var command: Command
    /// The task environment, in order; later entries win.
    public var environment: [(String, String)]
    public var image: ImageSpec?
    public var volumes: [Volume]
    public var resources: Resources
    public var linux: Linux
    public var resourceLimits: [ResourceLimitSpec]
    /// Artifacts to fetch into the container sandbox before it starts.
    public var artifacts: [Artifact]
    public var tty: Bool
    /// The user to run as (name or uid), nil for root.
    public var user: String?
    /// Names of `environment` variables whose values are secrets: kept out of the
    /// runtime state that `podctl agent` reads.
    public var secretEnvironmentNames: Set<String> = []

    public init(taskID: String, name: String, containerID: String, command: Command, environment: [(String, String)] = [],
                image: ImageSpec? = nil, volumes: [Volume] = [], resources: Resources = Resources(),
                linux: Linux = Linux(), resourceLimits: [ResourceLimitSpec] = [], artifacts: [Artifact] = [],
                tty: Bool = false, user: String? = nil) {
        self.taskID = taskID
        self.name = name
        self.containerID = containerID
        self.command = command
        self.environment = environment
        self.image = image
        self.volumes = volumes
        self.resources = resources
        self.linux = linux
        self.resourceLimits = resourceLimits
        self.artifacts = artifacts
        self.tty = tty
        self.user = user
    }

    /// `CommandInfo` semantics: shell → `/bin/sh -c value`; otherwise `value` with
    /// `arguments` as the full argv, or (with an image and no value) the image's
    /// entrypoint/cmd merged with `arguments`.
    public struct Command: Sendable, Equatable {
        public var shell: Bool
        public var value: String?
        public var arguments: [String]
        public init(shell: Bool, value: String?, arguments: [String] = []) {
            self.shell = shell
            self.value = value
            self.arguments = arguments
        }
    }

    /// The spec without secret bytes (secret volumes and the pull configuration), once the
    /// container's files are written and its image is pulled.
    public func withoutSecretData() -> ContainerSpec {
        var copy = self
        copy.image?.pullConfig = nil
        copy.volumes = volumes.map { volume in
            guard case .secret(let name, _) = volume.source else { return volume }
            return Volume(source: .secret(name: name, data: []), containerPath: volume.containerPath, readOnly: true)
        }
        return copy
    }

    /// The bytes of the secret volumes, and how many there are.
    var secretVolumeBytes: (bytes: Int, files: Int) {
        volumes.reduce((0, 0)) { sum, volume in
            guard case .secret(_, let data) = volume.source else { return sum }
            return (sum.0 + data.count, sum.1 + 1)
        }
    }

    public struct ImageSpec: Sendable {
        /// Docker reference (`nginx`, `127.0.0.1:5000/test/busybox:latest`).
        public var reference: String
        /// A Docker `config.json` with credentials, if the pod gave one (never logged).
        public var pullConfig: [UInt8]?
        /// `cached = false` in Mesos: re-resolve the manifest on every launch.
        public var forcePull: Bool
        public init(reference: String, pullConfig: [UInt8]? = nil, forcePull: Bool = false) {
            self.reference = reference
            self.pullConfig = pullConfig
            self.forcePull = forcePull
        }
    }

    public struct Volume: Sendable, Equatable {
        public enum Source: Sendable, Equatable {
            /// A path relative to the executor sandbox (Mesos SANDBOX_PATH PARENT), e.g.
            /// `volumes/v1` for a pod ephemeral volume.
            case podSandbox(String)
            /// A path relative to the container's own sandbox (SANDBOX_PATH SELF).
            case containerSandbox(String)
            /// A host path (`Volume.host_path` or HOST_PATH).
            case host(String)
            /// A pod secret (a SECRET source, resolved by the executor): the named secret's
            /// bytes, mounted as a read-only file from the pod's tmpfs. The bytes are dropped
            /// from the spec once the file is written.
            case secret(name: String, data: [UInt8])
        }
        public var source: Source
        /// Relative: inside the container's sandbox. Absolute: in the container's view.
        public var containerPath: String
        /// A pod secret's file (always read-only).
        public var isSecret: Bool {
            if case .secret = source { return true }
            return false
        }
        public var readOnly: Bool
        public init(source: Source, containerPath: String, readOnly: Bool) {
            self.source = source
            self.containerPath = containerPath
            self.readOnly = readOnly
        }
    }

    public struct Resources: Sendable, Equatable {
        public var cpus: Double?
        /// MiB.
        public var memory: Double?
        public var disk: Double?
        public var gpus: Double?
        /// Hard limits (Mesos `TaskInfo.limits`); `.infinity` = unlimited.
        public var cpuLimit: Double?
        public var memoryLimit: Double?
        public init(cpus: Double? = nil, memory: Double? = nil, disk: Double? = nil, gpus: Double? = nil,
                    cpuLimit: Double? = nil, memoryLimit: Double? = nil) {
            self.cpus = cpus
            self.memory = memory
            self.disk = disk
            self.gpus = gpus
            self.cpuLimit = cpuLimit
            self.memoryLimit = memoryLimit
        }
    }

    public struct Linux: Sendable, Equatable {
        public enum IPC: Sendable, Equatable { case `private`, shareParent }
        /// Capabilities, by name without `CAP_`; nil = the default set.
        public var boundingCapabilities: [String]?
        public var effectiveCapabilities: [String]?
        /// Seccomp profile file name in the profile directory; nil = default profile.
        public var seccompProfile: String?
        public var seccompUnconfined: Bool
        public var ipc: IPC
        /// MiB of /dev/shm for a private IPC namespace.
        public var shmSize: Int?
        public var sharePIDNamespace: Bool
        public init(boundingCapabilities: [String]? = nil, effectiveCapabilities: [String]? = nil,
                    seccompProfile: String? = nil, seccompUnconfined: Bool = false, ipc: IPC = .private,
                    shmSize: Int? = nil, sharePIDNamespace: Bool = false) {
            self.boundingCapabilities = boundingCapabilities
            self.effectiveCapabilities = effectiveCapabilities
            self.seccompProfile = seccompProfile
            self.seccompUnconfined = seccompUnconfined
            self.ipc = ipc
            self.shmSize = shmSize
            self.sharePIDNamespace = sharePIDNamespace
        }
    }

    /// A resource limit: the monitor's own type.
    public typealias ResourceLimitSpec = ResourceLimit

    /// A `CommandInfo.URI` (Marathon artifact): the fetcher's own type.
    public typealias Artifact = Fetcher.Artifact
}
