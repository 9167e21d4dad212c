import Foundation
import MesosProtocol
import PodSpec

extension Scheduler {
    /// Instances waiting for an offer, oldest first.
    var waitingInstances: [InstanceRecord] {
        instances.values.filter(isWaiting).sorted { $0.createdAt < $1.createdAt }
    }

    /// Whether any instance waits for an offer: asked after every status update, so it
    /// stops at the first one instead of collecting and sorting them all.
    var hasWaitingInstances: Bool {
        instances.values.contains(where: isWaiting)
    }

    private func isWaiting(_ r: InstanceRecord) -> Bool {
        guard r.goal == .running, r.tasks.isEmpty, r.baseCondition == .scheduled, let pod = pods[r.podID] else { return false }
        return !isDelayed(pod)
    }

    /// One offer while instances are placed on it.
    struct OfferPlacement {
        let offer: Mesos_V1_Offer
        let agent: OfferMatcher.AgentView
        /// What is left of the offer, per accepted-roles set.
        var remainingByRole: [String: OfferMatcher.Remaining] = [:]
        var operations: [Mesos_V1_Offer.Operation] = []
        var launched: [InstanceRecord] = []
        /// Stopped resident instances whose reservation this offer frees (their records go).
        var released: [String] = []
        /// The agents each pod's instances run on (for constraints), with this offer's launches.
        var placedByPod: [PodId: [OfferMatcher.AgentView]] = [:]
        /// Pods that did not fit: their other instances (same spec) are not tried again.
        var refused: Set<PodId> = []
        /// The framework's executors that still live on the offer's agent.
        let liveExecutors: Set<String>

        init(_ offer: Mesos_V1_Offer) {
            self.offer = offer
            liveExecutors = Set(offer.executorIds.map(\.value))
            agent = OfferMatcher.AgentView(agentID: offer.agentID.value, hostname: offer.hostname,
                                           attributes: Dictionary(offer.attributes.map { a in
                                               (a.name, a.hasText ? a.text.value : a.hasScalar ? "\(a.scalar.value)" : "")
                                           }, uniquingKeysWith: { a, _ in a }))
        }
    }

    /// What became of a waiting instance on an offer.
    enum PlacementOutcome {
        case launched
        /// A resident instance reserved (RESERVE + CREATE); it launches on a later offer
        /// that shows its reservation.
        case reserved
        /// Still waiting (did not fit, or the launch could not be built).
        case waiting
        /// No longer waiting for offers (its pod is gone, or it was put into backoff).
        case dropped
    }

    /// OFFERS: place waiting instances (resources, ports, roles, constraints), launch
    /// them with LAUNCH_GROUP, decline the rest with a filter. Each pod's offer statistics
    /// (`/v2/queue`) record one result per instance tried.
    func handleOffers(_ offers: [Mesos_V1_Offer]) async {
        pruneOfferStatistics()
        // Instances whose secrets are not in the store wait without taking offers; the
        // offers come back every 5 s while they do, and each time the store is asked again.
        let blocked = await refreshSecretWaits(Set(waitingInstances.map(\.podID)))
        var waiting = waitingInstances.filter { !blocked.contains($0.podID) }
        for offer in offers {
            var placement = OfferPlacement(offer)
            // Reservations of ours that no instance owns any more are freed first.
            releaseOrphans(on: &placement)
            guard !waiting.isEmpty || !placement.operations.isEmpty else {
                // Offers come back soon while secrets are missing or a reservation waits to be
                // freed (its executor still ending).
                await decline(offer, refuseSeconds: blocked.isEmpty && !hasReservationsToRelease ? 30 : 5)
                continue
            }
            var stillWaiting: [InstanceRecord] = []
            for record in waiting where place(record, on: &placement) == .waiting {
                stillWaiting.append(record)
            }
            waiting = stillWaiting
            guard !placement.operations.isEmpty else {
                await decline(offer, refuseSeconds: 5)
                continue
            }
            // Stored before the ACCEPT: a crash right after it (or a new leader) still knows
            // the tasks and the reservations.
            for id in placement.released { instances.removeValue(forKey: id) }
            if let write = save(placement.launched, deleted: placement.released) {
                do { try await durable(write) } catch { continue }
            } else {
                continue
            }
            var call = Mesos_V1_Scheduler_Call()
            call.type = .accept
            call.accept.offerIds = [offer.id]
            call.accept.operations = placement.operations
            call.accept.filters.refuseSeconds = 1
            logger.info("accepting offer", metadata: ["instances": "\(placement.launched.count)", "mesos.offer_id": "\(offer.id.value)",
                                                    "operations": "\(placement.operations.map { "\($0.type)" }.joined(separator: ","))"])
            await self.call(call)
        }
        await updateOfferInterest()
    }

