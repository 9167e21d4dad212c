import Foundation
@testable import LocalMesos
import MesosProtocol
import PodSystem
import PodTestFixtures
import Testing

/// Executors launched with a persistent volume in their resources get it bind-mounted at
/// `<sandbox>/<container_path>` before they start, and lose the mount when they end; the
/// data stays for the next executor (Mesos' `filesystem/linux` isolator,
/// reference/mesos-cluster-operations.md §5.5). The executors here are shell commands that
/// read and write the volume and exit. Mounting needs root (CAP_SYS_ADMIN): without it the
/// suite is skipped.
@Suite("LocalMesos: persistent volumes mounted into executors", .serialized,
       .enabled(if: getuid() == 0, "bind mounts need root (CAP_SYS_ADMIN)"))
struct VolumeMountTests {
    static let reservedResources = [Ops.reserved("cpus", 0.5), Ops.reserved("mem", 64), Ops.reserved("disk", 100)]
    static let volume = Ops.volume(100, id: "db#pst#1")

    /// A LAUNCH_GROUP whose executor has the volume, as Marathon builds it (§5.6).
    static func launch(_ harness: MasterHarness, executor: String, script: String) -> Mesos_V1_Offer.Operation {
        Ops.launch(executorID: executor, taskID: executor + ".task", frameworkID: harness.frameworkID, script: script,
                   executorResources: [Ops.reserved("cpus", 0.1), Ops.reserved("mem", 32), volume],
                   taskResources: [Ops.reserved("cpus", 0.4), Ops.reserved("mem", 32)])
    }

    /// The executor's script: records where its `pst` is mounted, what it held, and appends `line`.
    static func script(_ line: String) -> String {
        "mountpoint -q pst && echo mounted > mountpoint; cat pst/data > seen 2>/dev/null; echo \(line) >> pst/data"
    }

