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
