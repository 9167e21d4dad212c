import MesosProtocol

/// The master's checks and resource conversions of RESERVE, UNRESERVE, CREATE and DESTROY,
/// as Mesos 1.12 does them (`namespace operation` and `namespace resource` in
/// `mesos:src/master/validation.cpp`, `getResourceConversions` in
/// `mesos:src/common/resources_utils.cpp`, `Master::_accept` in `mesos:src/master/master.cpp`),
/// with Mesos' messages. Pure: the master and the agent both use it.
enum OfferOperations {
    /// One conversion: `consumed` leaves the resources, `converted` takes its place.
    struct Conversion: Sendable {
        var consumed: ResourcePool
        var converted: ResourcePool
    }

    /// `validateAndUpgradeResources`: the format of every resource of a reservation or
    /// volume operation (a problem drops it with "Operation attempted with invalid resources").
    static func formatProblem(_ operation: Mesos_V1_Offer.Operation) -> String? {
        let resources: [Mesos_V1_Resource]
        switch operation.type {
        case .reserve:
            guard operation.hasReserve else { return "A RESERVE offer operation must have the Offer.Operation.reserve field set." }
            resources = operation.reserve.resources + operation.reserve.source
        case .unreserve:
            guard operation.hasUnreserve else { return "An UNRESERVE offer operation must have the Offer.Operation.unreserve field set." }
            resources = operation.unreserve.resources
        case .create:
            guard operation.hasCreate else { return "A CREATE offer operation must have the Offer.Operation.create field set." }
            resources = operation.create.volumes
        case .destroy:
            guard operation.hasDestroy else { return "A DESTROY offer operation must have the Offer.Operation.destroy field set." }
            resources = operation.destroy.volumes
        default:
            return nil
        }
        return validate(resources)
    }

    /// `Resources::validate` over a list.
    static func validate(_ resources: [Mesos_V1_Resource]) -> String? {
        for r in resources {
            if let problem = ResourceFormat.problem(r) { return "Resource '\(MesosResourceText.resource(r))' is invalid: \(problem)" }
        }
        return nil
    }

    /// `resource::validate`: the format, then the disk and reservation rules.
    static func resourceProblem(_ list: [Mesos_V1_Resource]) -> String? {
        if let problem = validate(list) { return "Invalid resources: " + problem }
        let upgraded = list.map(ResourceFormat.upgraded)
        for r in upgraded where r.hasDisk {
            let disk = r.disk
            if disk.hasPersistence {
                if r.hasRevocable { return "Invalid DiskInfo: Persistent volumes cannot be created from revocable resources" }
                if r.reservations.isEmpty { return "Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources" }
                if !disk.hasVolume { return "Invalid DiskInfo: Expecting 'volume' to be set for persistent volume" }
                if disk.volume.hasHostPath { return "Invalid DiskInfo: Expecting 'host_path' to be unset for persistent volume" }
                if let problem = LocalMaster.idProblem(disk.persistence.id, what: "Persistence") {
                    return "Invalid DiskInfo: Invalid persistence ID for persistent volume: " + problem
                }
            } else if disk.hasVolume {
                return "Invalid DiskInfo: Non-persistent volume not supported"
            } else if disk.unknownFields.data.isEmpty {
                return "Invalid DiskInfo: DiskInfo is set but empty"
            }
        }
        for r in upgraded where r.reservations.last?.type == .dynamic && r.hasRevocable {
            return "Invalid ReservationInfo: Dynamically reserved resource \(MesosResourceText.resource(r)) cannot be created from revocable resources"
        }
        return nil
    }

