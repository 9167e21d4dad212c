import PodTestFixtures
import Foundation
import MesosProtocol
@testable import PodExecutorCore
import Testing

/// The executor's protocol logic without processes, sockets or clocks.
struct StateMachineTests {
    typealias SM = ExecutorStateMachine

    final class Counter: @unchecked Sendable {
        // Safe: only used from one test at a time, synchronously.
        var n: UInt8 = 0
    }

    func machine(checkpoint: Bool = true, killingCapability: Bool = true) -> (SM, [SM.Action]) {
        let counter = Counter()
        var config = SM.Configuration(executorID: Mesos_V1_ExecutorID("e"), frameworkID: Mesos_V1_FrameworkID("f"),
                                      checkpoint: checkpoint, recoveryTimeout: .seconds(900), shutdownGracePeriod: .seconds(5))
        config.defaultKillGrace = .seconds(3)
        var sm = SM(configuration: config, makeUUID: {
            counter.n &+= 1
            var b = [UInt8](repeating: 0, count: 16)
            b[0] = counter.n
            b[6] = 0x40
            return b
        }, now: { 1000 })
        var sub = Mesos_V1_Executor_Event.Subscribed()
        sub.frameworkInfo.user = "root"
        sub.frameworkInfo.name = "t"
        if killingCapability {
            var cap = Mesos_V1_FrameworkInfo.Capability()
            cap.type = .taskKillingState
            sub.frameworkInfo.capabilities = [cap]
        }
        let actions = sm.handle(.subscribed(sub))
        return (sm, actions)
    }

    func task(_ id: String, healthCheck: Bool = false, killGrace: Duration? = nil) -> Mesos_V1_TaskInfo {
        var t = Mesos_V1_TaskInfo()
        t.name = id
        t.taskID = Mesos_V1_TaskID(id)
        t.agentID = Mesos_V1_AgentID("a")
        t.command.value = "sleep 1"
        if healthCheck {
            t.healthCheck.type = .tcp
            t.healthCheck.tcp.port = 80
        }
        if let killGrace { t.killPolicy.gracePeriod.nanoseconds = killGrace.components.seconds * 1_000_000_000 }
        return t
    }

    func sentStates(_ sm: SM, _ actions: [SM.Action]) -> [(String, Mesos_V1_TaskState)] {
        actions.compactMap { a in
            guard case .sendUpdate(let uuid) = a, let u = sm.update(uuid: uuid) else { return nil }
            return (u.status.taskID.value, u.status.state)
        }
    }

    func launchRunning(_ sm: inout SM, _ ids: [String], healthCheck: Bool = false) {
        _ = sm.handle(.launchGroup(ids.map { task($0, healthCheck: healthCheck) }))
        var results: [String: SM.LaunchOutcome] = [:]
        for id in ids { results[id] = .started(networkInfos: []) }
        _ = sm.handle(.groupLaunched(group: 1, results: results))
    }

    @Test("LAUNCH_GROUP: TASK_STARTING per task in order, then a launch action; RUNNING after all launched")
    func launchSequence() {
        var (sm, _) = machine()
        let a1 = sm.handle(.launchGroup([task("a"), task("b")]))
        #expect(sentStates(sm, a1).map(\.1) == [.taskStarting, .taskStarting])
        #expect(a1.contains { if case .launchGroup(1, let t) = $0 { return t.count == 2 } else { return false } })
        let a2 = sm.handle(.groupLaunched(group: 1, results: ["a": .started(networkInfos: []), "b": .started(networkInfos: [])]))
        #expect(sentStates(sm, a2).map { "\($0.0)=\($0.1.name)" } == ["a=TASK_RUNNING", "b=TASK_RUNNING"])
        // Every update carries source, executor id, uuid and timestamp.
        if case .sendUpdate(let uuid) = a2.first(where: { if case .sendUpdate = $0 { return true } else { return false } })!,
           let u = sm.update(uuid: uuid) {
            #expect(u.status.source == .executor)
            #expect(u.status.executorID.value == "e")
            #expect(u.status.uuid.count == 16)
            #expect(u.status.timestamp == 1000)
        }
    }