    /// Matches one waiting instance against what is left of the offer and, when it fits,
    /// adds its LAUNCH_GROUP.
    private func place(_ record: InstanceRecord, on placement: inout OfferPlacement) -> PlacementOutcome {
        guard let pod = pods[record.podID] else { return .dropped }
        guard !placement.refused.contains(pod.id) else { return .waiting }
        if pod.isResident { return placeResident(record, pod: pod, on: &placement) }
        // A relaunch uses its instance's executor id. While the previous incarnation's
        // executor still lives on this agent (the offer lists it), a task group for that id
        // would be queued on the dying executor and fail when it exits (Mesos' `Slave::__run`
        // and `Slave::executorTerminated`). Other agents are fine; here, wait for its end.
        if !placement.liveExecutors.isEmpty, let executorID = record.executorID, placement.liveExecutors.contains(executorID) {
            return .waiting
        }
        let key = pod.scheduling.placement.acceptedResourceRoles.joined(separator: ",") + "|" + pod.role
        var remaining = placement.remainingByRole[key]
            ?? OfferMatcher.remaining(of: placement.offer, acceptedRoles: pod.scheduling.placement.acceptedResourceRoles, podRole: pod.role)
        let placed = placement.placedByPod[pod.id] ?? placedAgents(pod.id)
        let now = Date()
        switch OfferMatcher.match(pod, remaining: &remaining, agent: placement.agent, placed: placed) {
        case .noMatch(let reasons):
            placement.refused.insert(pod.id)
            offerStatistics[pod.id, default: OfferStatistics()].recordNoMatch(placement.offer, reasons: reasons, at: now)
            return .waiting
        case .match(let match):
            offerStatistics[pod.id, default: OfferStatistics()].recordMatch(at: now)
            var launched = record
            guard let operation = launchOperation(&launched, pod: pod, match: match, offer: placement.offer) else {
                return .waiting
            }
            placement.remainingByRole[key] = remaining
            placement.placedByPod[pod.id] = placed + [placement.agent]
            placement.operations.append(operation)
            placement.launched.append(launched)
            instances[launched.instanceID] = launched
            return .launched
        }
    }

    /// The LAUNCH_GROUP of an instance on a matched offer (nil when it cannot be built); on
    /// success the record is provisioned on the offer's agent. A pod's secrets go by
    /// reference, with a token for this launch (`Scheduler+Secrets`).
    func launchOperation(_ record: inout InstanceRecord, pod: PodDefinition, match: OfferMatcher.Match, offer: Mesos_V1_Offer,
                         held: ReservationOffer.Held? = nil) -> Mesos_V1_Offer.Operation? {
        guard let frameworkID, let instanceID = InstanceId.parseOrNil(record.instanceID) else { return nil }
        let launch = TaskGroupBuilder.Launch(instanceId: instanceID, incarnation: record.incarnation, frameworkID: frameworkID,
                                             agentID: offer.agentID.value, agentHostname: offer.hostname,
                                             allocation: .init(role: match.role, reservations: held?.reservations ?? []),
                                             hostPorts: match.hostPorts, executorCommand: configuration.executorCommand,
                                             secretAccess: secretAccess(for: record, pod: pod),
                                             persistentVolumes: held?.volumes ?? [])
        let built: (executor: Mesos_V1_ExecutorInfo, taskGroup: Mesos_V1_TaskGroupInfo)
        do {
            built = try TaskGroupBuilder(options: configuration.builderOptions).build(pod: pod, launch: launch)
        } catch {
            logger.error("cannot build the task group", metadata: ["pod.id": "\(pod.id.absolute)", "error": "\(error)"])
            return nil
        }
        var op = Mesos_V1_Offer.Operation()
        op.type = .launchGroup
        op.launchGroup.executor = built.executor
        op.launchGroup.taskGroup = built.taskGroup
        let now = Date()
        record.agentID = offer.agentID.value
        record.agentHostname = offer.hostname
        record.role = match.role
        record.specVersion = pod.version
        record.hostPorts = pod.hostPortRequests.compactMap { match.hostPorts[$0.endpointName] }
        record.baseCondition = .provisioned
        record.since = now
        record.launchedAt = now
        record.tasks = built.taskGroup.tasks.map { t in
            InstanceRecord.Task(taskID: t.taskID.value, containerName: t.name, state: "TASK_STAGING", healthy: nil,
                                stagedAt: now, startedAt: nil, addresses: [], message: nil, lastUUID: nil,
                                ready: t.hasCheck ? false : nil)
        }
        return op
    }

    func decline(_ offer: Mesos_V1_Offer, refuseSeconds: Double) async {
        var call = Mesos_V1_Scheduler_Call()
        call.type = .decline
        call.decline.offerIds = [offer.id]
        call.decline.filters.refuseSeconds = refuseSeconds
        await self.call(call)
    }

    /// An executor of ours ended (FAILURE). A relaunch that waited for it can go on that
    /// agent now, and a stopped resident instance's reservation (the executor held its volume)
    /// can be freed: REVIVE, which also drops the filter of the offers declined meanwhile.
    func executorTerminated(_ executorID: String) async {
        guard subscribed, instances.values.contains(where: {
            (isWaiting($0) || $0.isReleasingReservation) && $0.executorID == executorID
        }) else { return }
        logger.info("previous executor ended; relaunching", metadata: ["mesos.executor_id": "\(executorID)"])
        await revive()
    }

    /// SUPPRESS when nothing waits for an offer, REVIVE when something does.
    func updateOfferInterest() async {
        guard subscribed else { return }
        let wanting = hasWaitingInstances || hasReservationsToRelease
        if wanting && suppressed {
            await revive()
        } else if !wanting && !suppressed {
            suppressed = true
            var call = Mesos_V1_Scheduler_Call()
            call.type = .suppress
            call.suppress.roles = [configuration.role]
            await self.call(call)
        }
    }

    private func revive() async {
        suppressed = false
        var call = Mesos_V1_Scheduler_Call()
        call.type = .revive
        call.revive.roles = [configuration.role]
        await self.call(call)
    }

    /// Agents the pod's live instances run on (for constraints).
    func placedAgents(_ podID: PodId) -> [OfferMatcher.AgentView] {
        instances.values.filter { $0.podID == podID && $0.agentID != nil && $0.hasLiveTasks }.map {
            OfferMatcher.AgentView(agentID: $0.agentID ?? "", hostname: $0.agentHostname ?? "", attributes: [:])
        }
    }
}
