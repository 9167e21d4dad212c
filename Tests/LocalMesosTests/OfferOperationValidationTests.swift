@testable import LocalMesos
import MesosProtocol
import Testing

/// The master's checks of RESERVE, UNRESERVE, CREATE and DESTROY, as data, with the
/// messages of Mesos 1.12 (`namespace operation` / `namespace resource` in
/// `mesos:src/master/validation.cpp`, `Resources::validate` in `mesos:src/common/resources.cpp`,
/// `getResourceConversions` in `mesos:src/common/resources_utils.cpp`, at c1b42f79, the
/// build the fixtures in `fixtures/mesos-1.12` were recorded with; summarised in
/// `reference/mesos-cluster-operations.md` §5.3).
@Suite("LocalMaster: offer operation validation")
struct OfferOperationValidationTests {
    static let roles: Set<String> = ["pods"]
    static let framework: Mesos_V1_FrameworkInfo = {
        var info = Mesos_V1_FrameworkInfo()
        info.id = Mesos_V1_FrameworkID("F1")
        info.roles = ["pods"]
        return info
    }()

    @Test("RESERVE: dynamic reservations of the framework's role, by its principal, on resources allocated to that role")
    func reserve() {
        let good = Ops.reserve([Ops.reserved("cpus", 1), Ops.reserved("disk", 10)]).reserve
        #expect(OfferOperations.reserveProblem(good, principal: "pod-scheduler", roles: Self.roles) == nil)
        var unreserved = Mesos_V1_Resource.scalar("cpus", 1, role: "pods")
        unreserved.role = "*"
        #expect(OfferOperations.reserveProblem(Ops.reserve([unreserved]).reserve, principal: nil, roles: Self.roles)
            == "Resource cpus(allocated: pods):1 is not dynamically reserved")
        let noPrincipal = Ops.reserve([Ops.reserved("cpus", 1, reservation: Ops.reservation(principal: nil, labels: []))]).reserve
        #expect(OfferOperations.reserveProblem(noPrincipal, principal: "pod-scheduler", roles: Self.roles)
            == "A reserve operation was attempted by principal 'pod-scheduler', but there is a reserved resource in the request with no principal set")
        #expect(OfferOperations.reserveProblem(good, principal: "other", roles: Self.roles)
            == "A reserve operation was attempted by authenticated principal 'other', which does not match a reserved resource in the request with principal 'pod-scheduler'")
        let otherRole = Ops.reserve([Ops.reserved("cpus", 1, role: "pods", reservation: Ops.reservation(role: "db"))]).reserve
        #expect(OfferOperations.reserveProblem(otherRole, principal: nil, roles: Self.roles)
            == "A reserve operation was attempted for a resource with role 'db', but the resource was allocated to role 'pods'")
        let notFrameworks = Ops.reserve([Ops.reserved("cpus", 1, role: "db", reservation: Ops.reservation(role: "db"))]).reserve
        #expect(OfferOperations.reserveProblem(notFrameworks, principal: nil, roles: Self.roles)
            == "A reserve operation was attempted for a resource allocated to role 'db', but the framework only has roles '{ pods }'")
        let star = Ops.reserve([Ops.reserved("cpus", 1, role: "*", reservation: Ops.reservation(role: "*"))]).reserve
        #expect(OfferOperations.reserveProblem(star, principal: nil, roles: ["*"])?
            .hasSuffix("is invalid: Invalid reservation: role \"*\" cannot be reserved") == true)
        var withSource = good
        withSource.source = [Mesos_V1_Resource.scalar("cpus", 1, role: "pods")]
        #expect(OfferOperations.reserveProblem(withSource, principal: nil, roles: Self.roles)
            == "Reservation updates are not yet implemented for the scheduler API.")
    }

    @Test("the pre-refinement format is read as Mesos upgrades it, and its rules hold")
    func preRefinement() {
        var r = Mesos_V1_Resource.scalar("cpus", 1, role: "pods")
        r.role = "pods"
        r.reservation.principal = "pod-scheduler"
        #expect(OfferOperations.reserveProblem(Ops.reserve([r]).reserve, principal: "pod-scheduler", roles: Self.roles) == nil)
        let upgraded = ResourceFormat.upgraded(r)
        #expect(upgraded.reservations.count == 1 && upgraded.reservations[0].type == .dynamic && upgraded.reservations[0].role == "pods")
        #expect(!upgraded.hasRole && !upgraded.hasReservation)
        var typed = r
        typed.reservation.type = .dynamic
        #expect(ResourceFormat.problem(typed) == "'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field")
        var starReserved = r
        starReserved.role = "*"
        #expect(ResourceFormat.problem(starReserved) == "Invalid reservation: role \"*\" cannot be dynamically reserved")
        var untyped = Ops.reserved("cpus", 1)
        untyped.reservations[0].clearType()
        #expect(ResourceFormat.problem(untyped) == "Invalid reservation: 'Resource.ReservationInfo.type' field must be set.")
        // And back: an offer to a framework without RESERVATION_REFINEMENT.
        let rendered = ResourceFormat.preRefinement.render(upgraded)
        #expect(rendered?.role == "pods" && rendered?.reservation.principal == "pod-scheduler" && rendered?.reservations.isEmpty == true)
    }

    @Test("UNRESERVE: only dynamic reservations, never a persistent volume (destroy it first)")
    func unreserve() {
        #expect(OfferOperations.unreserveProblem(Ops.unreserve([Ops.reserved("cpus", 1)]).unreserve) == nil)
        let volume = Ops.volume(10, id: "v1")
        #expect(OfferOperations.unreserveProblem(Ops.unreserve([volume]).unreserve)
            == "A dynamically reserved persistent volume disk(allocated: pods)(reservations: [(DYNAMIC,pods,pod-scheduler,{marathon_task_id: db.instance-1})])[v1:pst]:10 cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource")
        #expect(OfferOperations.unreserveProblem(Ops.unreserve([.scalar("cpus", 1, role: "pods")]).unreserve)
            == "Resource cpus(allocated: pods):1 is not dynamically reserved")
    }

    @Test("CREATE: a read-write persistent volume on reserved disk, its persistence id unique in its role on the agent")
    func create() {
        let none = ResourcePool()
        func problem(_ volume: Mesos_V1_Resource, checkpointed: ResourcePool = ResourcePool(), principal: String? = "pod-scheduler") -> String? {
            OfferOperations.createProblem(Ops.create([volume]).create, checkpointed: checkpointed, principal: principal, framework: Self.framework)
        }
        #expect(problem(Ops.volume(10, id: "db#pst#1")) == nil)
        var unreserved = Ops.volume(10, id: "v1")
        unreserved.reservations = []
        #expect(problem(unreserved) == "Invalid resources: Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources")
        #expect(problem(Ops.volume(10, id: "v1", mode: .ro)) == "Not a persistent volume: Read-only persistent volume not supported")
        var noVolume = Ops.volume(10, id: "v1")
        noVolume.disk.clearVolume()
        #expect(problem(noVolume) == "Invalid resources: Invalid DiskInfo: Expecting 'volume' to be set for persistent volume")
        var noPersistence = Ops.volume(10, id: "v1")
        noPersistence.disk.clearPersistence()
        #expect(problem(noPersistence) == "Invalid resources: Invalid DiskInfo: Non-persistent volume not supported")
        #expect(problem(Ops.volume(10, id: "a/b"))?.hasPrefix("Invalid resources: Invalid DiskInfo: Invalid persistence ID for persistent volume: ") == true)
        let existing = ResourcePool([Ops.volume(10, id: "v1")])
        #expect(problem(Ops.volume(20, id: "v1"), checkpointed: existing) == "Persistence ID 'v1' is not unique")
        #expect(problem(Ops.volume(20, id: "v1", role: "db", reservation: Ops.reservation(role: "db")), checkpointed: existing) == nil,
                "unique per role")
        var otherPrincipal = Ops.volume(10, id: "v2")
        otherPrincipal.disk.persistence.principal = "someone"
        #expect(problem(otherPrincipal) == "Create volume operation attempted by authenticated principal 'pod-scheduler', which does not match a volume in the operation with principal 'someone' set in 'disk.persistence'")
        var twice = Ops.create([Ops.volume(10, id: "v3"), Ops.volume(10, id: "v3")]).create
        #expect(OfferOperations.createProblem(twice, checkpointed: none, principal: nil, framework: Self.framework) == "Persistence ID 'v3' is not unique")
        twice.volumes[1].disk.persistence.id = "v4"
        #expect(OfferOperations.createProblem(twice, checkpointed: none, principal: nil, framework: Self.framework) == nil)
    }

    @Test("DESTROY: only the agent's own volumes, and none in use")
    func destroy() {
        let volume = Ops.volume(10, id: "v1")
        let agent = ResourcePool([volume])
        let op = Ops.destroy([volume]).destroy
        #expect(OfferOperations.destroyProblem(op, checkpointed: agent, used: ResourcePool()) == nil)
        #expect(OfferOperations.destroyProblem(op, checkpointed: ResourcePool(), used: ResourcePool()) == "Persistent volumes not found")
        #expect(OfferOperations.destroyProblem(op, checkpointed: agent, used: ResourcePool([volume])) == "Persistent volumes in use")
        #expect(OfferOperations.destroyProblem(Ops.destroy([Ops.reserved("disk", 10)]).destroy, checkpointed: agent, used: ResourcePool())
            == "Not a persistent volume: Resource disk(reservations: [(DYNAMIC,pods,pod-scheduler,{marathon_task_id: db.instance-1})]):10 does not have DiskInfo")
        var noPersistence = Ops.reserved("disk", 10)
        noPersistence.disk.volume.containerPath = "pst"
        noPersistence.disk.volume.mode = .rw
        #expect(OfferOperations.destroyProblem(Ops.destroy([noPersistence]).destroy, checkpointed: agent, used: ResourcePool())
            == "Invalid resources: Invalid DiskInfo: Non-persistent volume not supported")
    }

    @Test("conversions apply in order to what remains, and a volume is used whole or not at all")
    func conversions() throws {
        var offered = ResourcePool([.scalar("cpus", 2, role: "pods"), .scalar("disk", 100, role: "pods")])
        let reserve = Ops.reserve([Ops.reserved("cpus", 1), Ops.reserved("disk", 40)])
        offered = try OfferOperations.apply(OfferOperations.conversions(reserve), to: offered, allocationRole: "pods").get()
        let create = Ops.create([Ops.volume(40, id: "v1")])
        offered = try OfferOperations.apply(OfferOperations.conversions(create), to: offered, allocationRole: "pods").get()
        #expect(offered.quantities.scalars["disk"] == 100 && offered.volumes.count == 1)
        #expect(offered.unreserved.scalars == ["cpus": 1, "disk": 60])
        #expect(!offered.contains(ResourcePool([Ops.volume(20, id: "v1")])), "part of a volume is not a volume")
        #expect(offered.contains(ResourcePool([Ops.volume(40, id: "v1")])))
        let tooMuch = Ops.reserve([Ops.reserved("cpus", 5)])
        let failure = OfferOperations.apply(OfferOperations.conversions(tooMuch), to: offered, allocationRole: "pods")
        guard case .failure(let error) = failure else {
            Issue.record("reserving more than offered must fail")
            return
        }
        #expect(error.message.hasSuffix(" does not contain cpus(allocated: pods):5"))
    }
}

extension ResourcePool {
    var unreserved: ResourceSet { self[.unreserved] }
}
