import Foundation
import MesosProtocol

extension LocalMaster {
    /// ACCEPT: every offer must be valid; the operations are applied in order to what was
    /// offered (`Master::_accept`): RESERVE, UNRESERVE, CREATE and DESTROY are validated as the
    /// master does (`OfferOperations`), applied by the agent, and change what later operations
    /// of the call see; an invalid one is dropped (logged; Mesos tells the framework nothing
    /// unless it asked for operation feedback). Each LAUNCH_GROUP is validated as the master
    /// does (docs/reference/mesos-executor-protocol.md §4.5) and must fit in what remains;
    /// unused resources are declined with the call's filters.
    func accept(_ accept: Mesos_V1_Scheduler_Call.Accept, frameworkID: String) async {
        guard let framework = frameworks[frameworkID] else { return }
        let ids = accept.offerIds.map(\.value)
        let invalid = ids.first { offers[$0]?.frameworkID != frameworkID }
        var offered = ResourcePool()
        var allocationRole = framework.role
        for id in ids {
            if let offer = offers.removeValue(forKey: id), offer.frameworkID == frameworkID {
                offered = offered + offer.resources
                allocationRole = offer.role
            }
        }
        if ids.isEmpty || invalid != nil {
            let reason = invalid.map { "Offer \($0) is no longer valid" } ?? "No offers given"
            for op in accept.operations {
                guard op.type == .launchGroup else {
                    dropOperation(op, frameworkID: frameworkID, message: "Operation attempted with invalid offers: \(reason)")
                    continue
                }
                for task in op.launchGroup.taskGroup.tasks {
                    await masterUpdate(frameworkID: frameworkID, taskID: task.taskID.value,
                                       state: framework.partitionAware ? .taskDropped : .taskLost, reason: .invalidOffers,
                                       message: "Task launched with invalid offers: \(reason)", withAgent: true)
                }
            }
            requestAllocation()
            return
        }
        var remaining = offered
        acceptsInFlight += 1
        defer {
            acceptsInFlight -= 1
            requestAllocation()
        }
        for original in accept.operations {
            let op = Self.injectingAllocation(original, role: allocationRole)
            switch op.type {
            case .reserve, .unreserve, .create, .destroy:
                remaining = await apply(op, framework: framework.info, remaining: remaining, allocationRole: allocationRole)
            case .launchGroup:
                remaining = await launch(op, framework: framework, remaining: remaining)
            case .launch:
                for task in op.launch.taskInfos {
                    await masterUpdate(frameworkID: frameworkID, taskID: task.taskID.value, state: .taskError, reason: .taskInvalid,
                                       message: "The embedded master runs task groups only (use LAUNCH_GROUP)", withAgent: true)
                }
            default:
                dropOperation(op, frameworkID: frameworkID, message: "Operation not supported by the embedded master")
            }
        }
        applyFilter(accept.hasFilters ? accept.filters : nil, frameworkID: frameworkID)
    }

    /// One LAUNCH_GROUP of an ACCEPT; returns what remains of the offered resources.
    private func launch(_ op: Mesos_V1_Offer.Operation, framework: Framework, remaining: ResourcePool) async -> ResourcePool {
        let frameworkID = framework.info.id.value
        let group = op.launchGroup
        let tasks = group.taskGroup.tasks
        var problem: String?
        if op.hasID {
            problem = "The `id` field cannot be set on LAUNCH_GROUP operations"
        } else if let invalid = OfferOperations.validate(tasks.flatMap(\.resources) + group.executor.resources) {
            problem = "Invalid resources: " + invalid
        } else {
            problem = await validate(group, frameworkID: frameworkID, available: remaining)
        }
        if let problem {
            for task in tasks {
                await masterUpdate(frameworkID: frameworkID, taskID: task.taskID.value, state: .taskError,
                                   reason: .taskGroupInvalid, message: problem, withAgent: true)
            }
            return remaining
        }
        let left = remaining - (await consumption(group, frameworkID: frameworkID))
        // `launch_executor`: whether the master knows no such executor on the agent
        // (it forgets one when the agent reports it terminated).
        let known = await agent.isLive(frameworkID: frameworkID, executorID: group.executor.executorID.value)
        await agent.launchGroup(framework: framework.info, executor: group.executor, tasks: tasks, launchExecutor: !known)
        return left
    }

    /// What a group takes from the offer: its tasks, plus the executor when it is new on
    /// the agent.
    private func consumption(_ group: Mesos_V1_Offer.Operation.LaunchGroup, frameworkID: String) async -> ResourcePool {
        var used = ResourcePool(group.taskGroup.tasks.flatMap(\.resources))
        if !(await agent.isLive(frameworkID: frameworkID, executorID: group.executor.executorID.value)) {
            used = used + ResourcePool(group.executor.resources)
        }
        return used
    }

