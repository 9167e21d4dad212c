import Foundation
import MesosProtocol
import PodSpec

/// The reserved side of an offer for resident pods, pure: who owns each dynamically reserved
/// resource (its `marathon_framework_id` and `marathon_task_id` labels, read from the
/// `reservations` stack of Mesos 1.12 or from the pre-refinement `reservation`), what an
/// instance's reservation holds in the offer, and the operations that make and free one
/// (RESERVE + CREATE, DESTROY + UNRESERVE), as Marathon's `OfferOperationFactory` builds them
/// but in the post-refinement format (the framework has `RESERVATION_REFINEMENT`).
enum ReservationOffer {
    /// The labels of a resource's current (last) dynamic reservation, nil for an unreserved or
    /// statically reserved resource.
    static func ownerLabels(_ resource: Mesos_V1_Resource) -> (frameworkID: String, instanceID: String)? {
        let info: Mesos_V1_Resource.ReservationInfo
        if let last = resource.reservations.last {
            guard last.type == .dynamic else { return nil }
            info = last
        } else if resource.hasReservation {
            info = resource.reservation
        } else {
            return nil
        }
        var framework: String?
        var instance: String?
        for label in info.labels.labels {
            if label.key == ReservationLabels.frameworkID { framework = label.value }
            if label.key == ReservationLabels.instanceID { instance = label.value }
        }
        guard let framework, let instance else { return nil }
        return (framework, instance)
    }

    /// The reservation stack of a reserved resource in the post-refinement format (a
    /// pre-refinement `role` + `reservation` becomes one DYNAMIC entry), copied as offered.
    static func reservationStack(_ resource: Mesos_V1_Resource) -> [Mesos_V1_Resource.ReservationInfo] {
        if !resource.reservations.isEmpty { return resource.reservations }
        guard resource.hasReservation else { return [] }
        var info = resource.reservation
        info.type = .dynamic
        info.role = resource.role
        return [info]
    }

    /// What an offer holds of one instance's reservation.
    struct Held {
        var cpus = 0.0
        var mem = 0.0
        var disk = 0.0
        var gpus = 0.0
        var ports: [ClosedRange<UInt64>] = []
        /// The persistent volumes, as offered (copied into the executor's resources).
        var volumes: [Mesos_V1_Resource] = []
        /// The reservation stack of the held resources.
        var reservations: [Mesos_V1_Resource.ReservationInfo] = []
        /// The allocation role of the held resources.
        var role: String?

        var isEmpty: Bool { cpus == 0 && mem == 0 && disk == 0 && gpus == 0 && ports.isEmpty && volumes.isEmpty }
    }

    /// The resources of `offer` reserved for `instanceID` of framework `frameworkID`.
    static func held(by instanceID: String, frameworkID: String, in offer: Mesos_V1_Offer) -> Held {
        var held = Held()
        for resource in offer.resources {
            guard let owner = ownerLabels(resource), owner.frameworkID == frameworkID, owner.instanceID == instanceID else {
                continue
            }
            if held.reservations.isEmpty { held.reservations = reservationStack(resource) }
            if resource.hasAllocationInfo { held.role = resource.allocationInfo.role }
            if resource.hasDisk, resource.disk.hasPersistence {
                held.volumes.append(resource)
                continue
            }
            switch (resource.name, resource.type) {
            case ("cpus", .scalar): held.cpus += resource.scalar.value
            case ("mem", .scalar): held.mem += resource.scalar.value
            case ("disk", .scalar): held.disk += resource.scalar.value
            case ("gpus", .scalar): held.gpus += resource.scalar.value
            case ("ports", .ranges):
                held.ports += resource.ranges.range.compactMap { $0.begin <= $0.end ? $0.begin...$0.end : nil }
            default: continue
            }
        }
        return held
    }

    /// Whether `held` is the whole of `reservation` for `pod`: every persistence id, and the
    /// pod's cpus, mem, disk and gpus (Marathon's `PersistentVolumeMatcher` and
    /// `ResourceSelector.reservedWithLabels`).
    static func covers(_ held: Held, reservation: ReservationRecord, pod: PodDefinition) -> Bool {
        let ids = Set(held.volumes.map(\.disk.persistence.id))
        guard reservation.volumes.allSatisfy({ ids.contains($0.persistenceID) }) else { return false }
        let ask = pod.resourceAsk
        let eps = 0.0005
        return held.cpus + eps >= ask.cpus && held.mem + eps >= ask.mem && held.disk + eps >= ask.disk
            && held.gpus + eps >= Double(ask.gpus)
    }

    // MARK: - Operations

