import Foundation
import PodSpec

/// The deployment plan as data (docs/reference/marathon-pods-api.md §11): which steps a change
/// takes, and what each round of ScalePod and RestartPod does with a pod's instances. Pure
/// functions of the pod and its instance records; the `Scheduler` actor applies what they
/// return (creating, stopping, storing) and asks again after each await, so that a status
/// update arriving meanwhile is seen.
enum DeploymentPlan {
    /// A change to a pod, as the REST layer asks for it.
    enum Change: Equatable, Sendable {
        /// A new pod.
        case create
        /// A replacement of a stored pod, classified by `PodUpdateKind`.
        case update(PodUpdateKind)
        /// The pod is deleted.
        case delete
        /// A deployment rolled back to its original spec of `restoredInstances` instances,
        /// while the pod now has `currentInstances` (nil: it is gone).
        case rollback(restoredInstances: Int, currentInstances: Int?)
    }

    /// The steps of a change's deployment (empty: no deployment).
    static func steps(for change: Change) -> [DeploymentRecord.Action] {
        switch change {
        case .create, .update(.create): return [.startPod, .scalePod]
        case .update(.scale): return [.scalePod]
        case .update(.restart): return [.restartPod]
        case .update(.noChange): return []
        case .delete: return [.stopPod]
        case .rollback(let restored, let current):
            return restored == current ? [.restartPod] : [.restartPod, .scalePod]
        }
    }

    // MARK: - ScalePod

    /// ScalePod: the instances to create when `active` instances mean to run.
    static func instancesToCreate(_ pod: PodDefinition, active: Int) -> Int {
        max(0, pod.instances - active)
    }

    /// ScalePod: the instances to stop when scaling down, in Marathon's order (scheduled <
    /// unreachable < staging < starting < running < others), then the pod's kill selection.
    static func victims(_ pod: PodDefinition, among candidates: [InstanceRecord], count: Int) -> [InstanceRecord] {
        func rank(_ c: InstanceCondition) -> Int {
            switch c {
            case .scheduled, .reserved, .provisioned: return 0
            case .unreachable, .unreachableInactive: return 1
            case .staging: return 2
            case .starting: return 3
            case .running: return 4
            default: return 5
            }
        }
        let sorted = candidates.sorted { a, b in
            if rank(a.condition) != rank(b.condition) { return rank(a.condition) < rank(b.condition) }
            switch pod.scheduling.killSelection {
            case .youngestFirst: return a.createdAt > b.createdAt
            case .oldestFirst: return a.createdAt < b.createdAt
            }
        }
        return Array(sorted.prefix(max(0, count)))
    }

    /// ScalePod is done when none of the pod's instances is leaving and enough are ready.
    static func scaleDone(_ pod: PodDefinition, instances: some Sequence<InstanceRecord>) -> Bool {
        let checked = InstanceRecord.healthChecked(pod)
        var ready = 0
        for r in instances where r.podID == pod.id {
            guard r.goal == .running else { return false }  // one is still leaving
            if r.isReady(healthChecked: checked) { ready += 1 }
        }
        return ready >= pod.instances
    }

    // MARK: - RestartPod

    /// The bounds of a rolling restart: at least `minimumHealthy` ready instances, at most
    /// `maximumCapacity` alive (minimumHealthCapacity rounded up, maximumOverCapacity down).
    struct Capacity: Equatable, Sendable {
        var wanted: Int
        var minimumHealthy: Int
        var maximumCapacity: Int

        init(_ pod: PodDefinition) {
            wanted = pod.instances
            let upgrade = pod.scheduling.upgrade
            minimumHealthy = Int((Double(wanted) * upgrade.minimumHealthCapacity).rounded(.up))
            maximumCapacity = Int((Double(wanted) * (1 + upgrade.maximumOverCapacity)).rounded(.down))
        }
    }

    /// Instances of older versions that mean to run.
    static func old(_ pod: PodDefinition, _ instances: [InstanceRecord]) -> [InstanceRecord] {
        instances.filter { $0.goal == .running && $0.specVersion != pod.version }
    }

    /// Instances of the pod's version that mean to run.
    static func new(_ pod: PodDefinition, _ instances: [InstanceRecord]) -> [InstanceRecord] {
        instances.filter { $0.goal == .running && $0.specVersion == pod.version }
    }

    /// First round: old instances not yet placed or not ready add no capacity; they go first.
    static func unreadyOld(_ pod: PodDefinition, _ instances: [InstanceRecord]) -> [InstanceRecord] {
        old(pod, instances).filter { !$0.isReady(pod) }
    }

    /// Second round: the oldest old instances that can go while `minimumHealthy` ready
    /// instances (old or new) stay.
    static func healthyOldToStop(_ pod: PodDefinition, _ instances: [InstanceRecord]) -> [InstanceRecord] {
        let capacity = Capacity(pod)
        let old = old(pod, instances)
        let ready = old.filter { $0.isReady(pod) }.count + new(pod, instances).filter { $0.isReady(pod) }.count
        let count = max(0, min(old.count, ready - capacity.minimumHealthy))
        return Array(old.sorted { $0.createdAt < $1.createdAt }.prefix(count))
    }

    /// Third round: how many new instances to launch, given `newCount` of the pod's version
    /// at the start of the round. Alive instances (meaning to run, or with live tasks) stay
    /// within `maximumCapacity`; when that leaves no room and the health bound equals it, one
    /// over capacity lets a full-health restart progress (docs/reference/marathon-pods-api.md §11.3).
    static func launches(_ pod: PodDefinition, _ instances: [InstanceRecord], newCount: Int) -> Int {
        let capacity = Capacity(pod)
        let alive = instances.filter { $0.goal == .running || $0.hasLiveTasks }.count
        var room = capacity.maximumCapacity - alive
        if room <= 0 && capacity.minimumHealthy == capacity.maximumCapacity && newCount < capacity.wanted
            && alive <= capacity.maximumCapacity {
            room = 1
        }
        return max(0, min(room, capacity.wanted - newCount))
    }

    /// RestartPod is done when the wanted number of new instances is ready and no instance
    /// of an older version is left (not even one still stopping).
    static func restartDone(_ pod: PodDefinition, _ instances: [InstanceRecord]) -> Bool {
        let readyNew = new(pod, instances).filter { $0.isReady(pod) }.count
        let oldLeft = instances.contains { $0.specVersion != pod.version }
        return readyNew >= pod.instances && !oldLeft
    }
}