    /// The master's LAUNCH_GROUP validation; the first problem fails the whole group.
    private func validate(_ group: Mesos_V1_Offer.Operation.LaunchGroup, frameworkID: String, available: ResourcePool) async -> String? {
        let known = await agent.knownTaskIDs(frameworkID: frameworkID, among: group.taskGroup.tasks.map(\.taskID.value))
        if let problem = Self.launchGroupProblem(group, frameworkID: frameworkID, knownTaskIDs: known) { return problem }
        let needed = await consumption(group, frameworkID: frameworkID)
        if !available.contains(needed) {
            let role = frameworks[frameworkID]?.role
            return "Total resources \(needed.text(allocationRole: role)) required by task group and its executor are more than available \(available.text(allocationRole: role))"
        }
        return nil
    }

    /// What Mesos' master refuses in a LAUNCH_GROUP before it looks at resources
    /// (`master/validation.cpp`): the executor (type, command, framework, id, minimum
    /// resources) and each task (id, uniqueness against `knownTaskIDs` too, executor,
    /// resources, container, health check, kill policy). The first problem, as Mesos words it.
    static func launchGroupProblem(_ group: Mesos_V1_Offer.Operation.LaunchGroup, frameworkID: String,
                                   knownTaskIDs known: Set<String>) -> String? {
        let executor = group.executor
        let executorID = executor.executorID.value
        guard executor.hasType, executor.type != .unknown else { return "'ExecutorInfo.type' must be set" }
        if executor.type == .custom && !executor.hasCommand { return "'ExecutorInfo.command' must be set for 'CUSTOM' executor" }
        if executor.type == .default && executor.hasCommand { return "'ExecutorInfo.command' must not be set for 'DEFAULT' executor" }
        if executor.hasContainer && executor.container.type == .docker { return "Docker ContainerInfo is not supported on the executor" }
        guard executor.hasFrameworkID else { return "'ExecutorInfo.framework_id' must be set" }
        guard executor.frameworkID.value == frameworkID else {
            return "ExecutorInfo has an invalid FrameworkID (Actual: \(executor.frameworkID.value) vs Expected: \(frameworkID))"
        }
        if let problem = Self.idProblem(executorID, what: "Executor") { return problem }
        let resources = ResourceSet(executor.resources)
        if (resources.scalars["cpus"] ?? 0) < 0.01 { return "Executor '\(executorID)' uses less CPUs (\(resources.scalars["cpus"] ?? 0)) than the minimum required (0.01)" }
        if (resources.scalars["mem"] ?? 0) < 32 { return "Executor '\(executorID)' uses less memory (\(resources.scalars["mem"] ?? 0)) than the minimum required (32MB)" }
        if (resources.scalars["disk"] ?? 0) <= 0 { return "Executor '\(executorID)' uses no disk" }
        let tasks = group.taskGroup.tasks
        guard !tasks.isEmpty else { return "Task group must not be empty" }
        var seen = Set<String>()
        for task in tasks {
            let id = task.taskID.value
            if let problem = Self.idProblem(id, what: "Task") { return problem }
            guard seen.insert(id).inserted, !known.contains(id) else { return "Task '\(id)' already exists" }
            if task.hasExecutor && task.executor != executor { return "The 'executor' of task '\(id)' differs from the task group's" }
            if task.resources.isEmpty { return "Task '\(id)' uses no resources" }
            if task.hasContainer && task.container.type == .docker { return "Docker ContainerInfo is not supported on the task" }
            if task.hasHealthCheck {
                let hc = task.healthCheck
                if !hc.hasType || hc.type == .unknown { return "HealthCheck must specify 'type'" }
                if (hc.type == .http || hc.type == .tcp) && task.hasContainer && !task.container.networkInfos.isEmpty {
                    return "HTTP and TCP health checks are not supported for nested containers not joining parent's network"
                }
            }
            if task.hasKillPolicy && task.killPolicy.gracePeriod.nanoseconds < 0 { return "Task's 'kill_policy.grace_period' must be non-negative" }
        }
        return nil
    }

    static func idProblem(_ id: String, what: String) -> String? {
        if id.isEmpty { return "\(what) ID must not be empty" }
        if id.count > 255 { return "\(what) ID is too long (\(id.count) > 255 characters)" }
        if id == "." || id == ".." { return "'\(id)' is disallowed" }
        if id.contains("/") || id.contains("\\") { return "\(what) ID '\(id)' contains invalid characters" }
        if id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "\(what) ID contains control characters" }
        return nil
    }
}
