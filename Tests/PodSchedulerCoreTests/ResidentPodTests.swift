import Foundation
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// Resident pods in the scheduler core: the RESERVE + CREATE of a new instance, the launch on
/// its reservation with the volume on the executor, relaunch in place (same id, same agent,
/// only on an offer holding the reservation), a restart from the store, wipe, pod deletion and
/// orphans freed with DESTROY + UNRESERVE, and a volume that fits no offer.
@Suite("scheduler core: resident pods")
struct ResidentPodTests {
    /// A resident pod created, reserved on S1 and launched there; returns the scheduler, the
    /// instance id and the offer that shows its reservation.
    private func launched(_ lab: SchedulerLab, pod: PodDefinition) async throws
        -> (Scheduler, SQLiteSchedulerStore, String, Mesos_V1_Offer) {
        let (scheduler, store) = try await lab.scheduler()
        await scheduler.recordCalls()
        _ = try await scheduler.create(pod, force: false)
        let base = ResidentLab.offer("S1")
        await scheduler.handleOffers([base])
        let reserve = try ResidentLab.accept(await scheduler.takeCalls())
        let reserved = ResidentLab.applying(reserve.operations, to: base)
        await scheduler.handleOffers([reserved])
        _ = try ResidentLab.accept(await scheduler.takeCalls())
        let id = try #require(await scheduler.instanceRecords(pod.id).first?.instanceID)
        await scheduler.reportRunning(pod.id)
        return (scheduler, store, id, reserved)
    }

