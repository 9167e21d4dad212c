import Foundation
import MesosProtocol
@testable import PodExecutorCore
import Testing

/// Restarts in place (`lifecycle.restart`) in the executor's state machine, without
/// processes or clocks.
struct RestartStateMachineTests {
    typealias SM = ExecutorStateMachine
    typealias Key = PodRestartContract.StatusLabel

    final class Box: @unchecked Sendable {
        // Safe: only used from one test at a time, synchronously.
        var uuid: UInt8 = 0
        var now: Double = 1000
    }

    func machine(_ box: Box) -> SM {
        var config = SM.Configuration(executorID: Mesos_V1_ExecutorID("e"), frameworkID: Mesos_V1_FrameworkID("f"),
                                      checkpoint: true, recoveryTimeout: .seconds(900), shutdownGracePeriod: .seconds(5))
        config.defaultKillGrace = .seconds(3)
        var sm = SM(configuration: config, makeUUID: {
            box.uuid &+= 1
            var b = [UInt8](repeating: 0, count: 16)
            b[0] = box.uuid
            b[1] = UInt8(truncatingIfNeeded: Int(box.now))
            b[6] = 0x40
            return b
        }, now: { box.now })
        var sub = Mesos_V1_Executor_Event.Subscribed()
        var cap = Mesos_V1_FrameworkInfo.Capability()
        cap.type = .taskKillingState
        sub.frameworkInfo.capabilities = [cap]
        _ = sm.handle(.subscribed(sub))
        return sm
    }

    func task(_ id: String, restart: PodRestartContract.Restart? = nil) -> Mesos_V1_TaskInfo {
        var t = Mesos_V1_TaskInfo()
        t.name = id
        t.taskID = Mesos_V1_TaskID(id)
        t.command.value = "sleep 1"
        if let restart { t.labels = Mesos_V1_Labels([(PodRestartContract.policyLabel, restart.labelValue)]) }
        return t
    }

    func launch(_ sm: inout SM, _ tasks: [Mesos_V1_TaskInfo]) {
        _ = sm.handle(.launchGroup(tasks))
        var results: [String: SM.LaunchOutcome] = [:]
        for t in tasks { results[t.taskID.value] = .started(networkInfos: []) }
        _ = sm.handle(.groupLaunched(group: 1, results: results))
    }

    func updates(_ sm: SM, _ actions: [SM.Action]) -> [Mesos_V1_TaskStatus] {
        actions.compactMap { a in
            guard case .sendUpdate(let uuid) = a else { return nil }
            return sm.update(uuid: uuid)?.status
        }
    }

    func label(_ status: Mesos_V1_TaskStatus?, _ key: String) -> String? {
        status?.labels.labels.last { $0.key == key }?.value
    }

    static let onFailure = PodRestartContract.Restart(policy: .onFailure, maxRestarts: 2, windowSeconds: 60, backoffSeconds: 1,
                                                      maxBackoffSeconds: 30)
    static let failed = SM.ContainerExit(cause: .exited(1))

    @Test("OnFailure: an exit 1 is a TASK_RUNNING with the restart labels and a backoff timer; the sibling is untouched")
    func restartInPlace() {
        let box = Box()
        var sm = machine(box)
        launch(&sm, [task("a", restart: Self.onFailure), task("b")])
        let exited = sm.handle(.containerExited(taskID: "a", exit: Self.failed))
        let sent = updates(sm, exited)
        #expect(sent.map(\.state) == [.taskRunning])
        #expect(label(sent.first, Key.restartCount) == "1")
        #expect(label(sent.first, Key.exitCode) == "1")
        #expect(label(sent.first, Key.oomKilled) == "false")
        #expect(label(sent.first, Key.finishedAt) == "1000.000")
        #expect(sent.first?.hasHealthy == false)
        #expect(exited.contains(.startTimer(.restart(taskID: "a"), after: .seconds(1))))
        #expect(!exited.contains { if case .signal = $0 { return true } else { return false } }, "siblings are not killed")
        #expect(sm.taskStates.map(\.state) == ["TASK_RUNNING", "TASK_RUNNING"])
        let fired = sm.handle(.timerFired(.restart(taskID: "a")))
        #expect(fired == [.startContainers(taskIDs: ["a"])])
        let restartedActions = sm.handle(.containersStarted(["a": .started(networkInfos: [])]))
        let restarted = updates(sm, restartedActions)
        #expect(restarted.map(\.state) == [.taskRunning])
        #expect(label(restarted.first, Key.restartCount) == "1")
        #expect(restarted.first?.message.contains("restarted in place") == true)
    }