    /// RESERVE by a framework (`validate(Reserve, principal, capabilities, frameworkInfo)`).
    static func reserveProblem(_ reserve: Mesos_V1_Offer.Operation.Reserve, principal: String?, roles: Set<String>) -> String? {
        if let problem = resourceProblem(reserve.resources) { return "Invalid resources: " + problem }
        if !reserve.source.isEmpty { return "Reservation updates are not yet implemented for the scheduler API." }
        if reserve.resources.contains(where: \.hasProviderID) && !reserve.resources.allSatisfy(\.hasProviderID) {
            return "Invalid resources: Some resources have a resource provider and some do not"
        }
        var allocationRole: String?
        for original in reserve.resources {
            let r = ResourceFormat.upgraded(original)
            let text = MesosResourceText.resource(r)
            guard let reservation = r.reservations.last, reservation.type == .dynamic else {
                return "Resource \(text) is not dynamically reserved"
            }
            if r.reservations.count > 1 {
                return "Resource \(text) with reservation refinement cannot be reserved on an agent without RESERVATION_REFINEMENT capability"
            }
            if let principal {
                guard reservation.hasPrincipal else {
                    return "A reserve operation was attempted by principal '\(principal)', but there is a reserved resource in the request with no principal set"
                }
                if reservation.principal != principal {
                    return "A reserve operation was attempted by authenticated principal '\(principal)', which does not match a reserved resource in the request with principal '\(reservation.principal)'"
                }
            }
            guard r.hasAllocationInfo, r.allocationInfo.hasRole else {
                return "A reserve operation was attempted on unallocated resource \(text), but frameworks can only perform reservations on allocated resources"
            }
            let allocated = r.allocationInfo.role
            if allocated != reservation.role {
                return "A reserve operation was attempted for a resource with role '\(reservation.role)', but the resource was allocated to role '\(allocated)'"
            }
            if !roles.contains(allocated) {
                return "A reserve operation was attempted for a resource allocated to role '\(allocated)', but the framework only has roles '\(rolesText(roles))'"
            }
            if let first = allocationRole, first != allocated {
                return "Invalid reservation resources: The resources have multiple allocation roles ('\(allocated)' and '\(first)') but only one allocation role is allowed"
            }
            allocationRole = allocated
        }
        return nil
    }

    /// UNRESERVE (the principal is left to the `unreserve_resources` ACL, not compared).
    static func unreserveProblem(_ unreserve: Mesos_V1_Offer.Operation.Unreserve) -> String? {
        if let problem = resourceProblem(unreserve.resources) { return "Invalid resources: " + problem }
        for original in unreserve.resources {
            let r = ResourceFormat.upgraded(original)
            let text = MesosResourceText.resource(r)
            guard r.reservations.last?.type == .dynamic else { return "Resource \(text) is not dynamically reserved" }
            if r.hasDisk && r.disk.hasPersistence {
                return "A dynamically reserved persistent volume \(text) cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource"
            }
        }
        return nil
    }

    /// CREATE, against the volumes the agent already has (`checkpointed`).
    static func createProblem(_ create: Mesos_V1_Offer.Operation.Create, checkpointed: ResourcePool, principal: String?,
                              framework: Mesos_V1_FrameworkInfo) -> String? {
        if let problem = resourceProblem(create.volumes) { return "Invalid resources: " + problem }
        if let problem = persistentVolumeProblem(create.volumes) { return "Not a persistent volume: " + problem }
        var ids = Set(checkpointed.volumes.map { "\($0.role)\u{0}\($0.persistenceID ?? "")" })
        for volume in create.volumes.map(ResourceFormat.upgraded) {
            let role = volume.reservations.last?.role ?? "*"
            guard ids.insert("\(role)\u{0}\(volume.disk.persistence.id)").inserted else {
                return "Persistence ID '\(volume.disk.persistence.id)' is not unique"
            }
        }
        var allocationRole: String?
        for volume in create.volumes.map(ResourceFormat.upgraded) {
            let text = MesosResourceText.resource(volume)
            if volume.hasShared && !framework.capabilities.contains(where: { $0.type == .sharedResources }) {
                return "Create volume operation for '\(text)' has been attempted by framework '\(framework.id.value)' with no SHARED_RESOURCES capability"
            }
            if volume.reservations.count > 1 {
                return "Volume \(text) with reservation refinement cannot be created on an agent without RESERVATION_REFINEMENT capability"
            }
            if let principal {
                let persistence = volume.disk.persistence
                guard persistence.hasPrincipal else {
                    return "Create volume operation attempted by principal '\(principal)', but there is a volume in the operation with no principal set in 'disk.persistence'"
                }
                if persistence.principal != principal {
                    return "Create volume operation attempted by authenticated principal '\(principal)', which does not match a volume in the operation with principal '\(persistence.principal)' set in 'disk.persistence'"
                }
            }
            guard volume.hasAllocationInfo, volume.allocationInfo.hasRole else {
                return "Invalid volume resources: The resources are not allocated to a role"
            }
            if let first = allocationRole, first != volume.allocationInfo.role {
                return "Invalid volume resources: The resources have multiple allocation roles ('\(volume.allocationInfo.role)' and '\(first)') but only one allocation role is allowed"
            }
            allocationRole = volume.allocationInfo.role
        }
        return nil
    }

