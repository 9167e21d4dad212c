import Foundation
import LocalMesos
import Logging
import MesosProtocol
import PodSystem

/// A master stand-in that timestamps updates and acknowledges them, as a scheduler would.
actor TimingMaster: AgentMasterLink {
    private(set) var running: [String: ContinuousClock.Instant] = [:]
    private(set) var terminal: Set<String> = []
    private(set) var exited: Set<String> = []
    var agent: LocalAgent?

    func attach(_ agent: LocalAgent) { self.agent = agent }

    func forward(update: Mesos_V1_TaskStatus, frameworkID: String) async {
        let now = ContinuousClock.now
        let id = update.taskID.value
        if update.state == .taskRunning && running[id] == nil { running[id] = now }
        if update.state.isTerminal { terminal.insert(id) }
        if update.hasUuid, let agent {
            let uuid = Array(update.uuid)
            Task { await agent.acknowledge(frameworkID: frameworkID, taskID: id, uuid: uuid) }
        }
    }

    func executorTerminated(frameworkID: String, executorID: String, agentID: String, status: Int32) async {
        exited.insert(executorID)
    }

    func executorMessage(frameworkID: String, executorID: String, agentID: String, data: [UInt8]) async {}
    func resourcesFreed() async {}

    func runningAt(_ ids: [String]) -> ContinuousClock.Instant? {
        let times = ids.compactMap { running[$0] }
        return times.count == ids.count ? times.max() : nil
    }

    func allTerminal(_ ids: [String]) -> Bool { ids.allSatisfy(terminal.contains) }
    func hasExited(_ id: String) -> Bool { exited.contains(id) }
}

