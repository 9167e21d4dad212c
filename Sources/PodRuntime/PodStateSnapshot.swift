/// The runtime state an executor publishes for `podctl agent` (as JSON in
/// `<runtime dir>/pods/<executor id>/state.json`, mode 0600), so an operator can find pods
/// on the agent while the scheduler and master are down.
///
/// Every field added after the first version is optional, so a newer podctl reads the
/// state of an older executor and the other way round. The file never holds secrets: no
/// pull configuration, and variables whose values came from secrets are listed by name
/// only (``Process/redactedEnvironment``).
public struct PodStateSnapshot: Codable, Sendable, Equatable {
    public struct Container: Codable, Sendable, Equatable {
        public var taskID: String
        public var name: String
        public var containerID: String
        public var sandbox: String
        /// Host pid of the container's init (PID 1 of its namespace).
        public var initPID: Int32
        public var running: Bool
        public var startedAt: Double
        public var cgroups: [String]
        public var rootfs: String?
        public var image: String?
        public var termination: String?
        /// The last task state the executor sent, and health.
        public var state: String?
        public var healthy: Bool?
        public var healthCheck: String?
        /// How the container's process was started (what `podctl agent exec` joins).
        public var process: Process?
        /// The health check, as `podctl agent health` runs it.
        public var healthCheckDefinition: HealthCheckDefinition?
        /// `v1` or `v2`, and the cgroup directory of each controller (`unified` on v2).
        public var cgroupVersion: String?
        public var cgroupControllers: [String: String]?
        /// The pod volumes and host paths mounted into the container.
        public var mounts: [Mount]?
        /// The image as pulled: reference, manifest and config digests.
        public var imageReference: String?
        public var imageManifestDigest: String?
        public var imageConfigDigest: String?
        /// When the container ended (seconds since 1970).
        public var finishedAt: Double?
    }

    public var executorID: String
    public var sandbox: String
    public var networkNamespace: String?
    public var addresses: [String]
    public var containers: [Container]
    /// Filled by the executor: framework, agent and executor pid.
    public var frameworkID: String?
    public var executorPID: Int32?
    public var updatedAt: Double?
    public var lastUpdates: [String]?
    /// The pod's hostname (container networking) and its network names.
    public var hostname: String?
    public var networks: [String]?
}

extension PodStateSnapshot.Container {
    init(taskID: String, name: String, containerID: String, sandbox: String, initPID: Int32, running: Bool,
         startedAt: Double, cgroups: [String], rootfs: String?, image: String?, termination: String?) {
        self.init(taskID: taskID, name: name, containerID: containerID, sandbox: sandbox, initPID: initPID, running: running,
                  startedAt: startedAt, cgroups: cgroups, rootfs: rootfs, image: image, termination: termination,
                  state: nil, healthy: nil, healthCheck: nil, process: nil, healthCheckDefinition: nil,
                  cgroupVersion: nil, cgroupControllers: nil, mounts: nil, imageReference: nil,
                  imageManifestDigest: nil, imageConfigDigest: nil, finishedAt: nil)
    }
}
