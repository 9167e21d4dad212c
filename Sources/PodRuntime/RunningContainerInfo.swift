import PodSystem

/// Where a running container can be entered.
public struct RunningContainerInfo: Sendable {
    public var taskID: String
    /// Host pid of the container's init (join its namespaces through /proc/<pid>/ns).
    public var initPID: Int32
    /// The spec it was started with (environment, identity, confinement).
    public var monitor: MonitorSpec
    public var sandbox: String

    public init(taskID: String, initPID: Int32, monitor: MonitorSpec, sandbox: String) {
        self.taskID = taskID
        self.initPID = initPID
        self.monitor = monitor
        self.sandbox = sandbox
    }
}
