import MesosProtocol

/// One container of a pod (`containers[]`); each becomes a Mesos task of the task group.
public struct PodContainer: Sendable, Hashable, Codable {
    /// Settings around the container's end of life.
    public struct Lifecycle: Sendable, Hashable, Codable {
        /// Seconds between SIGTERM and SIGKILL.
        public var killGracePeriodSeconds: Double?
        /// Restarts in place (ours, beyond Marathon; absent: `Never`, Marathon's behaviour).
        public var restart: PodRestartContract.Restart?

        /// Lifecycle settings.
        public init(killGracePeriodSeconds: Double? = nil, restart: PodRestartContract.Restart? = nil) {
            self.killGracePeriodSeconds = killGracePeriodSeconds
            self.restart = restart
        }
    }

    /// Unique within the pod; also the Mesos task name.
    public var name: String
    /// The command (absent: the image's entrypoint/cmd).
    public var exec: MesosExec?
    /// Requested resources.
    public var resources: Resources
    /// Burst limits.
    public var resourceLimits: ResourceLimits?
    /// Named ports.
    public var endpoints: [Endpoint]
    /// The image (absent: the agent's filesystem).
    public var image: Image?
    /// Variables; override the pod's.
    public var environment: [String: EnvVarValue]
    /// The OS user; overrides the pod's.
    public var user: String?
    /// The health check.
    public var healthCheck: HealthCheck?
    /// Pod volumes mounted into this container.
    public var volumeMounts: [VolumeMount]
    /// Files fetched before start.
    public var artifacts: [Artifact]
    /// Task labels.
    public var labels: [String: String]
    /// Lifecycle settings.
    public var lifecycle: Lifecycle?
    /// Allocate a TTY.
    public var tty: Bool?
    /// Linux settings.
    public var linuxInfo: LinuxInfo?
    /// The readiness check (ours; Marathon pods have none).
    public var readinessCheck: ReadinessCheck?
    /// Start after these containers reach their conditions; stop before them (ours).
    public var dependsOn: [PodRestartContract.Dependency] = []

    /// A container.
    public init(name: String, exec: MesosExec? = nil, resources: Resources = Resources(),
                resourceLimits: ResourceLimits? = nil, endpoints: [Endpoint] = [], image: Image? = nil,
                environment: [String: EnvVarValue] = [:], user: String? = nil, healthCheck: HealthCheck? = nil,
                volumeMounts: [VolumeMount] = [], artifacts: [Artifact] = [], labels: [String: String] = [:],
                lifecycle: Lifecycle? = nil, tty: Bool? = nil, linuxInfo: LinuxInfo? = nil) {
        self.name = name
        self.exec = exec
        self.resources = resources
        self.resourceLimits = resourceLimits
        self.endpoints = endpoints
        self.image = image
        self.environment = environment
        self.user = user
        self.healthCheck = healthCheck
        self.volumeMounts = volumeMounts
        self.artifacts = artifacts
        self.labels = labels
        self.lifecycle = lifecycle
        self.tty = tty
        self.linuxInfo = linuxInfo
    }
}
