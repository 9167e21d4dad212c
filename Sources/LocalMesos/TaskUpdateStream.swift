import MesosProtocol

/// The agent's status-update manager for one task: updates are forwarded to the master
/// strictly in order, one outstanding at a time, until the scheduler acknowledges each
/// (docs/reference/mesos-executor-protocol.md §2.3). Duplicates (same uuid, e.g. resent on re-subscription) are dropped.
struct TaskUpdateStream: Sendable {
    private(set) var pending: [Mesos_V1_TaskStatus] = []
    private var seen: Set<[UInt8]> = []
    /// A terminal update has been acknowledged: the task is complete.
    private(set) var completed = false

    init() {}

    /// Restores a checkpointed stream.
    init(pending: [Mesos_V1_TaskStatus], seen: [[UInt8]], completed: Bool) {
        self.pending = pending
        self.seen = Set(seen)
        self.completed = completed
    }

    /// Every uuid seen so far (for checkpoints).
    var seenUUIDs: [[UInt8]] { Array(seen) }

    /// Adds an update; returns false when it is a duplicate (already seen uuid).
    mutating func add(_ status: Mesos_V1_TaskStatus) -> Bool {
        let uuid = Array(status.uuid)
        guard !seen.contains(uuid) else { return false }
        seen.insert(uuid)
        pending.append(status)
        return true
    }

    /// The update to forward now (the head), if any.
    var head: Mesos_V1_TaskStatus? { pending.first }

    /// The scheduler acknowledged `uuid`; returns true when it was the head.
    mutating func acknowledge(_ uuid: [UInt8]) -> Bool {
        guard let first = pending.first, Array(first.uuid) == uuid else { return false }
        pending.removeFirst()
        if first.state.isTerminal { completed = true }
        return true
    }

    /// The latest state this agent knows for the task.
    var latestState: Mesos_V1_TaskState? { pending.last?.state }
}
