import Foundation
@testable import LocalMesos
import MesosProtocol
import PodSystem
import PodTestFixtures
import Testing

/// Reservations and persistent volumes through the embedded master's scheduler API, as a
/// framework sees them: offers after RESERVE/CREATE/DESTROY/UNRESERVE, operations that
/// are dropped, the agent's checkpoint across a restart. No executor runs here (no root
/// needed). Mesos' behaviour: `Master::_accept` (mesos:src/master/master.cpp), the offer's
/// resource format (`convertResourceFormat`, mesos:src/common/resources_utils.cpp), volume
/// directories (`getPersistentVolumePath`, mesos:src/slave/paths.cpp); see
/// reference/mesos-cluster-operations.md §5.
@Suite("LocalMesos: reservations and persistent volumes", .serialized)
struct ReservationTests {
    static let reservedResources = [Ops.reserved("cpus", 0.5), Ops.reserved("mem", 64), Ops.reserved("disk", 100)]

    @Test("RESERVE and CREATE in one ACCEPT: the next offer carries the reservation, its labels and the volume; the volume's directory exists")
    func reserveAndCreate() async throws {
        try await MasterHarness.run { harness in
            let first = try await harness.offer(after: 0)
            #expect(first.scalar("disk", reserved: false) == 1000)
            let next = try await harness.accept(first, [Ops.reserve(Self.reservedResources), Ops.create([Ops.volume(100, id: "db#pst#1")])])
            let offer = try await harness.offer(after: next, "an offer with the volume") { !$0.volumes.isEmpty }
            // A framework without RESERVATION_REFINEMENT gets the pre-refinement format.
            let volume = try #require(offer.volumes.first)
            #expect(volume.role == "pods" && volume.reservations.isEmpty)
            #expect(volume.reservation.principal == MasterHarness.principal)
            #expect(volume.reservation.labels.labels.map(\.key) == ["marathon_task_id"])
            #expect(volume.disk.persistence.id == "db#pst#1" && volume.disk.volume.containerPath == "pst" && volume.disk.volume.mode == .rw)
            #expect(volume.allocationInfo.role == "pods" && volume.scalar.value == 100)
            #expect(offer.scalar("cpus", reserved: true) == 0.5 && offer.scalar("mem", reserved: true) == 64)
            #expect(offer.scalar("disk", reserved: true) == 0, "all the reserved disk became the volume")
            #expect(offer.scalar("disk", reserved: false) == 900 && offer.scalar("cpus", reserved: false) == 1.5)
            #expect(Directory.isDirectory(harness.directory + "/agent/volumes/roles/pods/db#pst#1"))
            #expect(harness.agent.volumePath(role: "eng/web", persistenceID: "v") == harness.directory + "/agent/volumes/roles/eng web/v")
        }
    }

    @Test("a framework with RESERVATION_REFINEMENT gets the post-refinement format: the reservations stack, no role")
    func postRefinementOffers() async throws {
        try await MasterHarness.run(refinement: true) { harness in
            let first = try await harness.offer(after: 0)
            #expect(first.resources.allSatisfy { !$0.hasRole && $0.allocationInfo.role == "pods" })
            let next = try await harness.accept(first, [Ops.reserve([Ops.reserved("disk", 50)]), Ops.create([Ops.volume(50, id: "v1")])])
            let offer = try await harness.offer(after: next) { !$0.volumes.isEmpty }
            let volume = try #require(offer.volumes.first)
            #expect(!volume.hasRole && !volume.hasReservation)
            #expect(volume.reservations == [Ops.reservation()])
        }
    }

    @Test("invalid operations are dropped and change nothing: a volume on unreserved disk, more than the offer holds, a reservation for another role")
    func droppedOperations() async throws {
        try await MasterHarness.run { harness in
            let first = try await harness.offer(after: 0)
            var unreservedVolume = Ops.volume(10, id: "v1")
            unreservedVolume.reservations = []
            let next = try await harness.accept(first, [
                Ops.create([unreservedVolume]),
                Ops.reserve([Ops.reserved("cpus", 50)]),
                Ops.reserve([Ops.reserved("cpus", 1, role: "db", reservation: Ops.reservation(role: "db"))]),
            ])
            let offer = try await harness.offer(after: next)
            #expect(offer.volumes.isEmpty && offer.scalar("cpus", reserved: true) == 0)
            #expect(offer.scalar("cpus", reserved: false) == 2 && offer.scalar("disk", reserved: false) == 1000)
            #expect(!Directory.exists(harness.directory + "/agent/volumes/roles/pods/v1"))
            #expect(await harness.agent.reservedResources().isEmpty)
            #expect(await harness.events.updates().isEmpty, "Mesos tells the framework nothing of a dropped operation without an id")
        }
    }

    @Test("a LAUNCH_GROUP that uses more than the offer and its earlier operations left fails with TASK_ERROR")
    func launchBeyondRemaining() async throws {
        try await MasterHarness.run { harness in
            let first = try await harness.offer(after: 0)
            let launch = Ops.launch(executorID: "e1", taskID: "t1", frameworkID: harness.frameworkID, script: "exit 0",
                                    executorResources: [Ops.reserved("cpus", 0.1), Ops.reserved("mem", 32), Ops.volume(10, id: "missing")],
                                    taskResources: [Ops.reserved("cpus", 0.1)])
            try await harness.accept(first, [Ops.reserve([Ops.reserved("cpus", 0.5), Ops.reserved("mem", 64)]), launch])
            let update = try await waitFor("TASK_ERROR") { await harness.events.updates().first }
            #expect(update.state == .taskError && update.reason == .taskGroupInvalid && update.source == .master)
            #expect(update.message.contains("required by task group and its executor are more than available"))
        }
    }

