import Foundation
@testable import LocalMesos
import MesosProtocol
import PodSystem
import PodTestFixtures
import Testing

/// A resident pod's persistent volume as pod-executor sees it: the agent bind-mounts the
/// volume at `<sandbox>/<container_path>` (the volume in `ExecutorInfo.resources`, as
/// Marathon puts it), and the containers name it with a SANDBOX_PATH/PARENT volume whose
/// path is that container path (reference/mesos-cluster-operations.md §5.5, §5.6). pod-executor
/// mounts it exactly as a sandbox volume; what one instance wrote, the next one reads.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts and cgroups"))
struct PersistentVolumeTests {
    static func reservation() -> Mesos_V1_Resource.ReservationInfo {
        var r = Mesos_V1_Resource.ReservationInfo()
        r.type = .dynamic
        r.role = "pods"
        r.principal = "pod-scheduler"
        return r
    }

    static func volume() -> Mesos_V1_Resource {
        var r = Mesos_V1_Resource.scalar("disk", 10, role: "pods")
        r.reservations = [reservation()]
        r.disk.persistence.id = "db#data#1"
        r.disk.persistence.principal = "pod-scheduler"
        r.disk.volume.containerPath = "data"
        r.disk.volume.mode = .rw
        return r
    }

    /// The container's view of the pod volume `data` at `mnt` (what TaskGroupBuilder emits).
    static func persistentMount() -> Mesos_V1_Volume {
        var v = Mesos_V1_Volume()
        v.containerPath = "mnt"
        v.mode = .rw
        v.source.type = .sandboxPath
        v.source.sandboxPath.type = .parent
        v.source.sandboxPath.path = "data"
        return v
    }

    @Test("a line written by one instance is read by the next one launched on the same volume")
    func dataOutlivesInstances() async throws {
        let cluster = try await TestCluster.start()
        var reserve = Mesos_V1_Offer.Operation()
        reserve.type = .reserve
        var disk = Mesos_V1_Resource.scalar("disk", 10, role: "pods")
        disk.reservations = [Self.reservation()]
        reserve.reserve.resources = [disk]
        try await cluster.agent.apply(reserve)
        var create = Mesos_V1_Offer.Operation()
        create.type = .create
        create.create.volumes = [Self.volume()]
        try await cluster.agent.apply(create)
        let volumeDirectory = cluster.agent.volumePath(role: "pods", persistenceID: "db#data#1")

        var first = cluster.executorInfo("instance-1")
        first.resources.append(Self.volume())
        await cluster.launch(first, [shellTask("ct1", "echo first >> mnt/log; sleep 1000", volumes: [Self.persistentMount()])])
        try await cluster.master.wait("ct1 RUNNING") { u in u.contains { $0.taskID.value == "ct1" && $0.state == .taskRunning } }
        try await waitForFile(volumeDirectory + "/log", containing: "first")
        await cluster.kill("ct1")
        _ = try await cluster.master.waitForFailure()
        let sandbox1 = await cluster.sandbox("instance-1")
        try await waitUntil("the first instance's volume unmounted") { !BindMount.isMountPoint(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox1) + "/data") }

        var second = cluster.executorInfo("instance-2")
        second.resources.append(Self.volume())
        await cluster.launch(second, [shellTask("ct2", "cat mnt/log; echo second >> mnt/log; sleep 1000", volumes: [Self.persistentMount()])])
        try await cluster.master.wait("ct2 RUNNING") { u in u.contains { $0.taskID.value == "ct2" && $0.state == .taskRunning } }
        let sandbox2 = await cluster.sandbox("instance-2")
        try await waitForFile(sandbox2 + "/tasks/ct2/stdout", containing: "first")
        try await waitForFile(volumeDirectory + "/log", containing: "first\nsecond")
        await cluster.kill("ct2")
        let run2 = try FileManager.default.destinationOfSymbolicLink(atPath: sandbox2)
        try await waitUntil("the second instance's volume unmounted") { !BindMount.isMountPoint(run2 + "/data") }
        #expect((try? String(contentsOfFile: volumeDirectory + "/log", encoding: .utf8)) == "first\nsecond\n", "the data stays")
        let leftovers = await cluster.stop()
        #expect(leftovers.isEmpty, "nothing stays mounted: \(leftovers)")
    }
}