    @Test("group policy: FAILED kills the siblings with the default 3 s grace; FINISHED does not")
    func groupPolicy() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a", "b", "c"])
        let fin = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .exited(0))))
        #expect(sentStates(sm, fin).map(\.1) == [.taskFinished])
        #expect(!fin.contains { if case .signal = $0 { return true } else { return false } })
        let fail = sm.handle(.containerExited(taskID: "b", exit: .init(cause: .exited(2))))
        #expect(sentStates(sm, fail).map { "\($0.0)=\($0.1.name)" } == ["b=TASK_FAILED", "c=TASK_KILLING"])
        #expect(fail.contains(.signal(taskID: "c", signal: .terminate)))
        #expect(fail.contains(.startTimer(.escalation(taskID: "c"), after: .seconds(3))))
        let esc = sm.handle(.timerFired(.escalation(taskID: "c")))
        #expect(esc.contains(.signal(taskID: "c", signal: .kill)))
        let killed = sm.handle(.containerExited(taskID: "c", exit: .init(cause: .signaled(9, description: "Killed"))))
        let last = killed.compactMap { a -> Mesos_V1_TaskStatus? in
            if case .sendUpdate(let u) = a { return sm.update(uuid: u)?.status } else { return nil }
        }.first
        #expect(last?.state == .taskKilled)
        #expect(last?.message == "Command terminated with signal Killed")
    }

    @Test("a container that ends before its group finished launching: RUNNING first, then its end (as Mesos waits after launch)")
    func exitDuringLaunch() {
        var (sm, _) = machine()
        _ = sm.handle(.launchGroup([task("bad"), task("good")]))
        let early = sm.handle(.containerExited(taskID: "bad", exit: .init(cause: .exited(3))))
        #expect(sentStates(sm, early).isEmpty, "held until the group is launched")
        let launched = sm.handle(.groupLaunched(group: 1, results: ["bad": .started(networkInfos: []), "good": .started(networkInfos: [])]))
        #expect(sentStates(sm, launched).map { "\($0.0)=\($0.1.name)" }
                == ["bad=TASK_RUNNING", "good=TASK_RUNNING", "bad=TASK_FAILED", "good=TASK_KILLING"])
        #expect(launched.contains(.signal(taskID: "good", signal: .terminate)))
    }

    @Test("KILL uses the event's policy, else the task's, else 3 s; a second KILL is ignored")
    func killGrace() {
        var (sm, _) = machine()
        _ = sm.handle(.launchGroup([task("a", killGrace: .seconds(7)), task("b")]))
        _ = sm.handle(.groupLaunched(group: 1, results: ["a": .started(networkInfos: []), "b": .started(networkInfos: [])]))
        let k1 = sm.handle(.kill(Mesos_V1_TaskID("a"), nil))
        #expect(k1.contains(.startTimer(.escalation(taskID: "a"), after: .seconds(7))))
        #expect(sentStates(sm, k1).map(\.1) == [.taskKilling])
        var policy = Mesos_V1_KillPolicy()
        policy.gracePeriod.nanoseconds = 1_000_000_000
        let k2 = sm.handle(.kill(Mesos_V1_TaskID("a"), policy))
        #expect(k2.isEmpty == false && !k2.contains { if case .signal = $0 { return true } else { return false } })
        let k3 = sm.handle(.kill(Mesos_V1_TaskID("b"), policy))
        #expect(k3.contains(.startTimer(.escalation(taskID: "b"), after: .seconds(1))))
    }

    @Test("no TASK_KILLING without the TASK_KILLING_STATE capability")
    func killingCapability() {
        var (sm, _) = machine(killingCapability: false)
        launchRunning(&sm, ["a"])
        let k = sm.handle(.kill(Mesos_V1_TaskID("a"), nil))
        #expect(sentStates(sm, k).isEmpty)
        #expect(k.contains(.signal(taskID: "a", signal: .terminate)))
    }

    @Test("updates stay until ACKNOWLEDGED; re-SUBSCRIBE carries them and unacknowledged tasks")
    func acknowledgements() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a"])
        #expect(sm.unacknowledgedCount == 2)
        let sub = sm.subscribeCall()
        #expect(sub.unacknowledgedUpdates.map(\.status.state) == [.taskStarting, .taskRunning])
        #expect(sub.unacknowledgedTasks.map(\.taskID.value) == ["a"])
        let first = sub.unacknowledgedUpdates[0].status.uuid
        _ = sm.handle(.acknowledged(Mesos_V1_TaskID("a"), uuid: Array(first)))
        #expect(sm.unacknowledgedCount == 1)
        #expect(sm.subscribeCall().unacknowledgedTasks.isEmpty, "a task with an acknowledged update is not resent")
    }

    @Test("disconnected: updates are queued, not sent; recovery timer armed once; resent after re-subscription")
    func disconnection() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a"])
        let d = sm.handle(.disconnected(reason: "eof"))
        #expect(d.contains(.startTimer(.recovery, after: .seconds(900))))
        #expect(d.contains(.pauseHealthChecks))
        let d2 = sm.handle(.disconnected(reason: "again"))
        #expect(!d2.contains(.startTimer(.recovery, after: .seconds(900))))
        let exit = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .exited(0))))
        #expect(sentStates(sm, exit).isEmpty, "nothing is posted while disconnected")
        #expect(sm.subscribeCall().unacknowledgedUpdates.last?.status.state == .taskFinished)
        var sub = Mesos_V1_Executor_Event.Subscribed()
        sub.frameworkInfo.user = "root"
        sub.frameworkInfo.name = "t"
        let r = sm.handle(.subscribed(sub))
        #expect(r.contains(.cancelTimer(.recovery)))
        #expect(sentStates(sm, r).map(\.1) == [.taskStarting, .taskRunning, .taskFinished])
    }

    @Test("without checkpointing a disconnection kills the pod and exits")
    func noCheckpoint() {
        var (sm, _) = machine(checkpoint: false)
        launchRunning(&sm, ["a"])
        let d = sm.handle(.disconnected(reason: "eof"))
        #expect(d.contains(.signal(taskID: "a", signal: .kill)))
        let e = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .signaled(9, description: "Killed"))))
        #expect(e.contains { if case .exit(0, _) = $0 { return true } else { return false } })
    }

    @Test("recovery timeout: kill everything and exit")
    func recoveryTimeout() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a"])
        _ = sm.handle(.disconnected(reason: "eof"))
        let t = sm.handle(.timerFired(.recovery))
        #expect(t.contains(.signal(taskID: "a", signal: .kill)))
        #expect(t.contains { if case .exit(1, _) = $0 { return true } else { return false } })
    }

    @Test("exit by itself once every task is terminal and acknowledged")
    func exitWhenDone() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a"])
        let done = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .exited(0))))
        #expect(!done.contains { if case .exit = $0 { return true } else { return false } })
        #expect(done.contains(.startTimer(.exitFailSafe, after: .seconds(60))))
        var last: [SM.Action] = []
        for u in sm.subscribeCall().unacknowledgedUpdates {
            last = sm.handle(.acknowledged(Mesos_V1_TaskID("a"), uuid: Array(u.status.uuid)))
        }
        #expect(last.contains { if case .exit(0, _) = $0 { return true } else { return false } })
    }

    @Test("SHUTDOWN kills every task with the default grace and sends KILLING then KILLED")
    func shutdown() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a", "b"])
        let s = sm.handle(.shutdown)
        #expect(sentStates(sm, s).map(\.1) == [.taskKilling, .taskKilling])
        #expect(s.contains(.startTimer(.shutdownGrace, after: .seconds(4))), "leaves a margin before the agent's 5 s")
        let k = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .signaled(15, description: "Terminated"))))
        #expect(sentStates(sm, k).map(\.1) == [.taskKilled])
        // No group kill during shutdown (b is already being killed).
        #expect(!k.contains(.signal(taskID: "b", signal: .terminate)))
        let g = sm.handle(.timerFired(.shutdownGrace))
        #expect(g.contains { if case .exit = $0 { return true } else { return false } })
    }

    @Test("health: each result is a TASK_RUNNING copy with reason and healthy; reaching the limit kills")
    func health() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a", "b"], healthCheck: true)
        let h1 = sm.handle(.healthResult(taskID: "a", healthy: true, kill: false, message: nil))
        let s1 = h1.compactMap { a -> Mesos_V1_TaskStatus? in if case .sendUpdate(let u) = a { return sm.update(uuid: u)?.status } else { return nil } }
        #expect(s1.count == 1)
        #expect(s1.first?.state == .taskRunning)
        #expect(s1.first?.reason == .taskHealthCheckStatusUpdated)
        #expect(s1.first?.healthy == true)
        let h2 = sm.handle(.healthResult(taskID: "a", healthy: false, kill: true, message: nil))
        #expect(sentStates(sm, h2).map(\.1) == [.taskRunning, .taskKilling])
        let k = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .signaled(15, description: "Terminated"))))
        let terminal = k.compactMap { a -> Mesos_V1_TaskStatus? in if case .sendUpdate(let u) = a { return sm.update(uuid: u)?.status } else { return nil } }
        #expect(terminal.first?.state == .taskKilled)
        #expect(terminal.first?.hasHealthy == true && terminal.first?.healthy == false)
        // The sibling is killed by the group policy.
        #expect(k.contains(.signal(taskID: "b", signal: .terminate)))
    }

    @Test("a task without a health check never carries healthy")
    func noHealthNoHealthy() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a"])
        let e = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .exited(1))))
        for case .sendUpdate(let u) in e { #expect(sm.update(uuid: u)?.status.hasHealthy == false) }
    }

    @Test("launch failure: TASK_FAILED with the message, siblings killed")
    func launchFailure() {
        var (sm, _) = machine()
        _ = sm.handle(.launchGroup([task("a"), task("b")]))
        let r = sm.handle(.groupLaunched(group: 1, results: ["a": .failed(message: "pull failed", reason: .containerLaunchFailed),
                                                            "b": .started(networkInfos: [])]))
        let states = sentStates(sm, r).map { "\($0.0)=\($0.1.name)" }
        #expect(states == ["a=TASK_FAILED", "b=TASK_RUNNING", "b=TASK_KILLING"])
    }

    @Test("invalid group: TASK_ERROR with REASON_TASK_GROUP_INVALID")
    func invalidGroup() {
        var (sm, _) = machine()
        var docker = task("d")
        docker.container.type = .docker
        let r = sm.handle(.launchGroup([docker]))
        #expect(sentStates(sm, r).map(\.1) == [.taskError])
    }

    @Test("OOM: TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY even when we were killing it")
    func oom() {
        var (sm, _) = machine()
        launchRunning(&sm, ["a"])
        let r = sm.handle(.containerExited(taskID: "a", exit: .init(cause: .signaled(9, description: "Killed"), memoryLimitExceeded: true)))
        let s = r.compactMap { a -> Mesos_V1_TaskStatus? in if case .sendUpdate(let u) = a { return sm.update(uuid: u)?.status } else { return nil } }
        #expect(s.first?.state == .taskFailed)
        #expect(s.first?.reason == .containerLimitationMemory)
    }

    @Test("KILL before the launch finished: no TASK_RUNNING, killed when it starts")
    func killDuringLaunch() {
        var (sm, _) = machine()
        _ = sm.handle(.launchGroup([task("a")]))
        let k = sm.handle(.kill(Mesos_V1_TaskID("a"), nil))
        #expect(sentStates(sm, k).map(\.1) == [.taskKilling])
        let l = sm.handle(.groupLaunched(group: 1, results: ["a": .started(networkInfos: [])]))
        #expect(sentStates(sm, l).isEmpty)
        #expect(l.contains(.signal(taskID: "a", signal: .terminate)))
    }
}

