import PodSystem
import PodTestFixtures
import Foundation
import Testing

@Suite("podctl agent gc", .serialized, .enabled(if: isRoot(), "needs root: the collector kills cgroups and removes namespaces"))
struct AgentGCTests {
    @Test("gc collects the state of an executor that died and leaves a live one alone")
    func collectsDeadExecutors() async throws {
        let cluster = try await TestCluster.start()
        await cluster.launch(cluster.executorInfo("e-live"), [shellTask("alive", "sleep 1000")])
        _ = try await cluster.waitForRunning(1)

        // A pod whose executor is gone: pid 1 is no pod-executor.
        let dead = cluster.runtimeDirectory + "/pods/e-dead"
        try FileManager.default.createDirectory(atPath: dead, withIntermediateDirectories: true)
        let state = """
            {"executorID": "e-dead", "sandbox": "\(cluster.workDirectory)/gone", "addresses": [], "executorPID": 1,
             "containers": [{"taskID": "t", "name": "t", "containerID": "c", "sandbox": "", "initPID": 0, "running": false,
                             "startedAt": 0, "cgroups": []}]}
            """
        try Data(state.utf8).write(to: URL(fileURLWithPath: dead + "/state.json"))

        let ps = await cluster.podctl("ps")
        #expect(ps.stdout.contains("e-dead") && ps.stdout.contains("executor gone"), "\(ps)")
        #expect(ps.stderr.contains("'podctl agent gc'"), "\(ps)")

        let gc = await cluster.podctl("gc", ["--cni-config-dir", cluster.workDirectory + "/cni", "--image-store", cluster.workDirectory + "/images"])
        #expect(gc.code == 0, "\(gc)")
        #expect(gc.stdout == "Collected e-dead\n", "\(gc)")
        #expect(!FileManager.default.fileExists(atPath: dead))
        let after = await cluster.podctl("ps", ["--json"])
        #expect(after.stdout.contains("e-live") && !after.stdout.contains("e-dead"), "\(after)")

        let nothing = await cluster.podctl("gc", ["--cni-config-dir", cluster.workDirectory + "/cni"])
        #expect(nothing.stdout == "Nothing to collect\n", "\(nothing)")
        #expect(await cluster.stop() == [])
    }

    @Test("gc unmounts the secret-volume tmpfs of an executor that died and leaves a live executor's alone")
    func collectsSecretTmpfs() async throws {
        let cluster = try await TestCluster.start()
        await cluster.launch(cluster.executorInfo("e-live"), [shellTask("alive", "sleep 1000")])
        _ = try await cluster.waitForRunning(1)
        let parent = cluster.runtimeDirectory + "/secrets"
        var mounts: [String: String] = [:]
        for name in ["e-live", "e-dead"] {
            let path = try Tmpfs.mount(in: parent, name: name, mode: 0o700, sizeBytes: 1 << 20)
            _ = try Tmpfs.writeFile(Array("value".utf8), directory: path, name: "f", mode: 0o400, uid: 0, gid: 0)
            mounts[name] = path
        }
        func mounted(_ path: String) -> Bool {
            ((try? FileContents.read("/proc/self/mountinfo")) ?? "").split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first == Substring(path) }
        }
        #expect(mounted(mounts["e-dead"] ?? "") && mounted(mounts["e-live"] ?? ""))
        let gc = await cluster.podctl("gc", ["--cni-config-dir", cluster.workDirectory + "/cni"])
        #expect(gc.code == 0, "\(gc)")
        #expect(!mounted(mounts["e-dead"] ?? "") && !FileManager.default.fileExists(atPath: mounts["e-dead"] ?? ""))
        #expect(mounted(mounts["e-live"] ?? ""), "a live executor's secrets stay")
        Tmpfs.remove(mounts["e-live"] ?? "")
        // The parent stays a private mount (as /var/run/netns does), so the tmpfs below it
        // propagate nowhere; the test's own goes with the test.
        umount2(parent, Int32(MNT_DETACH))
        #expect(await cluster.stop() == [])
    }
}