    static func sandbox(_ harness: MasterHarness, executor: String) async throws -> String {
        let link = harness.directory + "/agent/slaves/\(await harness.agent.agentID)/frameworks/\(harness.frameworkID)/executors/\(executor)/runs/latest"
        return try FileManager.default.destinationOfSymbolicLink(atPath: link)
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test("RESERVE, CREATE and LAUNCH_GROUP in one ACCEPT; the next executor on the same volume sees the first one's data; DESTROY deletes it")
    func dataOutlivesExecutors() async throws {
        try await MasterHarness.run { harness in
            let volumeDirectory = harness.directory + "/agent/volumes/roles/pods/db#pst#1"
            let first = try await harness.offer(after: 0)
            var next = try await harness.accept(first, [Ops.reserve(Self.reservedResources), Ops.create([Self.volume]),
                                                        Self.launch(harness, executor: "e1", script: Self.script("one"))])
            // The executor exits at once: its task fails with the executor, the volume is offered again.
            let offer = try await harness.offer(after: next, "the volume offered again after the first executor") { !$0.volumes.isEmpty }
            let sandbox1 = try await Self.sandbox(harness, executor: "e1")
            #expect(Self.read(sandbox1 + "/mountpoint") == "mounted\n", "the volume was a mount point of its own in the sandbox")
            #expect(Self.read(volumeDirectory + "/data") == "one\n")
            #expect(!BindMount.isMountPoint(sandbox1 + "/pst"), "unmounted when the executor ended")
            #expect(!FileManager.default.fileExists(atPath: sandbox1 + "/pst/data"))

            next = try await harness.accept(offer, [Self.launch(harness, executor: "e2", script: Self.script("two"))])
            let again = try await harness.offer(after: next, "the volume offered after the second executor") { !$0.volumes.isEmpty }
            let sandbox2 = try await Self.sandbox(harness, executor: "e2")
            #expect(Self.read(sandbox2 + "/seen") == "one\n", "the second executor read the first one's line")
            #expect(Self.read(volumeDirectory + "/data") == "one\ntwo\n")

            next = try await harness.accept(again, [Ops.destroy([Self.volume]), Ops.unreserve(Self.reservedResources)])
            // (The other unreserved resources are in an offer the test holds since the second launch.)
            let freed = try await harness.offer(after: next, "the destroyed and unreserved resources") { $0.scalar("disk", reserved: false) >= 100 }
            #expect(freed.volumes.isEmpty && freed.scalar("cpus", reserved: true) == 0 && freed.scalar("disk", reserved: true) == 0)
            #expect(!Directory.exists(volumeDirectory), "DESTROY deletes the volume's data")
        }
    }

    @Test("a volume in use by a running executor cannot be destroyed")
    func destroyInUse() async throws {
        try await MasterHarness.run { harness in
            let volumeDirectory = harness.directory + "/agent/volumes/roles/pods/db#pst#1"
            let first = try await harness.offer(after: 0)
            // This executor stays until the test's end (it never subscribes: the registration timeout is a minute).
            let next = try await harness.accept(first, [Ops.reserve(Self.reservedResources), Ops.create([Self.volume]),
                                                        Self.launch(harness, executor: "e1", script: "sleep 600")])
            let offer = try await harness.offer(after: next, "an offer while the executor runs") { $0.scalar("disk", reserved: false) == 900 }
            #expect(offer.volumes.isEmpty, "a volume in use is not offered")
            let sandbox = try await Self.sandbox(harness, executor: "e1")
            #expect(BindMount.isMountPoint(sandbox + "/pst"))
            // DESTROY of the in-use volume (the scheduler does not hold it in an offer) is dropped.
            #expect(OfferOperations.destroyProblem(Ops.destroy([Self.volume]).destroy, checkpointed: await harness.agent.checkpointedResources,
                                                   used: ResourcePool(await harness.agent.allocatedResources())) == "Persistent volumes in use")
            try await harness.call { call in
                call.type = .shutdown
                call.shutdown.executorID = Mesos_V1_ExecutorID("e1")
                call.shutdown.agentID = Mesos_V1_AgentID("unused")
            }
            try await waitUntil("the executor's volume unmounted") { !BindMount.isMountPoint(sandbox + "/pst") }
            #expect(Directory.isDirectory(volumeDirectory), "the executor's end leaves the volume's directory")
        }
    }
    @Test("an agent restart keeps a running executor's volume mounted; when that executor is destroyed the volume is unmounted and offered again, its data intact")
    func agentRestartWithRunningExecutor() async throws {
        let harness = try await MasterHarness(registrationTimeout: .seconds(4))
        let volumeDirectory = harness.directory + "/agent/volumes/roles/pods/db#pst#1"
        let first = try await harness.offer(after: 0)
        // A shell executor never subscribes: after the restart its registration timeout (4 s) destroys it.
        let next = try await harness.accept(first, [Ops.reserve(Self.reservedResources), Ops.create([Self.volume]),
                                                    Self.launch(harness, executor: "e1", script: "echo kept >> pst/data; sleep 600")])
        _ = try await harness.offer(after: next, "an offer while the executor runs") { $0.scalar("disk", reserved: false) == 900 }
        let sandbox = try await Self.sandbox(harness, executor: "e1")
        try await waitUntil("the executor wrote its line") { Self.read(volumeDirectory + "/data") == "kept\n" }
        await harness.stop(removeDirectory: false)
        #expect(BindMount.isMountPoint(sandbox + "/pst"), "the agent's stop leaves running executors and their volumes")
        try await MasterHarness.run(directory: harness.directory, registrationTimeout: .seconds(4)) { restarted in
            let offer = try await restarted.offer(after: 0, "the volume offered after the executor's end") { !$0.volumes.isEmpty }
            #expect(offer.volumes.first?.disk.persistence.id == "db#pst#1")
            #expect(!BindMount.isMountPoint(sandbox + "/pst"))
            #expect(Self.read(volumeDirectory + "/data") == "kept\n")
        }
    }

    @Test("removing a sandbox tree with a volume still mounted in it unmounts the volume and leaves its data")
    func removeTreeKeepsVolumes() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try Directory.create(base + "/volume")
        try Directory.create(base + "/sandbox")
        try "data".write(toFile: base + "/volume/file", atomically: true, encoding: .utf8)
        try BindMount.mount(base + "/volume", in: base + "/sandbox", name: "pst", readOnly: false)
        #expect(BindMount.isMountPoint(base + "/sandbox/pst"))
        Directory.removeTree(base + "/sandbox")
        #expect(!Directory.exists(base + "/sandbox"))
        #expect(Self.read(base + "/volume/file") == "data")
    }
}
