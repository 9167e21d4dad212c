import MesosProtocol

/// RESERVE, UNRESERVE, CREATE and DESTROY in an ACCEPT (`Master::_accept`, Mesos 1.12).
extension LocalMaster {
    /// Applies one reservation or volume operation to what remains of the offered
    /// resources: validated (`OfferOperations`), tried on those resources, then applied by
    /// the agent. Returns what remains after it; a dropped operation changes nothing.
    func apply(_ op: Mesos_V1_Offer.Operation, framework: Mesos_V1_FrameworkInfo, remaining: ResourcePool,
               allocationRole: String) async -> ResourcePool {
        let frameworkID = framework.id.value
        if let problem = OfferOperations.formatProblem(op) {
            dropOperation(op, frameworkID: frameworkID, message: "Operation attempted with invalid resources: " + problem)
            return remaining
        }
        if op.hasID {
            // Operation feedback on the agent's default resources needs the agent capabilities
            // AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER, which this agent does not have.
            dropOperation(op, frameworkID: frameworkID,
                          message: "Operation requested feedback, but agent \(await agent.agentID) does not have the required RESOURCE_PROVIDER capability")
            return remaining
        }
        if let problem = await operationProblem(op, framework: framework) {
            dropOperation(op, frameworkID: frameworkID, message: problem + "; on agent \(await agentText())")
            return remaining
        }
        if op.type == .destroy { rescindOffers(holding: ResourcePool(op.destroy.volumes)) }
        let result: ResourcePool
        switch OfferOperations.apply(OfferOperations.conversions(op), to: remaining, allocationRole: allocationRole) {
        case .success(let pool): result = pool
        case .failure(let error):
            dropOperation(op, frameworkID: frameworkID, message: error.message)
            return remaining
        }
        do {
            try await agent.apply(op)
        } catch {
            dropOperation(op, frameworkID: frameworkID, message: error.description)
            return remaining
        }
        logger.info("offer operation applied", metadata: ["mesos.framework_id": "\(frameworkID)", "operation": "\(op.type)",
                                                          "mesos.resources": "\(MesosResourceText.resources(Self.operationResources(op)))"])
        return result
    }

    /// The master's validation of one operation, with Mesos' message.
    private func operationProblem(_ op: Mesos_V1_Offer.Operation, framework: Mesos_V1_FrameworkInfo) async -> String? {
        let principal = framework.hasPrincipal ? framework.principal : nil
        switch op.type {
        case .reserve:
            return OfferOperations.reserveProblem(op.reserve, principal: principal, roles: Self.roles(of: framework))
        case .unreserve:
            return OfferOperations.unreserveProblem(op.unreserve)
        case .create:
            return OfferOperations.createProblem(op.create, checkpointed: await agent.checkpointedResources, principal: principal,
                                                 framework: framework)
        case .destroy:
            return OfferOperations.destroyProblem(op.destroy, checkpointed: await agent.checkpointedResources,
                                                  used: ResourcePool(await agent.allocatedResources()))
        default:
            return nil
        }
    }

    /// `Master::drop`: the operation is logged and ignored. (Mesos also sends an
    /// UPDATE_OPERATION_STATUS with OPERATION_ERROR when the operation carried an `id`; the
    /// embedded master's protocol types do not have that event.)
    func dropOperation(_ op: Mesos_V1_Offer.Operation, frameworkID: String, message: String) {
        logger.warning("offer operation dropped", metadata: ["mesos.framework_id": "\(frameworkID)", "operation": "\(op.type)",
                                                             "reason": "\(message)"])
    }

    /// Offers that contain a volume being destroyed are rescinded.
    private func rescindOffers(holding volumes: ResourcePool) {
        for (id, offer) in offers where volumes.slots.keys.contains(where: { !offer.resources[$0].isEmpty }) {
            rescind(id)
        }
    }

    /// How Mesos names the agent in messages: `<id> at slave(1)@<ip>:<port> (<hostname>)`.
    private func agentText() async -> String {
        "\(await agent.agentID) at slave(1)@\(await agent.endpoint) (\(agent.configuration.hostname))"
    }

    /// The roles a framework holds (MULTI_ROLE `roles`, or its one `role`).
    static func roles(of framework: Mesos_V1_FrameworkInfo) -> Set<String> {
        if framework.capabilities.contains(where: { $0.type == .multiRole }) { return Set(framework.roles) }
        return [framework.hasRole ? framework.role : "*"]
    }

    /// `injectAllocationInfo`: resources of an operation without `allocation_info` get the offer's.
    static func injectingAllocation(_ original: Mesos_V1_Offer.Operation, role: String) -> Mesos_V1_Offer.Operation {
        var op = original
        func inject(_ list: inout [Mesos_V1_Resource]) {
            for i in list.indices where !list[i].hasAllocationInfo { list[i].allocationInfo.role = role }
        }
        switch op.type {
        case .reserve: inject(&op.reserve.resources)
        case .unreserve: inject(&op.unreserve.resources)
        case .create: inject(&op.create.volumes)
        case .destroy: inject(&op.destroy.volumes)
        case .launchGroup:
            inject(&op.launchGroup.executor.resources)
            for i in op.launchGroup.taskGroup.tasks.indices { inject(&op.launchGroup.taskGroup.tasks[i].resources) }
        default: break
        }
        return op
    }

    static func operationResources(_ op: Mesos_V1_Offer.Operation) -> [Mesos_V1_Resource] {
        switch op.type {
        case .reserve: op.reserve.resources
        case .unreserve: op.unreserve.resources
        case .create: op.create.volumes
        case .destroy: op.destroy.volumes
        default: []
        }
    }
}
