import MesosProtocol

/// Settings of the embedded agent, named after the `mesos-agent` flags they copy.
public struct AgentConfiguration: Sendable {
    /// `--ip` (the agent listens on loopback only).
    public var host: String = "127.0.0.1"
    /// `--port`; 0 picks a free port.
    public var port: Int = 5051
    /// `--work_dir`: sandboxes under `slaves/<id>/frameworks/…` and checkpoints under `meta/`.
    public var workDirectory: String
    /// `--hostname` (reported in AgentInfo and offers).
    public var hostname: String = "localhost"
    /// `--resources`.
    public var cpus: Double
    public var memoryMB: Double
    public var diskMB: Double
    public var ports: [ClosedRange<UInt64>] = [31000...32000]
    /// `--attributes`.
    public var attributes: [(String, String)] = []
    /// `--executor_registration_timeout`.
    public var executorRegistrationTimeout: Duration = .seconds(60)
    /// `--executor_reregistration_timeout` (also `MESOS_SUBSCRIPTION_BACKOFF_MAX`).
    public var executorReregistrationTimeout: Duration = .seconds(2)
    /// `--recovery_timeout` (`MESOS_RECOVERY_TIMEOUT`).
    public var recoveryTimeout: Duration = .seconds(15 * 60)
    /// `--executor_shutdown_grace_period`.
    public var executorShutdownGracePeriod: Duration = .seconds(5)
    /// `--executor_environment_variables`: added to every executor's environment.
    public var executorEnvironment: [String: String] = [:]
    /// Put each executor in its own cgroup below the agent's (`cgroups` isolation).
    public var executorCgroups: Bool = true
    /// Run after an executor ended abnormally (killed, destroyed), with the executor
    /// environment: pod-executor's `--cleanup` releases what its pod left behind.
    public var executorCleanupCommand: [String]?
    /// Agent id to use when there is no checkpointed one.
    public var agentID: String?

    public init(workDirectory: String, cpus: Double, memoryMB: Double, diskMB: Double) {
        self.workDirectory = workDirectory
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.diskMB = diskMB
    }

    /// The agent's total resources, as an offer lists them.
    public func resources(role: String = "*") -> [Mesos_V1_Resource] {
        var list = [
            Mesos_V1_Resource.scalar("cpus", cpus),
            Mesos_V1_Resource.scalar("mem", memoryMB),
            Mesos_V1_Resource.scalar("disk", diskMB),
        ]
        if !ports.isEmpty { list.append(.ranges("ports", ports)) }
        return list.map { r in
            var r = r
            r.role = role
            return r
        }
    }
}
