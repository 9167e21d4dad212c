import MesosProtocol

/// What a quantity of resources belongs to besides its name: the reservation stack
/// (post-refinement, empty when unreserved) and, for a disk, its `DiskInfo` (a persistent
/// volume). Whatever the embedded agent never has (revocable, shared, a resource
/// provider, a disk `source`) is kept in `extra`, so such a slot is never found in it.
struct ResourceSlot: Hashable, Sendable {
    var reservations: [Mesos_V1_Resource.ReservationInfo] = []
    var disk: Mesos_V1_Resource.DiskInfo?
    var extra = Mesos_V1_Resource()

    static let unreserved = ResourceSlot()

    /// The reservation role (`Resources::reservationRole`), `*` when unreserved.
    var role: String { reservations.last?.role ?? "*" }
    var isReserved: Bool { !reservations.isEmpty }
    var isDynamicallyReserved: Bool { reservations.last?.type == .dynamic }
    /// A persistent volume (`Resources::isPersistentVolume`).
    var isVolume: Bool { disk?.hasPersistence == true }
    var persistenceID: String? { isVolume ? disk?.persistence.id : nil }

    /// The resource of this slot with `set` as its quantity (post-refinement, unallocated).
    func resources(_ set: ResourceSet) -> [Mesos_V1_Resource] {
        set.resources().map { r in
            var r = r
            r.reservations = reservations
            if let disk, r.name == "disk" { r.disk = disk }
            if extra.hasRevocable { r.revocable = extra.revocable }
            if extra.hasShared { r.shared = extra.shared }
            if extra.hasProviderID { r.providerID = extra.providerID }
            r.unknownFields = extra.unknownFields
            return r
        }
    }

    /// Orders slots as offers list them: unreserved first, then by role, reservation and volume.
    static func precedes(_ a: ResourceSlot, _ b: ResourceSlot) -> Bool {
        func key(_ s: ResourceSlot) -> String {
            (s.isReserved ? "1" : "0") + s.role + "|" + s.reservations.map(MesosResourceText.reservation).joined(separator: "|")
                + "|" + (s.persistenceID ?? "")
        }
        return key(a) < key(b)
    }
}

/// Resources of one agent by slot (`ResourceSlot`): the unreserved ones, each reservation,
/// each persistent volume, each with its `ResourceSet`. The embedded master's offers and
/// ACCEPT arithmetic, and the agent's total after its operations. A persistent volume is
/// never split: it is contained only whole (`Resources::contains` in
/// `mesos:src/common/resources.cpp`).
struct ResourcePool: Sendable, Equatable {
    private(set) var slots: [ResourceSlot: ResourceSet] = [:]

    init() {}

    init(_ resources: [Mesos_V1_Resource]) {
        for r in resources { add(r) }
    }

    init(unreserved: ResourceSet) {
        if !unreserved.isEmpty { slots[.unreserved] = unreserved }
    }

    /// The slot of a resource, in either format, and its quantity.
    static func split(_ resource: Mesos_V1_Resource) -> (ResourceSlot, ResourceSet) {
        let r = ResourceFormat.upgraded(resource)
        var slot = ResourceSlot()
        slot.reservations = r.reservations
        if r.hasDisk { slot.disk = r.disk }
        if r.hasRevocable { slot.extra.revocable = r.revocable }
        if r.hasShared { slot.extra.shared = r.shared }
        if r.hasProviderID { slot.extra.providerID = r.providerID }
        slot.extra.unknownFields = r.unknownFields
        return (slot, ResourceSet([r]))
    }

    mutating func add(_ resource: Mesos_V1_Resource) {
        let (slot, set) = Self.split(resource)
        add(set, to: slot)
    }

    mutating func add(_ set: ResourceSet, to slot: ResourceSlot) {
        let sum = (slots[slot] ?? ResourceSet()) + set
        slots[slot] = sum.isEmpty ? nil : sum
    }

    subscript(slot: ResourceSlot) -> ResourceSet { slots[slot] ?? ResourceSet() }

    static func + (a: ResourcePool, b: ResourcePool) -> ResourcePool {
        var out = a
        for (slot, set) in b.slots { out.add(set, to: slot) }
        return out
    }

    static func - (a: ResourcePool, b: ResourcePool) -> ResourcePool {
        var out = a
        for (slot, set) in b.slots {
            let left = out[slot] - set
            out.slots[slot] = left.isEmpty ? nil : left
        }
        return out
    }

    /// Whether `other` fits in this pool, slot by slot; a volume only whole.
    func contains(_ other: ResourcePool) -> Bool {
        for (slot, set) in other.slots where !set.isEmpty {
            let have = self[slot]
            if slot.isVolume ? !have.sameQuantity(set) : !have.contains(set) { return false }
        }
        return true
    }

    var isEmpty: Bool { slots.values.allSatisfy(\.isEmpty) }

    /// Every quantity, whatever its slot.
    var quantities: ResourceSet { slots.values.reduce(ResourceSet(), +) }

    /// The slots `include` keeps.
    func filter(_ include: (ResourceSlot) -> Bool) -> ResourcePool {
        var out = ResourcePool()
        for (slot, set) in slots where include(slot) { out.slots[slot] = set }
        return out
    }

    /// What a framework's role may be offered: unreserved resources and those reserved for
    /// the role itself or an ancestor of it (hierarchical roles).
    func offerable(to role: String) -> ResourcePool {
        filter { slot in
            !slot.isReserved || slot.role == role || role.hasPrefix(slot.role + "/")
        }
    }

    /// The persistent volumes, by slot.
    var volumes: [ResourceSlot] { slots.keys.filter(\.isVolume).sorted(by: ResourceSlot.precedes) }

    /// As Mesos resources in `format` (refined reservations left out of pre-refinement),
    /// each allocated to `allocationRole` when given; unreserved first, ports first in each.
    func resources(allocationRole: String? = nil, format: ResourceFormat = .postRefinement) -> [Mesos_V1_Resource] {
        slots.keys.sorted(by: ResourceSlot.precedes).flatMap { slot in
            slot.resources(self[slot]).compactMap { r -> Mesos_V1_Resource? in
                var r = r
                if let allocationRole { r.allocationInfo.role = allocationRole }
                return format.render(r)
            }
        }
    }

    /// Mesos' text of these resources (`{}` when empty).
    func text(allocationRole: String? = nil) -> String {
        MesosResourceText.resources(resources(allocationRole: allocationRole))
    }
}

extension ResourceSet {
    /// The same quantity of everything (a persistent volume is used whole or not at all).
    func sameQuantity(_ other: ResourceSet) -> Bool {
        contains(other) && other.contains(self)
    }
}
