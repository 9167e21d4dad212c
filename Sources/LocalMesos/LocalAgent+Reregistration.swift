import MesosProtocol

/// The agent's side of a master failover: it re-registers with the master that now leads,
/// as `mesos-agent` does when its detector reports a new leader.
extension LocalAgent {
    /// What the agent tells a master it re-registers with (`ReregisterSlaveMessage`).
    public struct Reregistration: Sendable {
        /// The frameworks with executors here (their `FrameworkInfo` as checkpointed).
        public var frameworks: [Mesos_V1_FrameworkInfo]
        /// Executors that have not terminated.
        public var executors: Int
        /// Tasks whose updates are not all acknowledged yet.
        public var tasks: Int
    }

    /// Re-registers with `master`: from now on updates, executor terminations and messages
    /// go to it (updates it cannot deliver yet are sent again when their scheduler
    /// subscribes, and on the agent's retry timer). Frameworks being torn down are left out.
    public func reregister(with master: any AgentMasterLink) -> Reregistration {
        link = master
        var frameworks: [String: Mesos_V1_FrameworkInfo] = [:]
        var executorCount = 0
        var taskCount = 0
        for (key, record) in executors where !terminatingFrameworks.contains(key.frameworkID) {
            if frameworks[key.frameworkID] == nil {
                var info = record.framework
                info.id = Mesos_V1_FrameworkID(key.frameworkID)
                frameworks[key.frameworkID] = info
            }
            if record.phase != .terminated { executorCount += 1 }
            taskCount += record.tasks.values.filter { !$0.updates.completed }.count
        }
        let list = frameworks.keys.sorted().compactMap { frameworks[$0] }
        logger.info("agent re-registered with the new leading master",
                    metadata: ["mesos.agent_id": "\(agentID)", "agent.frameworks": "\(list.count)",
                               "agent.executors": "\(executorCount)", "agent.tasks": "\(taskCount)"])
        return Reregistration(frameworks: list, executors: executorCount, tasks: taskCount)
    }

    /// `master` is gone (it stopped or aborted): nothing goes to it any more. Updates wait
    /// for the next master (the agent keeps them until they are acknowledged). Another
    /// master the agent follows now is left alone.
    public func masterLost(_ master: any AgentMasterLink) {
        guard let current = link, (current as AnyObject) === (master as AnyObject) else { return }
        link = nil
    }
}
