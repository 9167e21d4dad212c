extension PodDefinition {
    /// The rules for changing a resident pod (one with persistent volumes, before or after
    /// the change), checked when the update's deployment is planned (docs/reference/marathon-pods-api.md §7, Marathon's
    /// `residentUpdateIsValid`): the reservations the running instances hold cannot change.
    /// Returns Marathon's violations (422 `Object is not valid`), or none.
    public func residentUpdateViolations(to new: PodDefinition) -> [ErrorDetail] {
        guard isResident || new.isResident else { return [] }
        var whole: [String] = []
        let oldVolumes = volumes.filter(\.isPersistent)
        let newVolumes = new.volumes.filter(\.isPersistent)
        let sameVolumes = oldVolumes.count == newVolumes.count
            && oldVolumes.allSatisfy { old in newVolumes.first { $0.name == old.name } == old }
        if !sameVolumes { whole.append("persistent volumes cannot be updated") }
        let (before, after) = (reservedResources, new.reservedResources)
        if before.cpus != after.cpus { whole.append("cpus cannot be updated if a pod has persistent volumes") }
        if before.mem != after.mem { whole.append("mem cannot be updated if a pod has persistent volumes") }
        if before.disk != after.disk { whole.append("disk cannot be updated if a pod has persistent volumes") }
        if before.gpus != after.gpus { whole.append("gpus cannot be updated if a pod has persistent volumes") }
        if Set(allEndpoints.compactMap(\.hostPort)) != Set(new.allEndpoints.compactMap(\.hostPort)) {
            whole.append("host ports cannot be updated if a pod has persistent volumes")
        }
        var details: [ErrorDetail] = whole.isEmpty ? [] : [ErrorDetail(path: "/", errors: whole)]
        let overCapacity = new.scheduling.upgrade.maximumOverCapacity
        if overCapacity != 0 {
            details.append(ErrorDetail(path: "/upgradeStrategy/maximumOverCapacity", errors: ["got \(overCapacity), expected 0.0"]))
        }
        return details
    }

    /// What an instance of this pod reserves: its containers' resources plus the executor's
    /// (Marathon's aggregate resources).
    var reservedResources: (cpus: Double, mem: Double, disk: Double, gpus: Int) {
        containers.reduce((executorResources.cpus, executorResources.mem, executorResources.disk, 0)) { sum, container in
            (sum.0 + container.resources.cpus, sum.1 + container.resources.mem, sum.2 + container.resources.disk,
             sum.3 + container.resources.gpus)
        }
    }
}
