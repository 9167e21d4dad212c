/// The runtime state an executor publishes for `podctl agent` (as JSON in
/// `<runtime dir>/pods/<executor id>/state.json`), so an operator can find pods on the
/// agent while the scheduler and master are down.
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
}

extension PodStateSnapshot.Container {
    init(taskID: String, name: String, containerID: String, sandbox: String, initPID: Int32, running: Bool,
         startedAt: Double, cgroups: [String], rootfs: String?, image: String?, termination: String?) {
        self.init(taskID: taskID, name: name, containerID: containerID, sandbox: sandbox, initPID: initPID, running: running,
                  startedAt: startedAt, cgroups: cgroups, rootfs: rootfs, image: image, termination: termination,
                  state: nil, healthy: nil, healthCheck: nil)
    }
}
