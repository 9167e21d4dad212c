import Foundation
import PodSpec
import Primitives

extension Scheduler {
    /// Moves every running deployment forward (docs/reference/marathon-pods-api.md §11): StartPod is immediate,
    /// ScalePod creates or kills instances until the wanted number runs, RestartPod replaces
    /// old instances honouring minimumHealthCapacity/maximumOverCapacity, StopPod kills
    /// everything. A finished deployment leaves the list.
    func progressDeployments() async {
        for d in deployments.values.sorted(by: { $0.startedAt < $1.startedAt }) {
            var deployment = d
            var changed = false
            while let action = deployment.currentAction {
                let done: Bool
                switch action {
                case .startPod:
                    done = true
                case .scalePod:
                    done = await scale(deployment.podID)
                case .restartPod:
                    done = await rollingRestart(deployment.podID)
                case .stopPod:
                    done = await stop(deployment.podID)
                }
                guard done else { break }
                events.publish(deploymentEvent("deployment_step_success", deployment))
                deployment.currentStep += 1
                changed = true
                if deployment.currentAction != nil { events.publish(deploymentEvent("deployment_info", deployment)) }
            }
            if deployment.currentAction == nil {
                events.publish(deploymentEvent("deployment_success", deployment))
                deployments.removeValue(forKey: deployment.id)
                var batch = SchedulerStore.Batch()
                batch.deletedDeployments = [deployment.id]
                try? persist(batch)
                logger.info("deployment finished", metadata: ["marathon.deployment_id": "\(deployment.id)", "pod.id": "\(deployment.podID.absolute)"])
            } else if changed {
                deployments[deployment.id] = deployment
                var batch = SchedulerStore.Batch()
                batch.deployments = [deployment]
                try? persist(batch)
            }
        }
        await updateOfferInterest()
    }

    /// A deployment event (Marathon's light plan format: id, version and steps, without
    /// the original and target groups); step events name the current step.
    func deploymentEvent(_ type: String, _ deployment: DeploymentRecord, reason: String? = nil) -> SchedulerEvent {
        let snapshot = deployment.snapshot
        func actions(_ list: [DeploymentSnapshot.Action]) -> JSONValue {
            .array(list.map { ["action": .string($0.action), "pod": .string($0.pod.absolute)] })
        }
        var plan = JSONObject()
        plan["id"] = .string(snapshot.id)
        plan["version"] = .string(snapshot.version.description)
        plan["steps"] = .array(snapshot.steps.map { ["actions": actions($0)] })
        var fields = JSONObject()
        if type == "deployment_success" || type == "deployment_failed" { fields["id"] = .string(snapshot.id) }
        fields["plan"] = .object(plan)
        if type == "deployment_info" || type == "deployment_step_success" || type == "deployment_step_failure",
           deployment.currentStep < snapshot.steps.count {
            fields["currentStep"] = ["actions": actions(snapshot.steps[deployment.currentStep])]
        }
        if let reason { fields["reason"] = .string(reason) }
        return SchedulerEvent(type: type, fields: fields, podIDs: [deployment.podID])
    }

    func podInstances(_ id: PodId) -> [InstanceRecord] {
        instances.values.filter { $0.podID == id }
    }

    /// Creates a scheduled instance of the pod's current spec.
    func newInstance(_ pod: PodDefinition) -> InstanceRecord {
        let id = InstanceId(podId: pod.id, uuid: generator.next())
        let now = Date()
        return InstanceRecord(instanceID: id.idString, podID: pod.id, specVersion: pod.version, goal: .running,
                              baseCondition: .scheduled, since: now, activeSince: nil, createdAt: now, incarnation: 1, agentID: nil,
                              agentHostname: nil, role: pod.role, tasks: [], hostPorts: [], launchedAt: nil, relaunchWithoutDelay: false,
                              queuedSince: now)
    }

    /// Stops an instance: no relaunch; expunged once its tasks are gone.
    func stopInstance(_ record: InstanceRecord, goal: InstanceGoal = .stopped) async {
        var r = record
        r.goal = goal
        instances[r.instanceID] = r
        if r.hasLiveTasks {
            save([r])
            await killTasks(of: r)
        } else if r.reservation != nil {
            // Kept until an offer shows its reservation, which is then freed.
            save([r])
        } else {
            instances.removeValue(forKey: r.instanceID)
            save([], deleted: [r.instanceID])
        }
    }

