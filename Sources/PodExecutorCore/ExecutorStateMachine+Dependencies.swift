import MesosProtocol

/// Ordered start and stop (`dependsOn`, docs/pod-lifecycle.md "Ordered start and stop"): a
/// container waits (TASK_STARTING) until every container it depends on reached its
/// condition, then starts in the running pod; on a kill, dependents are stopped first and a
/// dependency only once its dependents are gone. The Mesos default executor starts every
/// task of a group at once and kills them at once.
extension ExecutorStateMachine {
    /// The dependencies of a group that cannot be honoured: an unreadable label, a name that
    /// is not another task of the group, or a cycle.
    static func dependencyProblem(_ infos: [Mesos_V1_TaskInfo]) -> String? {
        let names = Set(infos.map { $0.name.isEmpty ? $0.taskID.value : $0.name })
        var pending: [String: Set<String>] = [:]
        for info in infos {
            let name = info.name.isEmpty ? info.taskID.value : info.name
            switch PodRestartContract.dependencies(in: info.labels) {
            case nil: pending[name] = []
            case .failure(let failure)?: return "task '\(info.taskID.value)': \(failure.message)"
            case .success(let list)?:
                for d in list where !names.contains(d.container) || d.container == name {
                    return "task '\(info.taskID.value)' depends on '\(d.container)', which is not another task of the group"
                }
                pending[name] = Set(list.map(\.container))
            }
        }
        while let free = pending.first(where: { $0.value.isEmpty })?.key {
            pending.removeValue(forKey: free)
            for key in pending.keys { pending[key]?.remove(free) }
        }
        return pending.isEmpty ? nil : "the tasks' dependsOn form a cycle"
    }

    /// Records each task's dependencies (by task id); those with any wait. Returns the
    /// tasks that start now.
    mutating func resolveDependencies(_ infos: [Mesos_V1_TaskInfo]) -> [Mesos_V1_TaskInfo] {
        let ids = Dictionary(infos.map { ($0.name.isEmpty ? $0.taskID.value : $0.name, $0.taskID.value) }, uniquingKeysWith: { a, _ in a })
        var free: [Mesos_V1_TaskInfo] = []
        for info in infos {
            let id = info.taskID.value
            guard case .success(let list)? = PodRestartContract.dependencies(in: info.labels), !list.isEmpty else {
                free.append(info)
                continue
            }
            tasks[id]?.dependsOn = list.compactMap { d in ids[d.container].map { ($0, d.condition) } }
            tasks[id]?.phase = .waiting
        }
        return free
    }

    /// After every event: starts the waiting containers whose conditions hold (or fails
    /// those whose conditions can no longer hold), and stops the containers whose kill
    /// waited for their dependents.
    mutating func progressDependencies(_ actions: inout [Action]) {
        guard lifecycle != .exited else { return }
        var ready: [String] = []
        for id in taskOrder {
            guard let task = tasks[id] else { continue }
            if let grace = task.deferredStop, task.phase.isLive, liveDependents(of: id).isEmpty {
                tasks[id]?.deferredStop = nil
                signalKill(id, grace: grace, &actions)
                continue
            }
            guard task.phase == .waiting, lifecycle == .running else { continue }
            var satisfied = true
            for (target, condition) in task.dependsOn {
                guard let other = tasks[target] else { continue }
                let reached = switch condition {
                case .started: other.started
                case .healthy: other.everHealthy
                case .completed: other.phase == .terminal(.taskFinished)
                case .ready: other.everReady
                }
                if reached { continue }
                satisfied = false
                if !other.phase.isLive {
                    let name = other.info.name.isEmpty ? target : other.info.name
                    sendTerminal(id, state: .taskFailed, reason: nil,
                                 message: "dependency '\(name)' ended before it was \(condition.rawValue)", &actions)
                    killGroup(task.group, except: id, &actions)
                    cleanUpIfGroupDone(task.group, &actions)
                    break
                }
            }
            if satisfied {
                tasks[id]?.phase = .launching(pendingKill: nil, cause: nil)
                ready.append(id)
            }
        }
        if !ready.isEmpty { actions.append(.startContainers(taskIDs: ready)) }
    }

    /// Live tasks of the same group that depend on `id`, directly or through others (an
    /// app that needed a finished migration that needed the db still needs the db).
    func liveDependents(of id: String) -> [String] {
        guard let group = tasks[id]?.group, let members = groups[group]?.taskIDs else { return [] }
        var reached: Set<String> = [id]
        var changed = true
        while changed {
            changed = false
            for other in members where !reached.contains(other) {
                if tasks[other]?.dependsOn.contains(where: { reached.contains($0.taskID) }) == true {
                    reached.insert(other)
                    changed = true
                }
            }
        }
        return members.filter { $0 != id && reached.contains($0) && tasks[$0]?.phase.isLive == true }
    }

    /// A kill of a container whose dependents still run: they are killed first (with the
    /// same cause: the group is going down), this one once they are gone.
    mutating func deferForDependents(_ id: String, grace: Duration, _ actions: inout [Action]) -> Bool {
        let dependents = liveDependents(of: id)
        guard !dependents.isEmpty else { return false }
        tasks[id]?.deferredStop = grace
        var cause = KillCause.groupPolicy
        if case .killing(let c)? = tasks[id]?.phase { cause = c }
        for other in dependents {
            guard let task = tasks[other] else { continue }
            let ownGrace = Self.grace(policy: nil, info: task.info, default: configuration.defaultKillGrace)
            switch task.phase {
            case .running:
                tasks[other]?.phase = .killing(cause)
                if frameworkHasCapability(.taskKillingState) { send(other, state: .taskKilling, &actions) }
                beginKill(other, grace: ownGrace, &actions)
            case .waiting:
                endWaiting(other, &actions)
            case .restarting:
                endRestarting(other, &actions)
            case .launching(nil, _):
                tasks[other]?.phase = .launching(pendingKill: ownGrace, cause: cause)
            default:
                continue
            }
        }
        return true
    }

    /// A waiting container asked to end: it never started, so it is killed at once.
    mutating func endWaiting(_ id: String, _ actions: inout [Action]) {
        sendTerminal(id, state: .taskKilled, reason: nil, message: "Killed before its dependencies were met", &actions)
        if let group = tasks[id]?.group { cleanUpIfGroupDone(group, &actions) }
    }
}