    /// DESTROY: the volumes must be the agent's and no task or executor may use them.
    static func destroyProblem(_ destroy: Mesos_V1_Offer.Operation.Destroy, checkpointed: ResourcePool, used: ResourcePool) -> String? {
        var volumes = destroy.volumes
        for i in volumes.indices { volumes[i].clearAllocationInfo() }
        if let problem = resourceProblem(volumes) { return "Invalid resources: " + problem }
        if let problem = persistentVolumeProblem(volumes) { return "Not a persistent volume: " + problem }
        let pool = ResourcePool(volumes)
        for slot in pool.slots.keys where !checkpointed.contains(pool.filter { $0 == slot }) {
            return "Persistent volumes not found"
        }
        for slot in pool.slots.keys where !used[slot].isEmpty {
            return "Persistent volumes in use"
        }
        return nil
    }

    /// `validatePersistentVolume`.
    static func persistentVolumeProblem(_ volumes: [Mesos_V1_Resource]) -> String? {
        for volume in volumes {
            if !volume.hasDisk { return "Resource \(MesosResourceText.resource(volume)) does not have DiskInfo" }
            if !volume.disk.hasPersistence { return "'persistence' is not set in DiskInfo" }
            if !volume.disk.hasVolume { return "Expecting 'volume' to be set for persistent volume" }
            if volume.disk.volume.mode == .ro { return "Read-only persistent volume not supported" }
        }
        return nil
    }

    /// `getResourceConversions`: RESERVE pushes a reservation onto what it names (one
    /// conversion of all of them), UNRESERVE pops one from each, CREATE turns reserved disk
    /// into a volume, DESTROY a volume back into reserved disk.
    static func conversions(_ operation: Mesos_V1_Offer.Operation) -> [Conversion] {
        func popped(_ r: Mesos_V1_Resource) -> Mesos_V1_Resource {
            var r = ResourceFormat.upgraded(r)
            if !r.reservations.isEmpty { r.reservations.removeLast() }
            return r
        }
        func stripped(_ r: Mesos_V1_Resource) -> Mesos_V1_Resource {
            var r = ResourceFormat.upgraded(r)
            r.clearDisk()
            r.clearShared()
            return r
        }
        switch operation.type {
        case .reserve:
            let reserved = operation.reserve.resources
            return [Conversion(consumed: ResourcePool(reserved.map(popped)), converted: ResourcePool(reserved))]
        case .unreserve:
            return operation.unreserve.resources.map { Conversion(consumed: ResourcePool([$0]), converted: ResourcePool([popped($0)])) }
        case .create:
            return operation.create.volumes.map { Conversion(consumed: ResourcePool([stripped($0)]), converted: ResourcePool([$0])) }
        case .destroy:
            return operation.destroy.volumes.map { Conversion(consumed: ResourcePool([$0]), converted: ResourcePool([stripped($0)])) }
        default:
            return []
        }
    }

    /// `Resources::apply`: each conversion in turn, or Mesos' message for the first that
    /// does not fit (`<resources> does not contain <consumed>`).
    static func apply(_ conversions: [Conversion], to pool: ResourcePool, allocationRole: String?) -> Result<ResourcePool, ConversionError> {
        var result = pool
        for conversion in conversions {
            guard result.contains(conversion.consumed) else {
                return .failure(ConversionError(message: "\(result.text(allocationRole: allocationRole)) does not contain \(conversion.consumed.text(allocationRole: allocationRole))"))
            }
            result = result - conversion.consumed + conversion.converted
        }
        return .success(result)
    }

    struct ConversionError: Error, Sendable {
        var message: String
    }

    static func rolesText(_ roles: Set<String>) -> String {
        "{ " + roles.sorted().joined(separator: ", ") + " }"
    }
}