    @Test("reservations and volumes survive an agent restart: the new agent offers them again")
    func agentRestart() async throws {
        let harness = try await MasterHarness()
        let first = try await harness.offer(after: 0)
        let next = try await harness.accept(first, [Ops.reserve(Self.reservedResources), Ops.create([Ops.volume(100, id: "db#pst#1")])])
        _ = try await harness.offer(after: next) { !$0.volumes.isEmpty }
        try "kept".write(toFile: harness.directory + "/agent/volumes/roles/pods/db#pst#1/data", atomically: true, encoding: .utf8)
        await harness.stop(removeDirectory: false)
        try await MasterHarness.run(directory: harness.directory) { restarted in
            let offer = try await restarted.offer(after: 0) { !$0.volumes.isEmpty }
            #expect(offer.volumes.first?.disk.persistence.id == "db#pst#1")
            #expect(offer.volumes.first?.reservation.labels.labels.first?.value == "db.instance-1")
            #expect(offer.scalar("cpus", reserved: true) == 0.5 && offer.scalar("disk", reserved: false) == 900)
            #expect((try? String(contentsOfFile: harness.directory + "/agent/volumes/roles/pods/db#pst#1/data", encoding: .utf8)) == "kept")
        }
    }

    @Test("an agent whose configured resources cannot hold its checkpointed reservations refuses to start, as Mesos' agent does")
    func incompatibleCheckpoint() async throws {
        let harness = try await MasterHarness()
        let first = try await harness.offer(after: 0)
        let next = try await harness.accept(first, [Ops.reserve([Ops.reserved("disk", 500)])])
        _ = try await harness.offer(after: next) { $0.scalar("disk", reserved: true) == 500 }
        await harness.stop(removeDirectory: false)
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        await #expect(throws: LocalAgent.OperationFailure.self) {
            _ = try await MasterHarness(directory: harness.directory, diskMB: 100)
        }
    }

    @Test("DESTROY deletes the volume's directory and UNRESERVE returns the resources to unreserved offers")
    func destroyAndUnreserve() async throws {
        try await MasterHarness.run { harness in
            let first = try await harness.offer(after: 0)
            let volume = Ops.volume(100, id: "db#pst#1")
            var next = try await harness.accept(first, [Ops.reserve(Self.reservedResources), Ops.create([volume])])
            let reserved = try await harness.offer(after: next) { !$0.volumes.isEmpty }
            let directory = harness.directory + "/agent/volumes/roles/pods/db#pst#1"
            #expect(Directory.isDirectory(directory))
            // UNRESERVE of the volume's disk before DESTROY is refused; in order, both pass.
            next = try await harness.accept(reserved, [Ops.unreserve([volume]), Ops.destroy([volume]),
                                                       Ops.unreserve(Self.reservedResources)])
            // (Unreserved resources of an earlier offer may still be outstanding: the freed ones come on their own.)
            let offer = try await harness.offer(after: next) { $0.scalar("disk", reserved: false) >= 100 }
            #expect(offer.volumes.isEmpty && offer.scalar("cpus", reserved: true) == 0 && offer.scalar("disk", reserved: true) == 0,
                    "\(offer.id.value): \(MesosResourceText.resources(offer.resources)) roles \(offer.resources.map(\.role))")
            #expect(!Directory.exists(directory))
            #expect(await harness.agent.reservedResources().isEmpty)
        }
    }
    /// A resource in the pre-refinement format, as Marathon writes its RESERVE and CREATE
    /// (reference §5.6): `role` and `reservation {principal, labels}`, allocated to the role.
    static func marathonReserved(_ name: String, _ value: Double) -> Mesos_V1_Resource {
        var r = Mesos_V1_Resource.scalar(name, value, role: "pods")
        r.role = "pods"
        r.reservation.principal = MasterHarness.principal
        r.reservation.labels = Ops.reservation().labels
        return r
    }

    @Test("Marathon's way: pre-refinement RESERVE + CREATE, then DESTROY + UNRESERVE of the offer's own resources, copied verbatim")
    func marathonRoundTrip() async throws {
        try await MasterHarness.run { harness in
            let first = try await harness.offer(after: 0)
            var volume = Self.marathonReserved("disk", 100)
            volume.disk.persistence.id = "db#data#1"
            volume.disk.persistence.principal = MasterHarness.principal
            volume.disk.volume.containerPath = "data"
            volume.disk.volume.mode = .rw
            var next = try await harness.accept(first, [
                Ops.reserve([Self.marathonReserved("cpus", 0.5), Self.marathonReserved("mem", 64), Self.marathonReserved("disk", 100)]),
                Ops.create([volume]),
            ])
            let offer = try await harness.offer(after: next, "the reservation offered") { !$0.volumes.isEmpty }
            let directory = harness.directory + "/agent/volumes/roles/pods/db#data#1"
            #expect(Directory.isDirectory(directory))
            // The offer's reserved resources and volume, verbatim; the volume's disk unreserved without its DiskInfo.
            let reserved = offer.resources.filter { $0.role == "pods" }
            let volumes = reserved.filter { $0.disk.hasPersistence }
            let unreserve = reserved.map { r in
                var r = r
                r.clearDisk()
                return r
            }
            next = try await harness.accept(offer, [Ops.destroy(volumes), Ops.unreserve(unreserve)])
            let freed = try await harness.offer(after: next, "the resources unreserved") { $0.scalar("disk", reserved: false) >= 100 }
            #expect(freed.resources.allSatisfy { $0.role == "*" && !$0.hasReservation && !$0.hasDisk })
            #expect(!Directory.exists(directory))
            #expect(await harness.agent.reservedResources().isEmpty)
        }
    }
}
