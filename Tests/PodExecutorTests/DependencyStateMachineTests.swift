import Foundation
import MesosProtocol
@testable import PodExecutorCore
import Testing

/// Ordered start and stop (`dependsOn`) in the executor's state machine.
struct DependencyStateMachineTests {
    typealias SM = ExecutorStateMachine
    let base = RestartStateMachineTests()

    func task(_ id: String, _ deps: String? = nil, health: Bool = false) -> Mesos_V1_TaskInfo {
        var t = base.task(id)
        if let deps { t.labels = Mesos_V1_Labels([(PodRestartContract.dependsOnLabel, deps)]) }
        if health {
            t.healthCheck.type = .command
            t.healthCheck.command.value = "true"
        }
        return t
    }

    func states(_ sm: SM, _ actions: [SM.Action]) -> [String] {
        base.updates(sm, actions).map { "\($0.taskID.value)=\($0.state.name)" }
    }

    func started(_ actions: [SM.Action]) -> [String] {
        actions.flatMap { a -> [String] in
            switch a {
            case .launchGroup(_, let tasks): tasks.map(\.taskID.value)
            case .startContainers(let ids): ids
            default: []
            }
        }
    }

    /// db (HEALTHY) → migrate (COMPLETED) → app (STARTED) → shipper.
    func chain() -> [Mesos_V1_TaskInfo] {
        [task("db", health: true), task("migrate", "db:HEALTHY"), task("app", "migrate:COMPLETED"), task("shipper", "app:STARTED")]
    }

    @Test("start order: only free tasks launch; each waits (TASK_STARTING) until its condition holds")
    func startOrder() {
        var sm = base.machine(.init())
        let launched = sm.handle(.launchGroup(chain()))
        #expect(states(sm, launched) == ["db=TASK_STARTING", "migrate=TASK_STARTING", "app=TASK_STARTING", "shipper=TASK_STARTING"])
        #expect(started(launched) == ["db"])
        let dbUp = sm.handle(.groupLaunched(group: 1, results: ["db": .started(networkInfos: [])]))
        #expect(started(dbUp).isEmpty, "migrate waits for db to be healthy, not just started")
        #expect(sm.taskStates.map(\.state) == ["TASK_RUNNING", "TASK_STARTING", "TASK_STARTING", "TASK_STARTING"])
        #expect(started(sm.handle(.healthResult(taskID: "db", healthy: true, kill: false, message: nil))) == ["migrate"])
        let migrateUp = sm.handle(.containersStarted(["migrate": .started(networkInfos: [])]))
        #expect(states(sm, migrateUp) == ["migrate=TASK_RUNNING"])
        #expect(started(migrateUp).isEmpty)
        let migrated = sm.handle(.containerExited(taskID: "migrate", exit: .init(cause: .exited(0))))
        #expect(states(sm, migrated) == ["migrate=TASK_FINISHED"], "an init step's exit does not end the pod")
        #expect(started(migrated) == ["app"])
        #expect(started(sm.handle(.containersStarted(["app": .started(networkInfos: [])]))) == ["shipper"])
    }

    @Test("READY: a dependent starts once its dependency's readiness check says ready, by the HTTP statuses of its label")
    func readyCondition() {
        var sm = base.machine(.init())
        var web = task("web")
        web.check.type = .http
        web.check.http.port = 8080
        web.labels = Mesos_V1_Labels([(PodReadinessContract.statusCodesLabel, "204")])
        _ = sm.handle(.launchGroup([web, task("client", "web:READY")]))
        let up = sm.handle(.groupLaunched(group: 1, results: ["web": .started(networkInfos: [])]))
        #expect(started(up).isEmpty, "started is not ready")
        var result = Mesos_V1_CheckStatusInfo()
        result.type = .http
        result.http.statusCode = 200
        #expect(started(sm.handle(.checkResult(taskID: "web", status: result))).isEmpty, "200 is not among its ready statuses")
        result.http.statusCode = 204
        #expect(started(sm.handle(.checkResult(taskID: "web", status: result))) == ["client"])
    }

    @Test("a dependency that fails: the waiting dependent fails, the group policy ends the rest")
    func failingDependency() {
        var sm = base.machine(.init())
        _ = sm.handle(.launchGroup(chain()))
        _ = sm.handle(.groupLaunched(group: 1, results: ["db": .started(networkInfos: [])]))
        _ = sm.handle(.healthResult(taskID: "db", healthy: true, kill: false, message: nil))
        _ = sm.handle(.containersStarted(["migrate": .started(networkInfos: [])]))
        let failed = sm.handle(.containerExited(taskID: "migrate", exit: .init(cause: .exited(2))))
        let sent = states(sm, failed)
        #expect(sent.first == "migrate=TASK_FAILED")
        #expect(sent.contains("app=TASK_KILLED") && sent.contains("shipper=TASK_KILLED"), "\(sent)")
        #expect(started(failed).isEmpty)
    }

    @Test("stop in reverse order: a KILL stops dependents first, a dependency once they are gone")
    func reverseStop() {
        var sm = base.machine(.init())
        _ = sm.handle(.launchGroup([task("shipper"), task("app", "shipper:STARTED")]))
        _ = sm.handle(.groupLaunched(group: 1, results: ["shipper": .started(networkInfos: [])]))
        _ = sm.handle(.containersStarted(["app": .started(networkInfos: [])]))
        let killed = sm.handle(.kill(Mesos_V1_TaskID("shipper"), nil))
        #expect(killed.contains(.signal(taskID: "app", signal: .terminate)))
        #expect(!killed.contains(.signal(taskID: "shipper", signal: .terminate)), "the shipper outlives the app")
        let appGone = sm.handle(.containerExited(taskID: "app", exit: .init(cause: .signaled(15, description: "Terminated"))))
        #expect(appGone.contains(.signal(taskID: "shipper", signal: .terminate)))
        #expect(states(sm, appGone) == ["app=TASK_KILLED"])
    }

    @Test("SHUTDOWN: dependents first; a waiting container is killed at once")
    func shutdownOrder() {
        var sm = base.machine(.init())
        _ = sm.handle(.launchGroup([task("db", health: true), task("app", "db:HEALTHY")]))
        _ = sm.handle(.groupLaunched(group: 1, results: ["db": .started(networkInfos: [])]))
        let down = sm.handle(.shutdown)
        #expect(states(sm, down).contains("app=TASK_KILLED"))
        #expect(down.contains(.signal(taskID: "db", signal: .terminate)), "nothing depends on db any more")
    }

    @Test("a group whose dependsOn names an unknown task or forms a cycle is invalid")
    func invalidDependencies() {
        var sm = base.machine(.init())
        let unknown = sm.handle(.launchGroup([task("a", "nope:STARTED")]))
        #expect(states(sm, unknown) == ["a=TASK_ERROR"])
        var cyclic = base.machine(.init())
        let actions = cyclic.handle(.launchGroup([task("x", "y:STARTED"), task("y", "x:STARTED")]))
        #expect(states(cyclic, actions) == ["x=TASK_ERROR", "y=TASK_ERROR"])
    }
}
