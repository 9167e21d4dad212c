import Foundation
import PodSpec

/// The REST layer's operations (`PodService`).
extension Scheduler {
    public func create(_ pod: PodDefinition, force: Bool) async throws(PodServiceError) -> PodChange {
        guard pods[pod.id] == nil else { throw .alreadyExists(pod.id) }
        return try await store(new: pod, force: force)
    }

    private func store(new pod: PodDefinition, force: Bool) async throws(PodServiceError) -> PodChange {
        try checkGroupClash(pod.id)
        try Self.checkPersistentVolumes(pod)
        var pod = pod
        // The REST layer stamps the request time; versions have millisecond precision.
        let version = Self.requestVersion(pod)
        pod.version = version
        var batch = SchedulerStore.Batch()
        let deployment = try startDeployment(DeploymentPlan.steps(for: .create), pod: pod.id, version: version, original: nil, target: pod,
                                             force: force, batch: &batch)
        batch.pods = [pod]
        batch.versions = [pod]
        let write = try submit(batch)
        pods[pod.id] = pod
        // A new pod starts with no launch delay.
        delays.removeValue(forKey: Self.delayKey(pod))
        try await durable(write)
        logger.info("pod created", metadata: ["pod.id": "\(pod.id.absolute)", "marathon.deployment_id": "\(deployment.id)"])
        await progressDeployments()
        return PodChange(pod: pod, deploymentID: deployment.id, version: version, created: true)
    }

    public func update(_ pod: PodDefinition, force: Bool) async throws(PodServiceError) -> PodChange {
        guard let old = pods[pod.id] else {
            return try await store(new: pod, force: force)
        }
        var now = Self.requestVersion(pod)
        if now <= old.version {
            // Two changes within one millisecond still get distinct, increasing versions.
            now = PodVersion(epochMilliseconds: old.version.epochMilliseconds + 1)
        }
        let residentViolations = old.residentUpdateViolations(to: pod)
        if !residentViolations.isEmpty { throw .notValid(residentViolations) }
        try Self.checkPersistentVolumes(pod)
        var updated = pod
        var batch = SchedulerStore.Batch()
        let kind = PodUpdateKind.classify(from: old, to: pod)
        switch kind {
        case .scale, .restart:
            updated.version = now
        case .noChange, .create:
            // Saved, but the version stays and nothing restarts (docs/reference/marathon-pods-api.md §10 quirk).
            updated.version = old.version
        }
        let steps = DeploymentPlan.steps(for: .update(updated.version == old.version ? .noChange : kind))
        let deployment = try startDeployment(steps, pod: pod.id, version: updated.version, original: old, target: updated,
                                             force: force, batch: &batch)
        batch.pods = [updated]
        if updated.version != old.version { batch.versions = [updated] }
        let write = try submit(batch)
        retire(old, for: updated)
        pods[pod.id] = updated
        try await durable(write)
        logger.info("pod updated", metadata: ["pod.id": "\(pod.id.absolute)", "kind": "\(kind)",
                                              "marathon.deployment_id": "\(deployment.id)"])
        await progressDeployments()
        // The response shows the request time (docs/reference/marathon-pods-api.md §10), even when the stored version stays.
        var answer = updated
        answer.version = now
        return PodChange(pod: answer, deploymentID: deployment.id, version: now, created: false)
    }

    /// Persistent volumes are reserved on the agent's root disk (Mesos' default disk, no
    /// `DiskInfo.source`); a `path` or `mount` disk, a profile or disk constraints would be
    /// accepted and not honoured, so they are refused until they are.
    static func checkPersistentVolumes(_ pod: PodDefinition) throws(PodServiceError) {
        var details: [ErrorDetail] = []
        for (index, volume) in pod.volumes.enumerated() {
            guard case .persistent(_, let info) = volume else { continue }
            let path = "/volumes(\(index))/persistent"
            if info.type != .root {
                details.append(ErrorDetail(path: path + "/type", errors: [
                    "persistent volumes of type '\(info.type.rawValue)' are not supported yet; only 'root' (the agent's root disk)"]))
            }
            if info.profileName != nil || !info.constraints.isEmpty || info.maxSize != nil {
                details.append(ErrorDetail(path: path, errors: [
                    "profileName, maxSize and constraints of persistent volumes are not supported yet (they select path or mount disks)"]))
            }
        }
        if !details.isEmpty { throw .notValid(details) }
    }

