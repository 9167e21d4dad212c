import MesosProtocol

/// What the embedded agent tells its master (on a real cluster this is libprocess
/// messages between mesos-agent and mesos-master).
public protocol AgentMasterLink: Sendable {
    /// A status update for the framework's scheduler. The master acknowledges it back
    /// through `LocalAgent.acknowledge` once the scheduler has.
    func forward(update: Mesos_V1_TaskStatus, frameworkID: String) async
    /// An executor's process ended (the scheduler gets a FAILURE event).
    func executorTerminated(frameworkID: String, executorID: String, agentID: String, status: Int32) async
    /// An executor sent a MESSAGE for its scheduler.
    func executorMessage(frameworkID: String, executorID: String, agentID: String, data: [UInt8]) async
    /// Resources were freed (tasks ended, executors exited).
    func resourcesFreed() async
}