struct HealthPolicyTests {
    @Test("grace period: failures ignored until it ends or the first success; then counted")
    func grace() {
        var p = HealthCheckPolicy(gracePeriod: .seconds(10), consecutiveFailuresToKill: 3)
        #expect(p.record(success: false, elapsedSinceStart: .seconds(5)) == nil)
        #expect(p.record(success: false, elapsedSinceStart: .seconds(11)) == .init(healthy: false, kill: false))
        #expect(p.record(success: false, elapsedSinceStart: .seconds(12)) == .init(healthy: false, kill: false))
        #expect(p.record(success: true, elapsedSinceStart: .seconds(13)) == .init(healthy: true, kill: false))
        #expect(p.record(success: true, elapsedSinceStart: .seconds(14)) == nil, "healthy is only reported on recovery")
        #expect(p.record(success: false, elapsedSinceStart: .seconds(15)) == .init(healthy: false, kill: false))
        #expect(p.record(success: false, elapsedSinceStart: .seconds(16)) == .init(healthy: false, kill: false))
        #expect(p.record(success: false, elapsedSinceStart: .seconds(17)) == .init(healthy: false, kill: true))
    }

    @Test("the first success ends the grace period early")
    func successEndsGrace() {
        var p = HealthCheckPolicy(gracePeriod: .seconds(300), consecutiveFailuresToKill: 1)
        #expect(p.record(success: true, elapsedSinceStart: .seconds(1)) == .init(healthy: true, kill: false))
        #expect(p.record(success: false, elapsedSinceStart: .seconds(2)) == .init(healthy: false, kill: true))
    }

    @Test("zero grace: the first failure counts")
    func zeroGrace() {
        var p = HealthCheckPolicy(gracePeriod: .zero, consecutiveFailuresToKill: 2)
        #expect(p.record(success: false, elapsedSinceStart: .zero) == .init(healthy: false, kill: false))
    }
}

struct ImageStoreLocationTests {
    @Test("the image store sits beside the agent's slaves directory; elsewhere the packaged default")
    func defaultImageStore() {
        #expect(ExecutorMain.defaultImageStore(sandbox: "/var/lib/mesos/slaves/S1/frameworks/F/executors/E/runs/R")
                == "/var/lib/mesos/pod-images")
        #expect(ExecutorMain.defaultImageStore(sandbox: "/slaves/S1") == "/pod-images")
        #expect(ExecutorMain.defaultImageStore(sandbox: "/tmp/sandbox") == "/var/lib/mesos-pods/images")
        #expect(ExecutorMain.defaultImageStore(sandbox: "/tmp/x/slaves") == "/var/lib/mesos-pods/images")
        #expect(ExecutorMain.defaultImageStore(sandbox: "") == "/var/lib/mesos-pods/images")
    }
}