    /// Marathon's root-group rule for a new pod: its id cannot be a group (the parent of
    /// another pod's id), and no group on its path can be a pod.
    private func checkGroupClash(_ id: PodId) throws(PodServiceError) {
        let isGroup = pods.keys.contains { other in
            other.segments.count > id.segments.count && Array(other.segments.prefix(id.segments.count)) == id.segments
        }
        let parentIsPod = (1..<max(id.segments.count, 1)).contains { pods[PodId(segments: Array(id.segments.prefix($0)))] != nil }
        if isGroup || parentIsPod {
            throw .notValid([ErrorDetail(path: "/", errors: ["Groups and Pods may not have the same identifier."])])
        }
    }

    /// The version of a change: the request time the REST layer put on the pod (or now),
    /// cut to milliseconds as Marathon's versions are.
    static func requestVersion(_ pod: PodDefinition) -> PodVersion {
        let stamped = pod.version == .epoch ? PodVersion(Date()) : pod.version
        return PodVersion(epochMilliseconds: stamped.epochMilliseconds)
    }

    public func delete(_ id: PodId, force: Bool) async throws(PodServiceError) -> String {
        guard let pod = pods[id] else { throw .podNotFound(id) }
        var batch = SchedulerStore.Batch()
        let deployment = try startDeployment(DeploymentPlan.steps(for: .delete), pod: id, version: PodVersion(Date()), original: pod, target: nil,
                                             force: force, batch: &batch)
        batch.deletedPods = [id]
        let write = try submit(batch)
        pods.removeValue(forKey: id)
        offerStatistics.removeValue(forKey: id)
        secretWaits.removeValue(forKey: id)
        reservationWaits.removeValue(forKey: id)
        try await durable(write)
        logger.info("pod deleted", metadata: ["pod.id": "\(id.absolute)", "marathon.deployment_id": "\(deployment.id)"])
        await progressDeployments()
        return deployment.id
    }

    public func pod(_ id: PodId) async -> PodDefinition? { pods[id] }

    public func pods() async -> [PodDefinition] { pods.values.sorted { $0.id < $1.id } }

    public func versions(_ id: PodId) async -> [PodVersion]? {
        guard pods[id] != nil else { return nil }
        let records = (try? await store.records(.versions, group: id.absolute)) ?? []
        return records.compactMap { PodVersion(iso8601: $0.key.name) }
    }

    public func pod(_ id: PodId, version: PodVersion) async -> PodDefinition? {
        if let pod = pods[id], pod.version == version { return pod }
        guard let data = try? await store.record(SchedulerStore.versionKey(id, version)) else { return nil }
        return try? JSONDecoder().decode(PodDefinition.self, from: data)
    }

    public func statusSnapshot(_ id: PodId) async -> PodStatusSnapshot? {
        guard let pod = pods[id] else { return nil }
        return snapshot(pod)
    }

    public func statusSnapshots() async -> [PodStatusSnapshot] {
        // One pass over the instances and deployments, not one per pod.
        let byPod = Dictionary(grouping: instances.values, by: \.podID)
        let stopping = Set(deployments.values.filter { $0.currentAction == .stopPod }.map(\.podID))
        return pods.values.sorted { $0.id < $1.id }.map { pod in
            snapshot(pod, instances: byPod[pod.id] ?? [], terminating: stopping.contains(pod.id))
        }
    }

    private func snapshot(_ pod: PodDefinition) -> PodStatusSnapshot {
        snapshot(pod, instances: podInstances(pod.id),
                 terminating: deployments(touching: pod.id).contains { $0.currentAction == .stopPod })
    }

