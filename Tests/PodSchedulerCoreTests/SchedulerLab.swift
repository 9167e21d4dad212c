import Foundation
import Logging
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// A real `Scheduler` over a SQLite store in a temporary directory, with no master: its calls
/// to the master go nowhere (it has no driver), and the tests hand it the events a master would
/// send (offers, status updates). No root, no network.
final class SchedulerLab: Sendable {
    let directory: URL
    var databasePath: String { directory.appendingPathComponent("state.db").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("scheduler-lab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A scheduler over the lab's store, with what an earlier one stored loaded; with
    /// `subscribe`, subscribed as framework `F-lab` (it launches only with a framework id).
    func scheduler(subscribe: Bool = true) async throws -> (Scheduler, SQLiteSchedulerStore) {
        var command = Mesos_V1_CommandInfo()
        command.value = "/opt/pods/pod-executor"
        var logger = Logger(label: "scheduler-lab")
        logger.logLevel = .critical
        let store = try SQLiteSchedulerStore(path: databasePath)
        let scheduler = try await Scheduler(configuration: .init(executorCommand: command), store: store, logger: logger)
        if subscribe { await scheduler.subscribed(frameworkID: "F-lab", reconnect: false) }
        return (scheduler, store)
    }

    /// A pod of one container `c`; `extra` is spliced into the pod's JSON object.
    static func pod(_ id: String = "/web", instances: Int, command: String = "sleep 1000", minimumHealthCapacity: Double = 1,
                    maximumOverCapacity: Double = 1, backoff: (Double, Double, Double) = (1, 1.15, 300)) throws -> PodDefinition {
        try PodDefinition.parse(Data("""
            {"id": "\(id)", "scaling": {"kind": "fixed", "instances": \(instances)},
             "containers": [{"name": "c", "exec": {"command": {"shell": "\(command)"}}, "resources": {"cpus": 0.1, "mem": 32}}],
             "networks": [{"mode": "host"}],
             "scheduling": {"upgrade": {"minimumHealthCapacity": \(minimumHealthCapacity), "maximumOverCapacity": \(maximumOverCapacity)},
                            "backoff": {"backoff": \(backoff.0), "backoffFactor": \(backoff.1), "maxLaunchDelay": \(backoff.2)}}}
            """.utf8))
    }

    /// An offer big enough for every test pod.
    static func offer(_ agent: String = "S1") -> Mesos_V1_Offer {
        OfferMatcherTests.offer(agent, host: "\(agent.lowercased()).example", cpus: 64, mem: 65536, disk: 100_000, ports: [31000...31999])
    }

    /// A status update as the agent sends it (with a uuid, so that it is acknowledged).
    static func status(_ taskID: String, _ state: Mesos_V1_TaskState, agent: String = "S1") -> Mesos_V1_TaskStatus {
        var status = Mesos_V1_TaskStatus()
        status.taskID = Mesos_V1_TaskID(taskID)
        status.state = state
        status.agentID = Mesos_V1_AgentID(agent)
        status.uuid = Data(UUID().uuidString.utf8)
        return status
    }
}

/// What the tests read of, and send to, the scheduler (inside the actor).
extension Scheduler {
    func instanceRecords(_ id: PodId) -> [InstanceRecord] {
        instances.values.filter { $0.podID == id }.sorted { $0.createdAt < $1.createdAt }
    }

    func deploymentRecords() -> [DeploymentRecord] {
        deployments.values.sorted { $0.startedAt < $1.startedAt }
    }

    func delay(_ pod: PodDefinition) -> (failures: Int, until: Date)? { delays[Self.delayKey(pod)] }

    func delayed(_ pod: PodDefinition) -> Bool { isDelayed(pod) }

    /// Offers until no instance waits (each offer places what fits).
    func offerUntilPlaced() async {
        for round in 0..<5 where hasWaitingInstances {
            await handleOffers([SchedulerLab.offer("S\(round + 1)")])
        }
    }

    /// Every live task of the pod that is not running yet reports TASK_RUNNING.
    func reportRunning(_ id: PodId) async {
        for record in instanceRecords(id) {
            for task in record.tasks where task.state == "TASK_STAGING" || task.state == "TASK_STARTING" {
                await handleUpdate(SchedulerLab.status(task.taskID, .taskRunning, agent: record.agentID ?? "S1"))
            }
        }
    }

    /// Every task that was asked to die (kill sent) reports TASK_KILLED.
    func reportKilled(_ id: PodId) async {
        for record in instanceRecords(id) where record.goal != .running {
            for task in record.tasks where !InstanceCondition(taskState: task.state).isTerminal {
                await handleUpdate(SchedulerLab.status(task.taskID, .taskKilled, agent: record.agentID ?? "S1"))
            }
        }
    }

    /// Offers, then running reports, until the pod's deployments are over (at most `rounds`).
    func converge(_ id: PodId, rounds: Int = 10) async {
        for _ in 0..<rounds where deployments.values.contains(where: { $0.podID == id }) {
            await reportKilled(id)
            await offerUntilPlaced()
            await reportRunning(id)
        }
    }

    func runningCount(_ id: PodId, version: PodVersion? = nil) -> Int {
        instances.values.filter { $0.podID == id && $0.goal == .running && $0.condition == .running
            && (version == nil || $0.specVersion == version) }.count
    }
}
