import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite(.serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts and cgroups"))
struct PodLaunchTests {
    @Test("three containers reach TASK_RUNNING; KILL ends the group as TASK_KILLED")
    func threeContainers() async throws {
        let cluster = try await TestCluster.start()
        let tasks = (1...3).map { shellTask("t\($0)", "sleep 1000") }
        await cluster.launch(cluster.executorInfo("e1"), tasks)
        try await cluster.master.wait("three RUNNING") { u in
            Set(u.filter { $0.state == .taskRunning }.map(\.taskID.value)) == ["t1", "t2", "t3"]
        }
        for id in ["t1", "t2", "t3"] {
            let states = await cluster.master.states(id)
            #expect(states.prefix(2) == [.taskStarting, .taskRunning])
        }
        await cluster.kill("t1", grace: .seconds(1))
        try await cluster.master.wait("all KILLED") { u in
            Set(u.filter { $0.state == .taskKilled }.map(\.taskID.value)) == ["t1", "t2", "t3"]
        }
        let t1 = await cluster.master.states("t1")
        #expect(t1 == [.taskStarting, .taskRunning, .taskKilling, .taskKilled])
        let failure = try await cluster.master.waitForFailure()
        #expect(failure.status == 0)
        await cluster.stop()
    }
}

@Suite(.serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts and cgroups"))
struct PodSemanticsTests {
    @Test("seed 'A Pod that Uses Ephemeral Volumes': ct1 writes the clock file, ct2 reads it")
    func ephemeralVolumes() async throws {
        let cluster = try await TestCluster.start()
        let ct1 = shellTask("ct1", "while true; do echo the current time is $(date) > ./jdef-v1/clock; sleep 1; done",
                            volumes: [podVolume("v1", at: "jdef-v1")])
        let ct2 = shellTask("ct2", "while true; do cat ./etc/clock; sleep 1; done", volumes: [podVolume("v1", at: "etc")])
        await cluster.launch(cluster.executorInfo("e-vol"), [ct1, ct2])
        try await cluster.master.wait("both RUNNING") { u in u.filter { $0.state == .taskRunning }.count == 2 }
        let sandbox = await cluster.sandbox("e-vol")
        // ct2's stdout shows what ct1 wrote through the shared volume.
        try await waitForFile(sandbox + "/tasks/ct2/stdout", containing: "the current time is")
        #expect(FileManager.default.fileExists(atPath: sandbox + "/volumes/v1/clock"))
        await cluster.stop()
    }

    @Test("a member exiting non-zero fails; the group policy kills the others")
    func failureKillsGroup() async throws {
        let cluster = try await TestCluster.start()
        await cluster.launch(cluster.executorInfo("e-fail"), [shellTask("bad", "exit 3"), shellTask("good", "sleep 1000")])
        try await cluster.master.wait("good KILLED") { u in u.contains { $0.taskID.value == "good" && $0.state == .taskKilled } }
        let bad = await cluster.master.last("bad")
        #expect(bad?.state == .taskFailed)
        #expect(bad?.message == "Command exited with status 3")
        #expect(bad?.source == .executor)
        let good = await cluster.master.states("good")
        #expect(good == [.taskStarting, .taskRunning, .taskKilling, .taskKilled])
        let goodLast = await cluster.master.last("good")
        #expect(goodLast?.message == "Command terminated with signal Terminated")
        _ = try await cluster.master.waitForFailure()
        await cluster.stop()
    }

    @Test("a member exiting 0 finishes; the others run on")
    func finishKeepsGroup() async throws {
        let cluster = try await TestCluster.start()
        // The runner counts ticks into a file: that it keeps counting after 'done' finished,
        // and the executor handled that, is the event that shows no kill was sent.
        let beats = cluster.workDirectory + "/runner-beats"
        await cluster.launch(cluster.executorInfo("e-fin"), [shellTask("done", "true"),
                                                             shellTask("runner", "while true; do echo >> \(beats); sleep 0.05; done")])
        try await cluster.master.wait("done FINISHED") { u in u.contains { $0.taskID.value == "done" && $0.state == .taskFinished } }
        let done = await cluster.master.last("done")
        #expect(done?.message == "Command exited with status 0")
        let seen = lineCount(beats)
        try await waitUntil("the runner to go on after 'done' finished", state: { "\(lineCount(beats)) ticks" }) {
            lineCount(beats) >= seen + 10
        }
        let runner = await cluster.master.states("runner")
        #expect(runner == [.taskStarting, .taskRunning])
        await cluster.kill("runner")
        try await cluster.master.wait("runner KILLED") { u in u.contains { $0.taskID.value == "runner" && $0.state == .taskKilled } }
        await cluster.stop()
    }

    @Test("KILL of a task that ignores SIGTERM: SIGKILL after the grace period, TASK_KILLED")
    func killEscalates() async throws {
        let cluster = try await TestCluster.start()
        let terms = cluster.workDirectory + "/stubborn-terms"
        await cluster.launch(cluster.executorInfo("e-stubborn"), [shellTask("stubborn", "trap 'echo TERM >> \(terms)' TERM; while true; do sleep 0.1; done")])
        try await cluster.master.wait("RUNNING") { u in u.contains { $0.state == .taskRunning } }
        await cluster.kill("stubborn", grace: .seconds(1))
        try await cluster.master.wait("KILLED") { u in u.contains { $0.state == .taskKilled } }
        // SIGTERM first (the trap wrote it down), SIGKILL after it (the grace period's length
        // is the state machine's, checked in StateMachineTests with its own clock).
        #expect(lineCount(terms) >= 1, "no SIGTERM reached the task before SIGKILL")
        #expect(await cluster.master.states("stubborn") == [.taskStarting, .taskRunning, .taskKilling, .taskKilled])
        let last = await cluster.master.last("stubborn")
        #expect(last?.message == "Command terminated with signal Killed")
        await cluster.stop()
    }

    @Test("a memory limit is enforced: TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY")
    func memoryLimit() async throws {
        let cluster = try await TestCluster.start()
        // 16 MiB limit; the program touches 64 MiB.
        let hog = shellTask("hog", "python3 -c \"x = b'a' * (64 << 20); print('survived', len(x))\"", mem: 16)
        await cluster.launch(cluster.executorInfo("e-oom"), [hog])
        try await cluster.master.wait("FAILED") { u in u.contains { $0.state == .taskFailed } }
        let last = await cluster.master.last("hog")
        #expect(last?.reason == .containerLimitationMemory)
        #expect(last?.message.hasPrefix("Memory limit exceeded") == true)
        await cluster.stop()
    }

    @Test("containers of a pod on its own network namespace talk over 127.0.0.1")
    func localhostBetweenContainers() async throws {
        let cluster = try await TestCluster.start()
        let server = shellTask("server", "python3 -m http.server 18080 --bind 127.0.0.1")
        let client = shellTask("client", "for i in $(seq 1 100); do python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:18080/').status)\" && exit 0; sleep 0.2; done; exit 1")
        await cluster.launch(cluster.executorInfo("e-net", networks: [""]), [server, client])
        try await cluster.master.wait("client FINISHED") { u in u.contains { $0.taskID.value == "client" && $0.state.isTerminal } }
        #expect(await cluster.master.last("client")?.state == .taskFinished)
        // The pod had its own namespace: nothing listens on 18080 on the host.
        let hostProbe = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
        #expect(hostProbe?.contains(":469A ") != true)
        await cluster.stop()
    }
}

func waitForFile(_ path: String, containing text: String, timeout: Duration = .seconds(15)) async throws {
    try await waitUntil("\(path) to contain '\(text)'", timeout: timeout) {
        (try? String(contentsOfFile: path, encoding: .utf8))?.contains(text) == true
    }
}

/// The number of lines in a file a task appends to (0 while it does not exist).
func lineCount(_ path: String) -> Int {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false).count - 1
}