    private func snapshot(_ pod: PodDefinition, instances records: [InstanceRecord], terminating: Bool) -> PodStatusSnapshot {
        let wait = secretWaits[pod.id]?.message ?? reservationWaits[pod.id]
        let list = records.sorted { $0.createdAt < $1.createdAt }.map { record in
            var snapshot = record.snapshot
            if let wait, record.goal == .running, [.scheduled, .reserved].contains(record.condition) { snapshot.waitingReason = wait }
            return snapshot
        }
        var failure: TaskFailure?
        if let f = failures[pod.id], instances[f.instanceID] != nil {
            failure = TaskFailure(instanceID: f.instanceID, taskID: f.taskID, state: f.state, message: f.message,
                                  startedAt: f.startedAt, terminatedAt: f.terminatedAt,
                                  containers: f.containers.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil })
        }
        var older: [PodVersion: PodDefinition] = [:]
        for version in Set(list.map(\.specVersion)) where version != pod.version {
            if let spec = olderSpecs[SchedulerStore.versionKey(pod.id, version)] { older[version] = spec }
        }
        return PodStatusSnapshot(spec: pod, terminating: terminating, instances: list, lastFailure: failure, olderSpecs: older)
    }

    public func killInstances(_ id: PodId, instanceIds: [String], wipe: Bool) async throws(PodServiceError) -> [InstanceSnapshot] {
        guard let pod = pods[id] else { throw .pathNotFound(id) }
        var found: [InstanceSnapshot] = []
        for instanceID in Set(instanceIds).sorted() {
            guard var record = instances[instanceID], record.podID == pod.id else { continue }
            found.append(record.snapshot)
            if wipe {
                // Decommissioned and expunged; the scale check starts a replacement with a new id.
                await stopInstance(record, goal: .decommissioned)
            } else if record.hasLiveTasks {
                // The instance keeps its id and relaunches with the next incarnation.
                record.relaunchWithoutDelay = true
                instances[instanceID] = record
                save([record])
                await killTasks(of: record)
            } else if record.tasks.isEmpty == false {
                await instanceEnded(instanceID)
            }
        }
        if wipe {
            // Keep the count: a wiped instance is replaced at once.
            let active = podInstances(id).filter { $0.goal == .running }.count
            if active < pod.instances {
                let created = (active..<pod.instances).map { _ in newInstance(pod) }
                for r in created { instances[r.instanceID] = r }
                save(created)
            }
        }
        await updateOfferInterest()
        return found
    }

    public func deployments() async -> [DeploymentSnapshot] {
        deployments.values.sorted { $0.startedAt < $1.startedAt }.map(\.snapshot)
    }

    public func cancelDeployment(_ id: String, force: Bool) async throws(PodServiceError) -> PodChange? {
        guard let d = deployments[id] else { throw .deploymentNotFound(id) }
        deployments.removeValue(forKey: id)
        events.publish(deploymentEvent("deployment_failed", d, reason: force ? "canceled" : "rolled back"))
        var batch = SchedulerStore.Batch()
        batch.deletedDeployments = [id]
        if force {
            try await durable(try submit(batch))
            return nil
        }
        // Rollback: restore the original spec (or remove a pod that was being created).
        if let original = d.original {
            var restored = original
            let version = PodVersion(Date())
            restored.version = version
            let change = DeploymentPlan.Change.rollback(restoredInstances: original.instances, currentInstances: pods[d.podID]?.instances)
            let rollback = try startDeployment(DeploymentPlan.steps(for: change),
                                               pod: d.podID, version: version, original: pods[d.podID], target: restored,
                                               force: true, batch: &batch)
            batch.pods = [restored]
            batch.versions = [restored]
            let write = try submit(batch)
            if let current = pods[d.podID] { retire(current, for: restored) }
            pods[d.podID] = restored
            try await durable(write)
            await progressDeployments()
            return PodChange(pod: restored, deploymentID: rollback.id, version: version, created: false)
        }
        guard let created = pods[d.podID] else {
            try await durable(try submit(batch))
            return nil
        }
        let rollback = try startDeployment(DeploymentPlan.steps(for: .delete), pod: d.podID, version: PodVersion(Date()), original: created, target: nil,
                                           force: true, batch: &batch)
        batch.deletedPods = [d.podID]
        let write = try submit(batch)
        pods.removeValue(forKey: d.podID)
        try await durable(write)
        await progressDeployments()
        return PodChange(pod: created, deploymentID: rollback.id, version: rollback.version, created: false)
    }

    public func info() async -> SchedulerInfo {
        SchedulerInfo(name: configuration.frameworkName, version: Self.version, frameworkID: frameworkID,
                      leader: "\(configuration.hostname):\(configuration.httpPort)", masterURL: configuration.masterURL,
                      httpPort: configuration.httpPort, elected: true, mesosLeaderURL: await driver?.leaderURL)
    }
}
