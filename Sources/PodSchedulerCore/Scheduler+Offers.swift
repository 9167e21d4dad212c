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

    /// OFFERS: place waiting instances (resources, ports, roles, constraints), launch
    /// them with LAUNCH_GROUP, decline the rest with a filter.
    func handleOffers(_ offers: [Mesos_V1_Offer]) async {
        var waiting = waitingInstances
        for offer in offers {
            guard !waiting.isEmpty else {
                await decline(offer, refuseSeconds: 30)
                continue
            }
            let agent = OfferMatcher.AgentView(agentID: offer.agentID.value, hostname: offer.hostname,
                                               attributes: Dictionary(offer.attributes.map { a in
                                                   (a.name, a.hasText ? a.text.value : a.hasScalar ? "\(a.scalar.value)" : "")
                                               }, uniquingKeysWith: { a, _ in a }))
            var operations: [Mesos_V1_Offer.Operation] = []
            var launched: [InstanceRecord] = []
            var remainingByRole: [String: OfferMatcher.Remaining] = [:]
            var stillWaiting: [InstanceRecord] = []
            for var record in waiting {
                guard let pod = pods[record.podID] else { continue }
                let key = pod.scheduling.placement.acceptedResourceRoles.joined(separator: ",") + "|" + pod.role
                var remaining = remainingByRole[key] ?? OfferMatcher.remaining(of: offer, acceptedRoles: pod.scheduling.placement.acceptedResourceRoles,
                                                                                podRole: pod.role)
                let placed = placedAgents(pod.id) + launched.filter { $0.podID == pod.id }.map { _ in agent }
                guard let match = OfferMatcher.match(pod, remaining: &remaining, agent: agent, placed: placed) else {
                    stillWaiting.append(record)
                    continue
                }
                guard let frameworkID else { stillWaiting.append(record); continue }
                let secrets: [String: Data]
                do {
                    secrets = try resolveSecrets(pod)
                } catch {
                    logger.error("cannot launch: a secret of the pod cannot be resolved",
                                 metadata: ["pod.id": "\(pod.id.absolute)", "error": "\(error)"])
                    delays[Self.delayKey(pod)] = (1, Date().addingTimeInterval(pod.scheduling.backoff.maxLaunchDelay))
                    recordLaunchFailure(record, message: "\(error)")
                    continue
                }
                guard let instanceID = InstanceId.parseOrNil(record.instanceID) else { continue }
                let launch = TaskGroupBuilder.Launch(instanceId: instanceID, incarnation: record.incarnation, frameworkID: frameworkID,
                                                     agentID: offer.agentID.value, agentHostname: offer.hostname,
                                                     allocation: .init(role: match.role), hostPorts: match.hostPorts,
                                                     executorCommand: configuration.executorCommand, resolvedSecrets: secrets)
                let built: (executor: Mesos_V1_ExecutorInfo, taskGroup: Mesos_V1_TaskGroupInfo)
                do {
                    built = try TaskGroupBuilder(options: configuration.builderOptions).build(pod: pod, launch: launch)
                } catch {
                    logger.error("cannot build the task group", metadata: ["pod.id": "\(pod.id.absolute)", "error": "\(error)"])
                    stillWaiting.append(record)
                    continue
                }
                remainingByRole[key] = remaining
                var op = Mesos_V1_Offer.Operation()
                op.type = .launchGroup
                op.launchGroup.executor = built.executor
                op.launchGroup.taskGroup = built.taskGroup
                operations.append(op)
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
                                        stagedAt: now, startedAt: nil, addresses: [], message: nil, lastUUID: nil)
                }
                instances[record.instanceID] = record
                launched.append(record)
            }
            waiting = stillWaiting
            guard !operations.isEmpty else {
                await decline(offer, refuseSeconds: 5)
                continue
            }
            // Stored before the ACCEPT: a crash right after it still knows the tasks.
            save(launched)
            var call = Mesos_V1_Scheduler_Call()
            call.type = .accept
            call.accept.offerIds = [offer.id]
            call.accept.operations = operations
            call.accept.filters.refuseSeconds = 1
            logger.info("launching instances", metadata: ["count": "\(launched.count)", "mesos.offer_id": "\(offer.id.value)"])
            await self.call(call)
        }
        await updateOfferInterest()
    }

    func decline(_ offer: Mesos_V1_Offer, refuseSeconds: Double) async {
        var call = Mesos_V1_Scheduler_Call()
        call.type = .decline
        call.decline.offerIds = [offer.id]
        call.decline.filters.refuseSeconds = refuseSeconds
        await self.call(call)
    }

    /// SUPPRESS when nothing waits for an offer, REVIVE when something does.
    func updateOfferInterest() async {
        guard subscribed else { return }
        let wanting = hasWaitingInstances
        if wanting && suppressed {
            suppressed = false
            var call = Mesos_V1_Scheduler_Call()
            call.type = .revive
            call.revive.roles = [configuration.role]
            await self.call(call)
        } else if !wanting && !suppressed {
            suppressed = true
            var call = Mesos_V1_Scheduler_Call()
            call.type = .suppress
            call.suppress.roles = [configuration.role]
            await self.call(call)
        }
    }

    /// Agents the pod's live instances run on (for constraints).
    func placedAgents(_ podID: PodId) -> [OfferMatcher.AgentView] {
        instances.values.filter { $0.podID == podID && $0.agentID != nil && $0.hasLiveTasks }.map {
            OfferMatcher.AgentView(agentID: $0.agentID ?? "", hostname: $0.agentHostname ?? "", attributes: [:])
        }
    }

    /// Reads the secrets a pod references from the secret store (one file per secret
    /// path under the secrets directory). Values never reach logs or errors.
    func resolveSecrets(_ pod: PodDefinition) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for (name, def) in pod.secrets {
            out[name] = try SecretStore(directory: configuration.secretsDirectory).read(def.source)
        }
        return out
    }

    func recordLaunchFailure(_ record: InstanceRecord, message: String) {
        let now = Date()
        let failure = TaskFailureRecord(instanceID: record.instanceID, taskID: record.instanceID, state: "TASK_ERROR",
                                        message: message, startedAt: now, terminatedAt: now, containers: [])
        failures[record.podID] = failure
        var batch = SchedulerStore.Batch()
        batch.failures = [(record.podID, failure)]
        try? persist(batch)
    }
}