    @Test("a new instance reserves (RESERVE + CREATE, labelled with the framework and the instance) and nothing else")
    func reserveAndCreate() async throws {
        let lab = try SchedulerLab()
        let (scheduler, store) = try await lab.scheduler()
        await scheduler.recordCalls()
        let pod = try ResidentLab.pod(size: 128, hostPort: 0)
        _ = try await scheduler.create(pod, force: false)
        await scheduler.handleOffers([ResidentLab.offer("S1")])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.reserve, .create])
        let record = try #require(await scheduler.instanceRecords(pod.id).first)
        let labels = ["marathon_framework_id": "F-lab", "marathon_task_id": record.instanceID]
        let reserved = accept.operations[0].reserve.resources
        #expect(Set(reserved.map(\.name)) == ["cpus", "mem", "disk", "ports"])
        for resource in reserved + accept.operations[1].create.volumes {
            #expect(resource.allocationInfo.role == "pods")
            #expect(resource.reservations.count == 1)
            #expect(resource.reservations.first?.type == .dynamic && resource.reservations.first?.role == "pods")
            #expect(ResidentLab.labels(resource) == labels)
        }
        let disk = try #require(reserved.first { $0.name == "disk" })
        #expect(disk.scalar.value == pod.resourceAsk.disk + 128, "the pod's disk and the volume's")
        #expect(reserved.first { $0.name == "ports" }?.ranges.range.map(\.begin) == [31000])
        let volume = try #require(accept.operations[1].create.volumes.first)
        #expect(volume.scalar.value == 128)
        #expect(volume.disk.persistence.id.hasPrefix("db#data#"))
        #expect(volume.disk.volume.containerPath == "data" && volume.disk.volume.mode == .rw)
        #expect(record.condition == .reserved && record.tasks.isEmpty)
        #expect(record.reservation?.state == .new && record.agentID == "S1")
        #expect(record.reservation?.volumes.map(\.persistenceID) == [volume.disk.persistence.id])
        await store.close()
    }

    @Test("the launch uses the reserved resources, with the persistent volume on the executor")
    func launchOnReservation() async throws {
        let lab = try SchedulerLab()
        let (scheduler, store) = try await lab.scheduler()
        await scheduler.recordCalls()
        let pod = try ResidentLab.pod()
        _ = try await scheduler.create(pod, force: false)
        let base = ResidentLab.offer("S1")
        await scheduler.handleOffers([base])
        let reserve = try ResidentLab.accept(await scheduler.takeCalls())
        // An offer of another agent holds no reservation of it: nothing is launched there.
        await scheduler.handleOffers([ResidentLab.offer("S2")])
        #expect(await scheduler.takeCalls().map(\.type) == [.decline])
        await scheduler.handleOffers([ResidentLab.applying(reserve.operations, to: base)])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.launchGroup])
        let launch = accept.operations[0].launchGroup
        let record = try #require(await scheduler.instanceRecords(pod.id).first)
        let persistenceID = try #require(record.reservation?.volumes.first?.persistenceID)
        #expect(launch.executor.resources.filter(\.hasDisk).map(\.disk.persistence.id) == [persistenceID])
        for resource in launch.executor.resources + launch.taskGroup.tasks.flatMap(\.resources) {
            #expect(ResidentLab.labels(resource)["marathon_task_id"] == record.instanceID, "\(resource.name) is reserved")
        }
        let mount = try #require(launch.taskGroup.tasks.first?.container.volumes.first)
        #expect(mount.source.type == .sandboxPath && mount.source.sandboxPath.type == .parent)
        #expect(mount.source.sandboxPath.path == "data" && mount.containerPath == "/data")
        #expect(record.reservation?.state == .launched && record.tasks.count == 1)
        await store.close()
    }

    @Test("an instance that ends keeps its id, agent and reservation, and relaunches only on an offer holding it")
    func relaunchInPlace() async throws {
        let lab = try SchedulerLab()
        let pod = try ResidentLab.pod()
        let (scheduler, store, id, reserved) = try await launched(lab, pod: pod)
        _ = try await scheduler.killInstances(pod.id, instanceIds: [id], wipe: false)
        let task = try #require(await scheduler.record(id)?.tasks.first?.taskID)
        await scheduler.handleUpdate(SchedulerLab.status(task, .taskKilled))
        let ended = try #require(await scheduler.record(id))
        #expect(ended.condition == .reserved && ended.goal == .running)
        #expect(ended.agentID == "S1" && ended.reservation?.state == .suspended)
        _ = await scheduler.takeCalls()
        // Unreserved resources, even of its agent, do not do.
        await scheduler.handleOffers([ResidentLab.offer("S2"), ResidentLab.offer("S1")])
        #expect(await scheduler.takeCalls().map(\.type) == [.decline, .decline])
        let stats = await scheduler.queue(embedLastUnusedOffers: false).first { $0.pod.id == pod.id }?.offers
        #expect(stats?.rejectSummaryLastOffers[.noCorrespondingReservationFound] ?? 0 > 0)
        await scheduler.handleOffers([reserved])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.launchGroup])
        #expect(accept.operations[0].launchGroup.taskGroup.tasks.map(\.taskID.value) == ["\(id).c.2"])
        #expect(await scheduler.instanceRecords(pod.id).map(\.instanceID) == [id])
        await store.close()
    }

    @Test("a new spec relaunches each instance in place: same id, same reservation, the new version")
    func restartInPlace() async throws {
        let lab = try SchedulerLab()
        let pod = try ResidentLab.pod()
        let (scheduler, store, id, reserved) = try await launched(lab, pod: pod)
        await scheduler.progressDeployments()
        #expect(await scheduler.deploymentRecords().isEmpty)
        let change = try await scheduler.update(try ResidentLab.pod(command: "sleep 2000"), force: false)
        let task = try #require(await scheduler.record(id)?.tasks.first?.taskID)
        await scheduler.handleUpdate(SchedulerLab.status(task, .taskKilled))
        let ended = try #require(await scheduler.record(id))
        #expect(ended.condition == .reserved && ended.specVersion == change.version)
        _ = await scheduler.takeCalls()
        await scheduler.handleOffers([reserved])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.launchGroup])
        #expect(accept.operations[0].launchGroup.taskGroup.tasks.first?.command.value == "sleep 2000")
        await scheduler.reportRunning(pod.id)
        #expect(await scheduler.deploymentRecords().isEmpty)
        #expect(await scheduler.instanceRecords(pod.id).map(\.instanceID) == [id])
        await store.close()
    }

    @Test("a restarted scheduler finds the reservation in its store: one reservation, relaunched on it")
    func restartKeepsTheReservation() async throws {
        let lab = try SchedulerLab()
        let pod = try ResidentLab.pod()
        let (first, firstStore, id, reserved) = try await launched(lab, pod: pod)
        let before = try #require(await first.record(id)?.reservation)
        await first.stop()
        await firstStore.close()

        let (second, secondStore) = try await lab.scheduler()
        await second.recordCalls()
        #expect(await second.record(id)?.reservation == before)
        // While it runs, its reservation is its own: nothing to free, nothing to launch.
        await second.handleOffers([reserved])
        #expect(await second.takeCalls().map(\.type) == [.decline])
        let task = try #require(await second.record(id)?.tasks.first?.taskID)
        await second.handleUpdate(SchedulerLab.status(task, .taskKilled))
        _ = await second.takeCalls()
        await second.handleOffers([reserved])
        let accept = try ResidentLab.accept(await second.takeCalls())
        #expect(accept.operations.map(\.type) == [.launchGroup], "no second RESERVE")
        await secondStore.close()
    }

    @Test("wipe: the old volume is destroyed and unreserved when offered; a new instance reserves a new one")
    func wipe() async throws {
        let lab = try SchedulerLab()
        let pod = try ResidentLab.pod()
        let (scheduler, store, id, reserved) = try await launched(lab, pod: pod)
        let old = try #require(await scheduler.record(id)?.reservation)
        _ = try await scheduler.killInstances(pod.id, instanceIds: [id], wipe: true)
        let task = try #require(await scheduler.record(id)?.tasks.first?.taskID)
        await scheduler.handleUpdate(SchedulerLab.status(task, .taskKilled))
        #expect(await scheduler.record(id)?.isReleasingReservation == true, "kept until its reservation is freed")
        _ = await scheduler.takeCalls()
        await scheduler.handleOffers([reserved])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.destroy, .unreserve, .reserve, .create])
        #expect(accept.operations[0].destroy.volumes.map(\.disk.persistence.id) == old.volumes.map(\.persistenceID))
        let unreserved = accept.operations[1].unreserve.resources
        #expect(unreserved.allSatisfy { !$0.hasDisk && ResidentLab.labels($0)["marathon_task_id"] == id })
        #expect(unreserved.filter { $0.name == "disk" }.map(\.scalar.value).reduce(0, +) == pod.resourceAsk.disk + 128)
        #expect(await scheduler.record(id) == nil)
        let replacement = try #require(await scheduler.instanceRecords(pod.id).first)
        #expect(replacement.instanceID != id)
        let volume = accept.operations[3].create.volumes.first?.disk.persistence.id
        #expect(volume != nil && volume != old.volumes.first?.persistenceID)
        #expect(ResidentLab.labels(accept.operations[2].reserve.resources[0])["marathon_task_id"] == replacement.instanceID)
        await store.close()
    }

    @Test("deleting the pod frees every reservation before its deployment ends")
    func deletePod() async throws {
        let lab = try SchedulerLab()
        let pod = try ResidentLab.pod()
        let (scheduler, store, id, reserved) = try await launched(lab, pod: pod)
        _ = try await scheduler.delete(pod.id, force: false)
        let task = try #require(await scheduler.record(id)?.tasks.first?.taskID)
        await scheduler.handleUpdate(SchedulerLab.status(task, .taskKilled))
        await scheduler.housekeeping()
        #expect(await scheduler.deploymentRecords().count == 1, "waits for the reservation to be freed")
        _ = await scheduler.takeCalls()
        // While its executor lives (it holds the volume), nothing of the reservation is freed.
        var executorAlive = reserved
        executorAlive.executorIds = [Mesos_V1_ExecutorID(try #require(await scheduler.record(id)?.executorID))]
        await scheduler.handleOffers([executorAlive])
        #expect(await scheduler.takeCalls().map(\.type) == [.decline])
        #expect(await scheduler.record(id) != nil)
        await scheduler.handleOffers([reserved])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.destroy, .unreserve])
        await scheduler.housekeeping()
        #expect(await scheduler.instanceRecords(pod.id).isEmpty)
        #expect(await scheduler.deploymentRecords().isEmpty)
        await store.close()
    }

    @Test("scaling down frees the reservations of the instances that go, once their executor ended")
    func scaleDown() async throws {
        let lab = try SchedulerLab()
        let pod = try ResidentLab.pod()
        let (scheduler, store, id, reserved) = try await launched(lab, pod: pod)
        var none = pod
        none.instances = 0
        _ = try await scheduler.update(none, force: false)
        #expect(await scheduler.record(id)?.goal == .stopped)
        let task = try #require(await scheduler.record(id)?.tasks.first?.taskID)
        await scheduler.handleUpdate(SchedulerLab.status(task, .taskKilled))
        _ = await scheduler.takeCalls()
        await scheduler.handleOffers([reserved])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.destroy, .unreserve])
        await scheduler.housekeeping()
        #expect(await scheduler.instanceRecords(pod.id).isEmpty)
        #expect(await scheduler.deploymentRecords().isEmpty)
        await store.close()
    }

    @Test("reservations labelled with our framework that no instance owns are freed; other frameworks' are left alone")
    func orphans() async throws {
        let lab = try SchedulerLab()
        let (scheduler, store) = try await lab.scheduler()
        await scheduler.recordCalls()
        let pod = try ResidentLab.pod()
        var record = ReservationRecord(agentID: "S1", agentHostname: "s1.example", role: "pods", principal: nil, frameworkID: "F-lab",
                                       volumes: [.init(name: "data", persistenceID: "db#data#1", size: 64)], state: .launched, since: Date())
        let ours = ReservationOffer.reserveAndCreate(pod: pod, hostPorts: [], reservation: record, instanceID: "db.instance-gone")
        record.frameworkID = "F-other"
        let theirs = ReservationOffer.reserveAndCreate(pod: pod, hostPorts: [], reservation: record, instanceID: "db.instance-x")
        let offer = ResidentLab.applying(theirs, to: ResidentLab.applying(ours, to: ResidentLab.offer("S1")))
        await scheduler.handleOffers([offer])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.destroy, .unreserve])
        #expect(accept.operations[0].destroy.volumes.map(\.disk.persistence.id) == ["db#data#1"])
        #expect(accept.operations[1].unreserve.resources.allSatisfy { ResidentLab.labels($0)["marathon_framework_id"] == "F-lab" })
        await store.close()
    }

    @Test("a reservation no offer confirms is given up; it is freed when it shows, and the instance reserves again")
    func unconfirmedReservation() async throws {
        let lab = try SchedulerLab()
        let (scheduler, store) = try await lab.scheduler()
        await scheduler.recordCalls()
        let pod = try ResidentLab.pod()
        _ = try await scheduler.create(pod, force: false)
        let base = ResidentLab.offer("S1")
        await scheduler.handleOffers([base])
        let first = try ResidentLab.accept(await scheduler.takeCalls())
        let id = try #require(await scheduler.instanceRecords(pod.id).first?.instanceID)
        await scheduler.ageReservation(id, by: ReservationRecord.confirmationTimeout + 1)
        await scheduler.housekeeping()
        let given = await scheduler.record(id)
        #expect(given?.reservation == nil && given?.agentID == nil)
        _ = await scheduler.takeCalls()
        await scheduler.handleOffers([ResidentLab.applying(first.operations, to: base)])
        let accept = try ResidentLab.accept(await scheduler.takeCalls())
        #expect(accept.operations.map(\.type) == [.destroy, .unreserve, .reserve, .create])
        #expect(await scheduler.record(id)?.reservation?.state == .new)
        await store.close()
    }

    @Test("a volume larger than any offer's disk waits with a clear reason and nothing is reserved")
    func volumeTooLarge() async throws {
        let lab = try SchedulerLab()
        let (scheduler, store) = try await lab.scheduler()
        await scheduler.recordCalls()
        let pod = try ResidentLab.pod(size: 500_000)
        _ = try await scheduler.create(pod, force: false)
        await scheduler.handleOffers([ResidentLab.offer("S1", disk: 1000)])
        #expect(await scheduler.takeCalls().map(\.type) == [.decline])
        let record = try #require(await scheduler.instanceRecords(pod.id).first)
        #expect(record.reservation == nil && record.agentID == nil)
        let snapshot = try #require(await scheduler.statusSnapshot(pod.id))
        let reason = try #require(snapshot.instances.first?.waitingReason)
        #expect(reason.contains("500000 MiB") && reason.contains("had 1000 MiB") && reason.contains("nothing is reserved"))
        let stats = await scheduler.queue(embedLastUnusedOffers: false).first { $0.pod.id == pod.id }?.offers
        #expect(stats?.rejectSummaryLastOffers[.insufficientDisk] == 1)
        await store.close()
    }

    @Test("::status carries each instance's reservation and volumes")
    func statusSnapshot() async throws {
        let lab = try SchedulerLab()
        let pod = try ResidentLab.pod(size: 64)
        let (scheduler, store, id, _) = try await launched(lab, pod: pod)
        let snapshot = try #require(await scheduler.statusSnapshot(pod.id)?.instances.first)
        let reservation = try #require(snapshot.reservation)
        #expect(snapshot.instanceID == id && reservation.agentID == "S1" && reservation.role == "pods")
        #expect(reservation.state == "launched" && reservation.frameworkID == "F-lab")
        #expect(reservation.volumes.map(\.containerPath) == ["data"] && reservation.volumes.map(\.size) == [64])
        #expect(snapshot.unreachableStrategy == .disabled)
        await store.close()
    }

    @Test("persistent volumes on path or mount disks are refused until they are supported")
    func pathDisksRefused() async throws {
        let lab = try SchedulerLab()
        let (scheduler, store) = try await lab.scheduler()
        var pod = try ResidentLab.pod()
        pod.volumes = [.persistent(name: "data", PersistentVolumeInfo(type: .path, size: 10))]
        await #expect(throws: PodServiceError.self) { try await scheduler.create(pod, force: false) }
        #expect(await scheduler.pods().isEmpty)
        await store.close()
    }
}