    /// The DYNAMIC reservation of `role` with the instance's labels.
    static func reservation(role: String, principal: String?, labels: [(key: String, value: String)])
        -> Mesos_V1_Resource.ReservationInfo {
        var info = Mesos_V1_Resource.ReservationInfo()
        info.type = .dynamic
        info.role = role
        if let principal { info.principal = principal }
        info.labels.labels = labels.map { key, value in
            var label = Mesos_V1_Label()
            label.key = key
            label.value = value
            return label
        }
        return info
    }

    static func scalar(_ name: String, _ value: Double, role: String,
                       reservation: Mesos_V1_Resource.ReservationInfo) -> Mesos_V1_Resource {
        var resource = Mesos_V1_Resource()
        resource.name = name
        resource.type = .scalar
        resource.scalar.value = value
        resource.allocationInfo.role = role
        resource.reservations = [reservation]
        return resource
    }

    /// RESERVE of the pod's resources (cpus, mem, disk with the volumes', gpus, the host ports
    /// it was given) and CREATE of its persistent volumes, for one ACCEPT. `role` is the
    /// offer's allocation role, which is the reservation's role.
    static func reserveAndCreate(pod: PodDefinition, hostPorts: [Int], reservation record: ReservationRecord,
                                 instanceID: String) -> [Mesos_V1_Offer.Operation] {
        let info = reservation(role: record.role, principal: record.principal, labels: record.labels(instanceID: instanceID))
        let ask = pod.resourceAsk
        let volumeDisk = record.volumes.reduce(0) { $0 + $1.size }
        var reserve = Mesos_V1_Offer.Operation()
        reserve.type = .reserve
        var resources: [Mesos_V1_Resource] = []
        if ask.cpus > 0 { resources.append(scalar("cpus", ask.cpus, role: record.role, reservation: info)) }
        if ask.mem > 0 { resources.append(scalar("mem", ask.mem, role: record.role, reservation: info)) }
        if ask.disk + volumeDisk > 0 { resources.append(scalar("disk", ask.disk + volumeDisk, role: record.role, reservation: info)) }
        if ask.gpus > 0 { resources.append(scalar("gpus", Double(ask.gpus), role: record.role, reservation: info)) }
        if !hostPorts.isEmpty {
            var ports = Mesos_V1_Resource()
            ports.name = "ports"
            ports.type = .ranges
            ports.ranges.range = hostPorts.sorted().map { port in
                var range = Mesos_V1_Value.Range()
                range.begin = UInt64(port)
                range.end = UInt64(port)
                return range
            }
            ports.allocationInfo.role = record.role
            ports.reservations = [info]
            resources.append(ports)
        }
        reserve.reserve.resources = resources
        var create = Mesos_V1_Offer.Operation()
        create.type = .create
        create.create.volumes = record.volumes.map { volume in
            var resource = scalar("disk", volume.size, role: record.role, reservation: info)
            resource.disk.persistence.id = volume.persistenceID
            if let principal = record.principal { resource.disk.persistence.principal = principal }
            // Mesos refuses read-only persistent volumes; the containers' mounts say RO or RW.
            resource.disk.volume.mode = .rw
            resource.disk.volume.containerPath = volume.name
            return resource
        }
        return [reserve, create]
    }

    /// DESTROY of the volumes among `resources`, then UNRESERVE of all of them, the volumes as
    /// the plain reserved disk DESTROY leaves (Marathon's `UnreserveAndDestroyVolumes`).
    static func destroyAndUnreserve(_ resources: [Mesos_V1_Resource]) -> [Mesos_V1_Offer.Operation] {
        guard !resources.isEmpty else { return [] }
        let volumes = resources.filter { $0.hasDisk && $0.disk.hasPersistence }
        var operations: [Mesos_V1_Offer.Operation] = []
        if !volumes.isEmpty {
            var destroy = Mesos_V1_Offer.Operation()
            destroy.type = .destroy
            destroy.destroy.volumes = volumes
            operations.append(destroy)
        }
        var unreserve = Mesos_V1_Offer.Operation()
        unreserve.type = .unreserve
        unreserve.unreserve.resources = resources.map { resource in
            var plain = resource
            plain.clearDisk()  // root disk only: DiskInfo holds nothing but the volume
            return plain
        }
        operations.append(unreserve)
        return operations
    }

    /// The resources of `offer` reserved with framework `frameworkID`'s labels that no
    /// instance owns: `owns(instanceID, resource)` says whether one does.
    static func orphans(in offer: Mesos_V1_Offer, frameworkID: String,
                        owns: (String, Mesos_V1_Resource) -> Bool) -> [Mesos_V1_Resource] {
        offer.resources.filter { resource in
            guard let owner = ownerLabels(resource), owner.frameworkID == frameworkID else { return false }
            return !owns(owner.instanceID, resource)
        }
    }
}
