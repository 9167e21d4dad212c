import Primitives

/// A Marathon 1.10 pod definition as the `/v2/pods` API accepts, stores and renders it.
///
/// Values produced by ``parse(_:expectedId:options:)`` are validated and normalized:
/// defaults are filled in, endpoint host ports are set where Marathon sets them, the role
/// is resolved and `version` is the request time.
public struct PodDefinition: Sendable, Hashable, Codable {
    /// The absolute pod id.
    public var id: PodId
    /// Pod labels (also the executor's labels).
    public var labels: [String: String]
    /// When this definition was stored.
    public var version: PodVersion
    /// The default OS user of the containers.
    public var user: String?
    /// Variables for every container.
    public var environment: [String: EnvVarValue]
    /// The containers, in launch order.
    public var containers: [PodContainer]
    /// Secret declarations by name.
    public var secrets: [String: SecretDef]
    /// Pod volumes.
    public var volumes: [PodVolume]
    /// Networks (empty: host networking).
    public var networks: [Network]
    /// `scaling.instances`.
    public var instances: Int
    /// Scheduling policy.
    public var scheduling: PodSchedulingPolicy
    /// Executor resources.
    public var executorResources: ExecutorResources
    /// The Mesos role of the pod's resources.
    public var role: String
    /// Pod-level Linux settings (IPC only).
    public var linuxInfo: LinuxInfo?
    /// Containers share the executor's cgroups (pre-1.10 behaviour).
    public var legacySharedCgroups: Bool
    /// Bounds of the containers' logs (ours; nil: the scheduler's defaults).
    public var logRotation: PodLogRotation?

    /// A pod definition.
    public init(id: PodId, labels: [String: String] = [:], version: PodVersion = .epoch, user: String? = nil,
                environment: [String: EnvVarValue] = [:], containers: [PodContainer],
                secrets: [String: SecretDef] = [:], volumes: [PodVolume] = [], networks: [Network] = [],
                instances: Int = 1, scheduling: PodSchedulingPolicy = PodSchedulingPolicy(),
                executorResources: ExecutorResources = .default, role: String = "*", linuxInfo: LinuxInfo? = nil,
                legacySharedCgroups: Bool = false, logRotation: PodLogRotation? = nil) {
        self.id = id
        self.labels = labels
        self.version = version
        self.user = user
        self.environment = environment
        self.containers = containers
        self.secrets = secrets
        self.volumes = volumes
        self.networks = networks
        self.instances = instances
        self.scheduling = scheduling
        self.executorResources = executorResources
        self.role = role
        self.linuxInfo = linuxInfo
        self.legacySharedCgroups = legacySharedCgroups
        self.logRotation = logRotation
    }

    /// Whether the pod has persistent volumes (a "resident" pod).
    public var isResident: Bool { volumes.contains(where: \.isPersistent) }

    /// Whether the pod shares the agent's network namespace (`host` network, or none given).
    public var usesHostNetworking: Bool {
        networks.isEmpty || networks.contains { $0.mode == .host }
    }

    /// Whether any container network is declared.
    public var usesContainerNetworks: Bool {
        networks.contains { $0.mode == .container }
    }

    /// Every endpoint of every container, in container order.
    public var allEndpoints: [Endpoint] { containers.flatMap(\.endpoints) }

    /// The volume called `name`.
    public func volume(named name: String) -> PodVolume? {
        volumes.first { $0.name == name }
    }
}