/// `ReservationOffer` on its own: reading the owner of a reserved resource in either format.
@Suite("scheduler core: reserved resources in offers")
struct ReservationOfferTests {
    @Test("owner labels are read from the reservations stack and from the pre-refinement reservation")
    func ownerLabels() {
        let info = ReservationOffer.reservation(role: "pods", principal: "p",
                                                labels: [("marathon_framework_id", "F"), ("marathon_task_id", "db.instance-1")])
        var refined = Mesos_V1_Resource.scalar("cpus", 1)
        refined.reservations = [info]
        #expect(ReservationOffer.ownerLabels(refined)?.instanceID == "db.instance-1")
        var legacy = Mesos_V1_Resource.scalar("cpus", 1)
        legacy.role = "pods"
        var pre = info
        pre.clearType()
        pre.clearRole()
        legacy.reservation = pre
        #expect(ReservationOffer.ownerLabels(legacy)?.frameworkID == "F")
        #expect(ReservationOffer.reservationStack(legacy).first?.role == "pods")
        #expect(ReservationOffer.ownerLabels(Mesos_V1_Resource.scalar("cpus", 1)) == nil)
    }

    @Test("a labelled reservation is not offered to other launches")
    func reservedIsNotForOthers() {
        var offer = ResidentLab.offer("S1")
        var reserved = Mesos_V1_Resource.scalar("cpus", 100, role: "pods")
        reserved.reservations = [ReservationOffer.reservation(role: "pods", principal: nil,
                                                              labels: [("marathon_framework_id", "F"), ("marathon_task_id", "x")])]
        offer.resources.append(reserved)
        let remaining = OfferMatcher.remaining(of: offer, acceptedRoles: [], podRole: "pods")
        #expect(remaining.cpus == 8)
    }
}
