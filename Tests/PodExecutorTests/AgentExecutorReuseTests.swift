import Foundation
import LocalMesos
import MesosProtocol
import PodTestFixtures
import Testing

/// What the embedded agent does with a task group for an executor id it already has, as
/// Mesos 1.12's `Slave::run`/`Slave::__run` do: a running executor gets it, one that is
/// terminating or terminated does not (its tasks are dropped), and so does a group the
/// master and the agent disagree about (`launch_executor`).
@Suite(.serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts and cgroups"))
struct AgentExecutorReuseTests {
    static func dropped(_ status: Mesos_V1_TaskStatus?, _ message: String) -> Bool {
        status?.state == .taskDropped && status?.reason == .executorTerminated && status?.source == .agent && status?.message == message
    }

    @Test("an executor that is shutting down gets no new group: TASK_DROPPED 'Executor terminating'")
    func terminating() async throws {
        let cluster = try await TestCluster.start()
        let executor = cluster.executorInfo("e-term")
        await cluster.launch(executor, [shellTask("t1", "sleep 1000")])
        try await cluster.master.wait("t1 RUNNING") { u in u.contains { $0.taskID.value == "t1" && $0.state == .taskRunning } }
        await cluster.agent.shutdownExecutor(frameworkID: cluster.framework.id.value, executorID: "e-term")
        #expect(await cluster.agent.isLive(frameworkID: cluster.framework.id.value, executorID: "e-term"), "live until it has ended")
        await cluster.agent.launchGroup(framework: cluster.framework, executor: executor, tasks: [shellTask("t2", "sleep 1000")],
                                        launchExecutor: false)
        try await cluster.master.wait("t2 dropped") { u in u.contains { $0.taskID.value == "t2" } }
        let updates = await cluster.master.describe()
        #expect(Self.dropped(await cluster.master.last("t2"), "Executor terminating"), "\(updates)")
        _ = try await cluster.master.waitForFailure()
        #expect(await cluster.master.states("t2") == [.taskDropped], "the dropped group never ran")
        await cluster.stop()
    }

    @Test("a group delivered to a running executor fails with it: TASK_FAILED 'Executor terminated' for every task")
    func failsWithExecutor() async throws {
        let cluster = try await TestCluster.start()
        let executor = cluster.executorInfo("e-dies")
        await cluster.launch(executor, [shellTask("t1", "sleep 1000")])
        try await cluster.master.wait("t1 RUNNING") { u in u.contains { $0.taskID.value == "t1" && $0.state == .taskRunning } }
        await cluster.agent.launchGroup(framework: cluster.framework, executor: executor, tasks: [shellTask("t2", "sleep 1000")],
                                        launchExecutor: false)
        try await cluster.master.wait("t2 RUNNING on the same executor") { u in
            u.contains { $0.taskID.value == "t2" && $0.state == .taskRunning }
        }
        let sandbox = await cluster.sandbox("e-dies")
        let pid = try #require(executorPID(sandbox: sandbox))
        kill(pid, SIGKILL)
        try await cluster.master.wait("both failed") { u in
            ["t1", "t2"].allSatisfy { id in u.contains { $0.taskID.value == id && $0.state == .taskFailed } }
        }
        for id in ["t1", "t2"] {
            let last = await cluster.master.last(id)
            #expect(last?.reason == .executorTerminated && last?.message == "Executor terminated" && last?.source == .agent)
        }
        #expect(try await cluster.master.waitForFailure().executorID == "e-dies")
        #expect(await !cluster.agent.isLive(frameworkID: cluster.framework.id.value, executorID: "e-dies"))
        await cluster.stop()
    }

    @Test("launch_executor disagreements drop the group: none running, or one still known (its updates unacknowledged)")
    func launchExecutorFlag() async throws {
        let cluster = try await TestCluster.start()
        await cluster.agent.launchGroup(framework: cluster.framework, executor: cluster.executorInfo("e-none"),
                                        tasks: [shellTask("t0", "true")], launchExecutor: false)
        try await cluster.master.wait("t0 dropped") { u in u.contains { $0.taskID.value == "t0" } }
        #expect(Self.dropped(await cluster.master.last("t0"), "No executor is expected to launch and there is none running"))

        await cluster.master.setAutoAcknowledge(false)
        let executor = cluster.executorInfo("e-done")
        await cluster.launch(executor, [shellTask("t1", "true")])
        try await cluster.master.wait("t1 STARTING") { u in u.contains { $0.taskID.value == "t1" } }
        // The scheduler acknowledges nothing: the executor ends, the agent keeps it for its updates.
        _ = try await cluster.master.waitForFailure()
        #expect(await !cluster.agent.isLive(frameworkID: cluster.framework.id.value, executorID: "e-done"))
        await cluster.agent.launchGroup(framework: cluster.framework, executor: executor, tasks: [shellTask("t2", "sleep 1000")],
                                        launchExecutor: true)
        try await cluster.master.wait("t2 dropped") { u in u.contains { $0.taskID.value == "t2" } }
        #expect(Self.dropped(await cluster.master.last("t2"), "Master wants to launch executor, but one already exists"))
        await cluster.master.setAutoAcknowledge(true)
        await cluster.stop()
    }
}

/// The pod-executor process whose working directory is `sandbox` (not its containers'
/// monitors, which are forks of it).
private func executorPID(sandbox: String) -> pid_t? {
    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: sandbox)) ?? sandbox
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = pid_t(entry),
              (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))?.hasSuffix("/pod-executor") == true,
              let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"), cwd == target,
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
        else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let parent = pid_t(fields[1]),
              (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(parent)/exe"))?.hasSuffix("/pod-executor") != true
        else { continue }
        return pid
    }
    return nil
}