/// LAUNCH_GROUP of a 3-container pod → all three TASK_RUNNING, through the embedded agent
/// and the real pod-executor binary; and the executor's memory while idle with a running pod.
/// Side by side: the same three containers started with `crun run -d` from a busybox bundle.
enum LaunchBench {
    static func run(executor: String, runs: Int) async throws {
        let base = "/tmp/pod-bench-launch-\(getpid())"
        try Directory.create(base, mode: 0o755)
        defer { try? FileManager.default.removeItem(atPath: base) }
        var config = AgentConfiguration(workDirectory: base + "/agent", cpus: 64, memoryMB: 65536, diskMB: 100000)
        config.port = 0
        config.hostname = "127.0.0.1"
        config.executorEnvironment = ["POD_EXECUTOR_RUNTIME_DIR": base + "/run", "POD_EXECUTOR_NETNS_DIR": base + "/netns",
                                      "POD_EXECUTOR_LOG_LEVEL": "warning", "POD_EXECUTOR_IMAGE_STORE": base + "/images"]
        config.executorCleanupCommand = [executor, "--cleanup"]
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let agent = LocalAgent(configuration: config, logger: logger)
        let master = TimingMaster()
        await master.attach(agent)
        await agent.setMasterLink(master)
        try await agent.start()
        var framework = Mesos_V1_FrameworkInfo()
        framework.user = "root"
        framework.name = "bench"
        framework.id = Mesos_V1_FrameworkID("bench-\(getpid())")
        framework.checkpoint = true
        framework.capabilities = [Mesos_V1_FrameworkInfo.Capability.TypeEnum.taskKillingState, .partitionAware].map { t in
            var c = Mesos_V1_FrameworkInfo.Capability()
            c.type = t
            return c
        }

        func executorInfo(_ id: String) -> Mesos_V1_ExecutorInfo {
            var info = Mesos_V1_ExecutorInfo()
            info.type = .custom
            info.executorID = Mesos_V1_ExecutorID(id)
            info.frameworkID = framework.id
            info.command.value = executor
            info.command.shell = false
            info.command.arguments = ["pod-executor"]
            info.resources = [.scalar("cpus", 0.1), .scalar("mem", 32)]
            return info
        }
        func tasks(_ prefix: String) -> [Mesos_V1_TaskInfo] {
            (1...3).map { n in
                var t = Mesos_V1_TaskInfo()
                t.name = "c\(n)"
                t.taskID = Mesos_V1_TaskID("\(prefix).c\(n)")
                t.agentID = Mesos_V1_AgentID("unused")
                t.command.shell = true
                t.command.value = "sleep 1000"
                t.resources = [.scalar("cpus", 0.1), .scalar("mem", 32)]
                return t
            }
        }

        var cold = Samples()   // new executor: spawn, SUBSCRIBE, LAUNCH_GROUP, 3 containers
        var warm = Samples()   // LAUNCH_GROUP to an executor already subscribed
        var rss = Samples()
        var pss = Samples()
        let warmup = 3
        for i in 0..<(runs + warmup) {
            let id = "bench-\(i)"
            let first = tasks("\(id).a")
            let start = ContinuousClock.now
            await agent.launchGroup(framework: framework, executor: executorInfo(id), tasks: first)
            var done: ContinuousClock.Instant?
            try await waitUntil("3 RUNNING (\(id))") { done = await master.runningAt(first.map(\.taskID.value)); return done != nil }
            let second = tasks("\(id).b")
            let start2 = ContinuousClock.now
            await agent.launchGroup(framework: framework, executor: executorInfo(id), tasks: second)
            var done2: ContinuousClock.Instant?
            try await waitUntil("3 more RUNNING (\(id))") { done2 = await master.runningAt(second.map(\.taskID.value)); return done2 != nil }
            if i >= warmup, let done, let done2 {
                cold.add(Clock.ms(done - start))
                warm.add(Clock.ms(done2 - start2))
            }
            // Idle memory with the pod running: let it settle, then read the executor's RSS/PSS.
            if i >= warmup && i % 5 == 0, let pid = executorPID(sandboxPart: "/executors/\(id)/") {
                try await Task.sleep(for: .milliseconds(500))
                if let m = memory(of: pid) {
                    rss.add(Double(m.rss) / 1024)
                    pss.add(Double(m.pss) / 1024)
                }
            }
            for t in first + second { _ = await agent.killTask(frameworkID: framework.id.value, taskID: t.taskID.value, killPolicy: nil) }
            try await waitUntil("executor \(id) exit") { await master.hasExited(id) }
        }
        await agent.shutdownFramework(frameworkID: framework.id.value)
        await agent.stop()

        // crun: three `crun run -d` of `sleep` from one busybox bundle (each its own
        // namespaces and cgroup, as ours), then kill and delete.
        let bundle = base + "/bundle"
        try await makeBusyboxRootfs(bundle + "/rootfs")
        try await sh("cd \(bundle) && crun spec && sed -i 's/\"terminal\": true/\"terminal\": false/; s/\"sh\"/\"sleep\", \"1000\"/' config.json")
        let script = """
            cd \(bundle)
            for i in $(seq 1 \(runs + warmup)); do
              s=$(date +%s%N)
              for c in 1 2 3; do crun run -d b$i-$c >/dev/null 2>&1 </dev/null || { echo "crun run failed" >&2; exit 1; }; done
              e=$(date +%s%N)
              [ $i -gt \(warmup) ] && echo $(( (e - s) / 1000 ))
              for c in 1 2 3; do crun kill b$i-$c KILL; done
              for c in 1 2 3; do while ! crun delete b$i-$c 2>/dev/null; do crun kill b$i-$c KILL 2>/dev/null; done; done
            done
            """
        let crun = samples(from: try await crunScript(script))

        print("\n### Pod launch: LAUNCH_GROUP → 3 × TASK_RUNNING (\(runs) runs)\n")
        var report = Report(["what", "median ms", "p99 ms", "min ms", "max ms"])
        report.printHeader()
        report.row("pod-executor, new executor (spawn, SUBSCRIBE, LAUNCH_GROUP, 3 containers)", fmt(cold.median), fmt(cold.p99), fmt(cold.min), fmt(cold.max))
        report.row("pod-executor, LAUNCH_GROUP to a subscribed executor", fmt(warm.median), fmt(warm.p99), fmt(warm.min), fmt(warm.max))
        report.row("crun: 3 × `crun run -d` (busybox bundle, same host)", fmt(crun.median), fmt(crun.p99), fmt(crun.min), fmt(crun.max))
        print("\n### pod-executor memory, idle with a running 3-container pod (\(rss.count) samples)\n")
        var mem = Report(["measure", "median MiB", "max MiB"])
        mem.printHeader()
        mem.row("RSS", fmt(rss.median), fmt(rss.max))
        mem.row("PSS (shared pages divided among sharers)", fmt(pss.median), fmt(pss.max))
    }

    /// The pod-executor whose working directory (its sandbox) contains `sandboxPart`.
    static func executorPID(sandboxPart: String) -> Int32? {
        ProcessTable.pids().first { pid in
            guard ProcessTable.executable(pid)?.hasSuffix("/pod-executor") == true,
                  let cwd = ProcessTable.workingDirectory(pid), cwd.contains(sandboxPart),
                  let parent = ProcessTable.parent(pid) else { return false }
            return ProcessTable.executable(parent)?.hasSuffix("/pod-executor") != true
        }
    }
}
