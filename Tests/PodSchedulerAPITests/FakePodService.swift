import Foundation
import PodSchedulerCore
import PodSpec

/// An in-memory scheduler core: stores pods and their versions, hands out deployment ids,
/// serves instances that tests inject, and fails on demand.
actor FakePodService: PodService {
    nonisolated let events = EventBus()
    enum Operation: Hashable, Sendable {
        case create, update, delete, kill, cancel
    }

    private(set) var current: [PodId: PodDefinition] = [:]
    private var history: [PodId: [PodDefinition]] = [:]
    private var instancesByPod: [PodId: [InstanceSnapshot]] = [:]
    private var failures: [PodId: TaskFailure] = [:]
    private var terminatingPods: Set<PodId> = []
    private(set) var runningDeployments: [DeploymentSnapshot] = []
    private var forcedErrors: [Operation: PodServiceError] = [:]
    /// What `redeemSecrets` answers: per token, the instance and its secrets.
    private var secretTokens: [String: (instanceID: String, secrets: [String: [UInt8]])] = [:]
    /// Every redemption asked for: (token, instance, names).
    private(set) var redemptions: [(String, String, [String])] = []
    private var deploymentCounter = 0
    /// Every kill request: (pod, instance ids, wipe).
    private(set) var killRequests: [(PodId, [String], Bool)] = []
    /// The `force` flag of the last create/update/delete/cancel.
    private(set) var lastForce: Bool?
    /// What `queue` answers (with `lastUnusedOffers` dropped unless embedded).
    private var queueItems: [QueueItemSnapshot] = []
    /// The `embed` flag of every queue request.
    private(set) var queueRequests: [Bool] = []
    /// Pods whose delay can be reset, and the resets asked for.
    private var queuedPods: Set<PodId> = []
    private(set) var delayResets: [PodId] = []

    // MARK: - Test controls

    func fail(_ operation: Operation, with error: PodServiceError) {
        forcedErrors[operation] = error
    }

    func setInstances(_ instances: [InstanceSnapshot], for id: PodId) {
        instancesByPod[id] = instances
    }

    func setLastFailure(_ failure: TaskFailure?, for id: PodId) {
        failures[id] = failure
    }

    func setTerminating(_ id: PodId) {
        terminatingPods.insert(id)
    }

    func setSecretToken(_ token: String, instanceID: String, secrets: [String: [UInt8]]) {
        secretTokens[token] = (instanceID, secrets)
    }

    func setQueue(_ items: [QueueItemSnapshot]) {
        queueItems = items
        queuedPods = Set(items.map(\.pod.id))
    }

    /// Stores a pod directly (as if created earlier), with a version entry.
    func seed(_ pod: PodDefinition) {
        current[pod.id] = pod
        history[pod.id, default: []].append(pod)
    }

    // MARK: - PodService

    func create(_ pod: PodDefinition, force: Bool) throws(PodServiceError) -> PodChange {
        lastForce = force
        if let error = forcedErrors.removeValue(forKey: .create) { throw error }
        guard current[pod.id] == nil else { throw .alreadyExists(pod.id) }
        seed(pod)
        let id = startDeployment(pod.id, steps: ["StartPod", "ScalePod"])
        return PodChange(pod: pod, deploymentID: id, version: pod.version, created: true)
    }

    func update(_ pod: PodDefinition, force: Bool) throws(PodServiceError) -> PodChange {
        lastForce = force
        if let error = forcedErrors.removeValue(forKey: .update) { throw error }
        guard let stored = current[pod.id] else {
            seed(pod)
            let id = startDeployment(pod.id, steps: ["StartPod", "ScalePod"])
            return PodChange(pod: pod, deploymentID: id, version: pod.version, created: true)
        }
        var candidate = pod
        candidate.version = stored.version
        let changed = candidate != stored
        if changed {
            current[pod.id] = pod
            history[pod.id, default: []].append(pod)
        }
        let result = changed ? pod : stored
        let id = startDeployment(pod.id, steps: changed ? ["RestartPod"] : [])
        return PodChange(pod: result, deploymentID: id, version: result.version, created: false)
    }

    func delete(_ id: PodId, force: Bool) throws(PodServiceError) -> String {
        lastForce = force
        if let error = forcedErrors.removeValue(forKey: .delete) { throw error }
        guard current.removeValue(forKey: id) != nil else { throw .podNotFound(id) }
        instancesByPod[id] = nil
        return startDeployment(id, steps: ["StopPod"])
    }

    func pod(_ id: PodId) -> PodDefinition? {
        current[id]
    }

    func pods() -> [PodDefinition] {
        Array(current.values)
    }

    func versions(_ id: PodId) -> [PodVersion]? {
        guard current[id] != nil else { return nil }
        return history[id]?.map(\.version)
    }

    func pod(_ id: PodId, version: PodVersion) -> PodDefinition? {
        history[id]?.first { $0.version == version }
    }

    func statusSnapshot(_ id: PodId) -> PodStatusSnapshot? {
        guard let spec = current[id] else { return nil }
        return PodStatusSnapshot(spec: spec, terminating: terminatingPods.contains(id),
                                 instances: instancesByPod[id] ?? [], lastFailure: failures[id])
    }

    func statusSnapshots() -> [PodStatusSnapshot] {
        current.keys.compactMap { statusSnapshot($0) }
    }

    func killInstances(_ id: PodId, instanceIds: [String], wipe: Bool) throws(PodServiceError) -> [InstanceSnapshot] {
        if let error = forcedErrors.removeValue(forKey: .kill) { throw error }
        guard current[id] != nil else { throw .pathNotFound(id) }
        killRequests.append((id, instanceIds, wipe))
        return (instancesByPod[id] ?? []).filter { instanceIds.contains($0.instanceID) }
    }

    func deployments() -> [DeploymentSnapshot] {
        runningDeployments
    }

    func cancelDeployment(_ id: String, force: Bool) throws(PodServiceError) -> PodChange? {
        lastForce = force
        if let error = forcedErrors.removeValue(forKey: .cancel) { throw error }
        guard let index = runningDeployments.firstIndex(where: { $0.id == id }) else {
            throw .deploymentNotFound(id)
        }
        let plan = runningDeployments.remove(at: index)
        if force { return nil }
        // Rolling back a creation removes the pod.
        guard let podId = plan.affectedPods.first, let pod = current.removeValue(forKey: podId) else { return nil }
        let rollbackID = startDeployment(podId, steps: ["StopPod"])
        return PodChange(pod: pod, deploymentID: rollbackID, version: FakePodService.rollbackVersion, created: false)
    }

    func info() -> SchedulerInfo {
        SchedulerInfo(name: "mesos-pods", version: "1.10.0-test", frameworkID: "fw-1", leader: "127.0.0.1:8080",
                      masterURL: "http://127.0.0.1:5050", httpPort: 8080, elected: true)
    }

    /// A token opens once, for its instance and the names it has.
    func redeemSecrets(token: String, instanceID: String, names: [String]) throws(SecretAccessError) -> [String: [UInt8]] {
        redemptions.append((token, instanceID, names))
        guard let entry = secretTokens.removeValue(forKey: token) else { throw .invalidToken("unknown token") }
        guard entry.instanceID == instanceID else { throw .forbidden("another instance's token") }
        var values: [String: [UInt8]] = [:]
        for name in names {
            guard let value = entry.secrets[name] else { throw .forbidden("the token does not cover '\(name)'") }
            values[name] = value
        }
        return values
    }

    func queue(embedLastUnusedOffers: Bool) -> [QueueItemSnapshot] {
        queueRequests.append(embedLastUnusedOffers)
        return queueItems.map { item in
            var item = item
            if !embedLastUnusedOffers { item.offers.lastUnusedOffers = nil }
            return item
        }
    }

    func resetDelay(_ id: PodId) -> Bool {
        guard queuedPods.contains(id) else { return false }
        delayResets.append(id)
        return true
    }

    // MARK: - Deployments

    static let rollbackVersion = PodVersion(epochMilliseconds: 1_585_742_500_000)

    private func startDeployment(_ id: PodId, steps: [String]) -> String {
        deploymentCounter += 1
        let deploymentID = String(format: "00000000-0000-4000-8000-%012d", deploymentCounter)
        let plan = steps.map { [DeploymentSnapshot.Action(action: $0, pod: id)] }
        runningDeployments.append(DeploymentSnapshot(
            id: deploymentID, version: PodVersion(epochMilliseconds: 1_585_742_400_000), affectedPods: [id],
            steps: plan, currentStep: plan.isEmpty ? 0 : 1, currentActions: plan.first ?? [],
            instancesStarted: 0, instancesTarget: 1))
        return deploymentID
    }
}
