import Foundation
import MesosProtocol
@testable import PodExecutorCore
import Testing

/// Mesos checks in the executor's state machine, without processes (no root): when checking
/// starts and stops, and which updates a result makes.
struct CheckStateMachineTests {
    typealias SM = ExecutorStateMachine
    let base = StateMachineTests()

    func checkedTask(_ id: String) -> Mesos_V1_TaskInfo {
        var t = base.task(id)
        t.check.type = .command
        t.check.command.command.shell = true
        t.check.command.command.value = "true"
        return t
    }

    func result(_ code: Int32?) -> Mesos_V1_CheckStatusInfo {
        var status = SM.emptyCheckStatus(.command)
        if let code { status.command.exitCode = code }
        return status
    }

    func updates(_ sm: SM, _ actions: [SM.Action]) -> [Mesos_V1_TaskStatus] {
        actions.compactMap { a in
            guard case .sendUpdate(let uuid) = a else { return nil }
            return sm.update(uuid: uuid)?.status
        }
    }

    /// Handles `event`, then the updates it sent (read from the machine after it changed).
    func send(_ sm: inout SM, _ event: SM.Event) -> [Mesos_V1_TaskStatus] {
        let actions = sm.handle(event)
        return updates(sm, actions)
    }

    @Test("checking starts at TASK_RUNNING; each update carries check_status; a result is sent once per change; the kill stops it")
    func lifecycle() {
        var (sm, _) = base.machine()
        let launched = sm.handle(.launchGroup([checkedTask("c"), base.task("plain")]))
        let starting = updates(sm, launched)
        #expect(starting.first { $0.taskID.value == "c" }?.checkStatus == result(nil), "TASK_STARTING carries the empty result")
        #expect(starting.first { $0.taskID.value == "plain" }?.hasCheckStatus == false)
        let running = sm.handle(.groupLaunched(group: 1, results: ["c": .started(networkInfos: []), "plain": .started(networkInfos: [])]))
        #expect(running.contains { if case .startCheck(taskID: "c") = $0 { true } else { false } })
        #expect(!running.contains { if case .startCheck(taskID: "plain") = $0 { true } else { false } })

        let r1 = send(&sm, .checkResult(taskID: "c", status: result(nil)))
        #expect(r1.isEmpty, "no result yet: no change")
        let first = send(&sm, .checkResult(taskID: "c", status: result(1)))
        #expect(first.count == 1 && first.first?.reason == .taskCheckStatusUpdated && first.first?.state == .taskRunning, "\(first)")
        #expect(first.first?.checkStatus.command.exitCode == 1 && first.first?.hasHealthy == false)
        let r2 = send(&sm, .checkResult(taskID: "c", status: result(1)))
        #expect(r2.isEmpty, "the same result: no update")
        let r3 = send(&sm, .checkResult(taskID: "c", status: result(0)))
        #expect(r3.map(\.checkStatus.command.exitCode) == [0])

        let kill = sm.handle(.kill(Mesos_V1_TaskID("c"), nil))
        #expect(kill.contains { if case .stopCheck(taskID: "c") = $0 { true } else { false } })
        #expect(updates(sm, kill).first?.checkStatus.command.exitCode == 0, "TASK_KILLING carries the last result")
        let r4 = send(&sm, .checkResult(taskID: "c", status: result(1)))
        #expect(r4.isEmpty, "no check update once killing")
    }

    @Test("results are dropped while disconnected from the agent")
    func disconnected() {
        var (sm, _) = base.machine()
        _ = sm.handle(.launchGroup([checkedTask("c")]))
        _ = sm.handle(.groupLaunched(group: 1, results: ["c": .started(networkInfos: [])]))
        _ = sm.handle(.disconnected(reason: "test"))
        let r5 = send(&sm, .checkResult(taskID: "c", status: result(0)))
        #expect(r5.isEmpty)
    }
}
