import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite(.serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts, cgroups and seccomp"))
struct ConfinementTests {
    static let keyctl = "python3 -c \"import ctypes; libc = ctypes.CDLL(None, use_errno=True); r = libc.syscall(250, 0, -3, 0, 0, 0); e = ctypes.get_errno(); print(r, e); raise SystemExit(0 if (r == -1 and e == 1) else 1)\""

    @Test("the default seccomp profile answers a blocked syscall (keyctl) with EPERM")
    func seccompBlocks() async throws {
        let cluster = try await TestCluster.start()
        await cluster.launch(cluster.executorInfo("e-sec"), [shellTask("keyctl", Self.keyctl)])
        try await cluster.master.wait("terminal") { u in u.contains { $0.state.isTerminal } }
        let last = await cluster.master.last("keyctl")
        #expect(last?.state == .taskFinished, "keyctl was not refused with EPERM: \(last?.message ?? "")")

        // The compiled program was kept for the next executor, which uses it: the same
        // syscall is still refused.
        let cache = cluster.runtimeDirectory + "/seccomp-cache"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        #expect(files.count == 1 && files[0].hasPrefix("default-") && files[0].hasSuffix(".bpf"), "\(files)")
        let cached = try FileManager.default.attributesOfItem(atPath: cache + "/" + (files.first ?? ""))
        #expect((cached[.posixPermissions] as? Int) == 0o600)
        let written = cached[.modificationDate] as? Date
        await cluster.launch(cluster.executorInfo("e-sec2"), [shellTask("keyctl2", Self.keyctl)])
        try await cluster.master.wait("terminal again") { u in u.contains { $0.taskID.value == "keyctl2" && $0.state.isTerminal } }
        #expect(await cluster.master.last("keyctl2")?.state == .taskFinished)
        let reread = try FileManager.default.attributesOfItem(atPath: cache + "/" + (files.first ?? ""))
        #expect(reread[.modificationDate] as? Date == written, "the cached program was compiled again")
        #expect(await cluster.stop() == [])
    }

    @Test("seccomp unconfined lets the same syscall through")
    func seccompUnconfined() async throws {
        let cluster = try await TestCluster.start()
        var task = shellTask("keyctl", Self.keyctl)
        task.container.type = .mesos
        task.container.linuxInfo.seccomp.unconfined = true
        await cluster.launch(cluster.executorInfo("e-unconf"), [task])
        try await cluster.master.wait("terminal") { u in u.contains { $0.state.isTerminal } }
        #expect(await cluster.master.last("keyctl")?.state == .taskFailed)
        await cluster.stop()
    }

    @Test("containers get Docker's default capability set and no_new_privs")
    func capabilities() async throws {
        let cluster = try await TestCluster.start()
        await cluster.launch(cluster.executorInfo("e-caps"), [shellTask("caps", "grep -E 'CapEff|CapBnd|NoNewPrivs' /proc/self/status")])
        try await cluster.master.wait("finished") { u in u.contains { $0.state == .taskFinished } }
        let sandbox = await cluster.sandbox("e-caps")
        let out = try String(contentsOfFile: sandbox + "/tasks/caps/stdout", encoding: .utf8)
        #expect(out.contains("CapEff:\t00000000a80425fb"), "\(out)")
        #expect(out.contains("CapBnd:\t00000000a80425fb"), "\(out)")
        #expect(out.contains("NoNewPrivs:\t1"), "\(out)")
        await cluster.stop()
    }

    @Test("CommandInfo.user is honoured; the container has its own PID namespace")
    func userAndPID() async throws {
        let cluster = try await TestCluster.start()
        var task = shellTask("who", "id -u; id -g; echo pid=$$; ls /proc | grep -c '^[0-9]'")
        task.command.user = "nobody"
        await cluster.launch(cluster.executorInfo("e-user"), [task])
        try await cluster.master.wait("finished") { u in u.contains { $0.state.isTerminal } }
        #expect(await cluster.master.last("who")?.state == .taskFinished)
        let sandbox = await cluster.sandbox("e-user")
        let lines = try String(contentsOfFile: sandbox + "/tasks/who/stdout", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "65534")
        // PID 1 is the container's init, so the shell is a low pid and few processes exist.
        #expect(lines.contains { $0.hasPrefix("pid=") && Int($0.dropFirst(4)).map { $0 < 10 } == true }, "\(lines)")
        await cluster.stop()
    }

    @Test("a host volume is mounted read-only when asked")
    func readOnlyHostVolume() async throws {
        let cluster = try await TestCluster.start()
        let hostDir = cluster.workDirectory + "/hostdata"
        try FileManager.default.createDirectory(atPath: hostDir, withIntermediateDirectories: true)
        try "hello".write(toFile: hostDir + "/greeting", atomically: true, encoding: .utf8)
        var volume = Mesos_V1_Volume()
        volume.containerPath = "data"
        volume.hostPath = hostDir
        volume.mode = .ro
        let task = shellTask("ro", "cat data/greeting && ! touch data/new 2>/dev/null", volumes: [volume])
        await cluster.launch(cluster.executorInfo("e-ro"), [task])
        try await cluster.master.wait("terminal") { u in u.contains { $0.state.isTerminal } }
        #expect(await cluster.master.last("ro")?.state == .taskFinished)
        #expect(!FileManager.default.fileExists(atPath: hostDir + "/new"))
        #expect(await cluster.stop() == [])
    }
}

@Suite(.serialized, .enabled(if: isRoot(), "needs root"))
struct BadLaunchTests {
    @Test("duplicate task ids in a group: TASK_ERROR for the group with a message")
    func duplicateIDs() async throws {
        let cluster = try await TestCluster.start()
        await cluster.launch(cluster.executorInfo("e-dup"), [shellTask("same", "true"), shellTask("same", "true")])
        try await cluster.master.wait("error") { u in u.contains { $0.state == .taskError } }
        let last = await cluster.master.last("same")
        #expect(last?.reason == .taskGroupInvalid)
        #expect(last?.message.contains("duplicate task id 'same'") == true)
        await cluster.stop()
    }

    @Test("a host path that does not exist fails the whole group before anything starts")
    func missingHostPath() async throws {
        let cluster = try await TestCluster.start()
        var volume = Mesos_V1_Volume()
        volume.containerPath = "data"
        volume.hostPath = "/nonexistent/path/for/test"
        volume.mode = .rw
        await cluster.launch(cluster.executorInfo("e-hp"), [shellTask("a", "sleep 100", volumes: [volume]), shellTask("b", "sleep 100")])
        try await cluster.master.wait("both terminal") { u in
            Set(u.filter { $0.state.isTerminal }.map(\.taskID.value)) == ["a", "b"]
        }
        let a = await cluster.master.last("a")
        #expect(a?.state == .taskFailed)
        #expect(a?.message.contains("/nonexistent/path/for/test") == true)
        #expect(await cluster.master.states("b").contains(.taskRunning) == false)
        #expect(await cluster.stop() == [])
    }

    @Test("a command that cannot be executed fails with a message naming it")
    func badExecutable() async throws {
        let cluster = try await TestCluster.start()
        var task = shellTask("nox", "ignored")
        task.command.shell = false
        task.command.value = "/no/such/binary"
        await cluster.launch(cluster.executorInfo("e-nox"), [task])
        try await cluster.master.wait("failed") { u in u.contains { $0.state == .taskFailed } }
        let message = await cluster.master.last("nox")?.message ?? ""
        #expect(message.contains("/no/such/binary"), "\(message)")
        await cluster.stop()
    }
}