    /// ScalePod: reach `instances` running instances of the pod; done when they are ready.
    func scale(_ id: PodId) async -> Bool {
        guard let pod = pods[id] else { return true }
        // This runs after every status update: count in place instead of copying the
        // pod's instances into arrays three times.
        var activeCount = 0
        for r in instances.values where r.podID == id && r.goal == .running { activeCount += 1 }
        if activeCount < pod.instances {
            let created = (0..<DeploymentPlan.instancesToCreate(pod, active: activeCount)).map { _ in newInstance(pod) }
            for r in created { instances[r.instanceID] = r }
            save(created)
        } else if activeCount > pod.instances {
            let active = podInstances(id).filter { $0.goal == .running }
            for victim in DeploymentPlan.victims(pod, among: active, count: active.count - pod.instances) {
                await stopInstance(victim)
            }
        }
        return DeploymentPlan.scaleDone(pod, instances: instances.values)
    }

    /// RestartPod: replace instances of older versions within the pod's upgrade strategy
    /// (docs/reference/marathon-pods-api.md §11.3); the rounds are `DeploymentPlan`'s.
    func rollingRestart(_ id: PodId) async -> Bool {
        guard let pod = pods[id] else { return true }
        if pod.isResident { return await restartInPlace(pod) }
        let newCount = DeploymentPlan.new(pod, podInstances(id)).count
        for r in DeploymentPlan.unreadyOld(pod, podInstances(id)) {
            await stopInstance(r)
        }
        for r in DeploymentPlan.healthyOldToStop(pod, podInstances(id)) {
            await stopInstance(r)
        }
        let toLaunch = DeploymentPlan.launches(pod, podInstances(id), newCount: newCount)
        if toLaunch > 0 {
            let created = (0..<toLaunch).map { _ in newInstance(pod) }
            for r in created { instances[r.instanceID] = r }
            save(created)
        }
        return DeploymentPlan.restartDone(pod, podInstances(id))
    }

    /// StopPod: kill and expunge every instance of a deleted pod.
    func stop(_ id: PodId) async -> Bool {
        for r in podInstances(id) where r.goal == .running {
            await stopInstance(r)
        }
        return podInstances(id).isEmpty
    }

    /// The deployments touching a pod.
    func deployments(touching id: PodId) -> [DeploymentRecord] {
        deployments.values.filter { $0.podID == id }
    }

    /// Starts a deployment, after the lock and limit checks (docs/reference/marathon-pods-api.md §5.4).
    func startDeployment(_ steps: [DeploymentRecord.Action], pod id: PodId, version: PodVersion, original: PodDefinition?,
                         target: PodDefinition?, force: Bool, batch: inout SchedulerStore.Batch) throws(PodServiceError) -> DeploymentRecord {
        let blocking = deployments(touching: id)
        if !blocking.isEmpty {
            guard force else { throw .locked(deploymentIDs: blocking.map(\.id)) }
            for d in blocking {
                events.publish(deploymentEvent("deployment_failed", d, reason: "replaced by a forced change"))
                deployments.removeValue(forKey: d.id)
                batch.deletedDeployments.append(d.id)
            }
        }
        guard deployments.count < configuration.maxRunningDeployments else {
            throw .tooManyDeployments(limit: configuration.maxRunningDeployments)
        }
        let d = DeploymentRecord(id: UUID().uuidString.lowercased(), version: version, podID: id, steps: steps, currentStep: 0,
                                 original: original, target: target, startedAt: Date())
        if !steps.isEmpty {
            deployments[d.id] = d
            batch.deployments.append(d)
            events.publish(deploymentEvent("deployment_info", d))
        }
        return d
    }

    /// Periodic work: re-send kills, expunge what ended, time out stuck launches,
    /// progress deployments, and ask for offers only when something waits.
    func housekeeping() async {
        let now = Date()
        var expunge: [String] = []
        for (id, r) in instances {
            if r.goal != .running && !r.hasLiveTasks {
                if r.reservation == nil { expunge.append(id) }
                continue
            }
            for t in r.tasks where !InstanceCondition(taskState: t.state).isTerminal {
                if let sent = kills[t.taskID], now.timeIntervalSince(sent) > 5 {
                    await kill(taskID: t.taskID, agentID: r.agentID)
                }
            }
            // A launch that never got an answer (lost offer, agent gone): relaunch after
            // Marathon's task launch timeout.
            if r.goal == .running, [.provisioned, .staging].contains(r.condition), now.timeIntervalSince(r.since) > 300 {
                logger.warning("launch timed out; killing and relaunching", metadata: ["pod.instance": "\(id)"])
                var updated = r
                updated.tasks = updated.tasks.map { var t = $0; t.state = "TASK_LOST"; return t }
                instances[id] = updated
                await killTasks(of: r)
                await instanceEnded(id)
            }
        }
        for id in expunge {
            instances.removeValue(forKey: id)
        }
        if !expunge.isEmpty { save([], deleted: expunge) }
        expireUnconfirmedReservations(now: now)
        pruneOlderSpecs()
        await secretHousekeeping()
        await progressDeployments()
    }
}