    @Test("OnFailure: exit 0 finishes as today; Never (no label) fails the group as today")
    func noRestart() {
        let box = Box()
        var sm = machine(box)
        launch(&sm, [task("a", restart: Self.onFailure), task("b")])
        let finished = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .exited(0))))
        #expect(updates(sm, finished).map(\.state) == [.taskFinished])
        var plain = machine(box)
        launch(&plain, [task("a"), task("b")])
        let actions = plain.handle(.containerExited(taskID: "a", exit: Self.failed))
        #expect(updates(plain, actions).map(\.state) == [.taskFailed, .taskKilling])
    }

    @Test("backoff doubles per restart in the window, up to the maximum")
    func backoff() {
        let policy = PodRestartContract.Restart(policy: .always, maxRestarts: 10, backoffSeconds: 1, maxBackoffSeconds: 5)
        #expect((1...5).map { policy.backoff(attempt: $0) } == [1, 2, 4, 5, 5])
    }

    @Test("exhausted: the pod restarts in place once (siblings stopped, then all started again); the next exhaustion fails the group")
    func escalation() {
        let box = Box()
        var sm = machine(box)
        launch(&sm, [task("a", restart: Self.onFailure), task("b")])
        for _ in 1...2 {
            _ = sm.handle(.containerExited(taskID: "a", exit: Self.failed))
            _ = sm.handle(.timerFired(.restart(taskID: "a")))
            _ = sm.handle(.containersStarted(["a": .started(networkInfos: [])]))
            box.now += 1
        }
        let exhausted = sm.handle(.containerExited(taskID: "a", exit: Self.failed))
        let sent = updates(sm, exhausted)
        #expect(sent.map(\.state) == [.taskRunning])
        #expect(label(sent.first, Key.scope) == "pod")
        #expect(exhausted.contains(.signal(taskID: "b", signal: .terminate)))
        #expect(!exhausted.contains { if case .startContainers = $0 { return true } else { return false } })
        let stopped = sm.handle(.containerExited(taskID: "b", exit: .init(cause: .signaled(15, description: "Terminated"))))
        #expect(stopped.contains(.startContainers(taskIDs: ["a", "b"])))
        #expect(updates(sm, stopped).isEmpty, "a sibling stopped for the pod restart is not terminal")
        let upActions = sm.handle(.containersStarted(["a": .started(networkInfos: []), "b": .started(networkInfos: [])]))
        let up = updates(sm, upActions)
        #expect(up.map { "\($0.taskID.value)=\(self.label($0, Key.restartCount) ?? "-")" } == ["a=3", "b=1"])
        #expect(label(up.last, Key.signal) == "15")
        // A fresh window after the pod restart; exhausting it again fails the task, then the group.
        for _ in 1...2 {
            _ = sm.handle(.containerExited(taskID: "a", exit: Self.failed))
            _ = sm.handle(.timerFired(.restart(taskID: "a")))
            _ = sm.handle(.containersStarted(["a": .started(networkInfos: [])]))
        }
        let finalActions = sm.handle(.containerExited(taskID: "a", exit: Self.failed))
        let final = updates(sm, finalActions)
        #expect(final.map(\.state) == [.taskFailed, .taskKilling])
        #expect(final.first?.message.contains("exhausted 2 restarts") == true)
    }

    @Test("a restart counts only restarts within the window")
    func window() {
        let box = Box()
        var sm = machine(box)
        launch(&sm, [task("a", restart: Self.onFailure)])
        for _ in 1...5 {
            let exited = sm.handle(.containerExited(taskID: "a", exit: Self.failed))
            let sent = updates(sm, exited)
            #expect(sent.map(\.state) == [.taskRunning])
            _ = sm.handle(.timerFired(.restart(taskID: "a")))
            _ = sm.handle(.containersStarted(["a": .started(networkInfos: [])]))
            box.now += 61
        }
    }

    @Test("KILL while waiting for the backoff: TASK_KILLED at once, no restart")
    func killWhileRestarting() {
        let box = Box()
        var sm = machine(box)
        launch(&sm, [task("a", restart: Self.onFailure)])
        _ = sm.handle(.containerExited(taskID: "a", exit: Self.failed))
        let killed = sm.handle(.kill(Mesos_V1_TaskID("a"), nil))
        #expect(updates(sm, killed).map(\.state) == [.taskKilled])
        #expect(killed.contains(.cancelTimer(.restart(taskID: "a"))))
        #expect(sm.handle(.timerFired(.restart(taskID: "a"))).allSatisfy { if case .startContainers = $0 { return false } else { return true } })
    }

    @Test("an unreadable restart label is an invalid task group")
    func badLabel() {
        let box = Box()
        var sm = machine(box)
        var t = task("a")
        t.labels = Mesos_V1_Labels([(PodRestartContract.policyLabel, "{nope")])
        let actions = sm.handle(.launchGroup([t]))
        #expect(updates(sm, actions).map(\.state) == [.taskError])
    }
}
