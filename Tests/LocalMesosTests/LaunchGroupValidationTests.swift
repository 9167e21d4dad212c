@testable import LocalMesos
import MesosProtocol
import Testing

/// The embedded master's LAUNCH_GROUP validation, as data: Mesos' messages, the first
/// problem only, no agent and no root.
@Suite("LocalMaster: LAUNCH_GROUP validation")
struct LaunchGroupValidationTests {
    static func group(tasks: [String] = ["t1", "t2"]) -> Mesos_V1_Offer.Operation.LaunchGroup {
        var group = Mesos_V1_Offer.Operation.LaunchGroup()
        group.executor.type = .custom
        group.executor.command.value = "/usr/bin/pod-executor"
        group.executor.frameworkID = Mesos_V1_FrameworkID("F1")
        group.executor.executorID = Mesos_V1_ExecutorID("instance-web.1")
        group.executor.resources = [.scalar("cpus", 0.1), .scalar("mem", 32), .scalar("disk", 10)]
        group.taskGroup.tasks = tasks.map { id in
            var task = Mesos_V1_TaskInfo()
            task.taskID = Mesos_V1_TaskID(id)
            task.name = id
            task.agentID = Mesos_V1_AgentID("S1")
            task.resources = [.scalar("cpus", 0.5), .scalar("mem", 64)]
            return task
        }
        return group
    }

    static func problem(_ group: Mesos_V1_Offer.Operation.LaunchGroup, known: Set<String> = []) -> String? {
        LocalMaster.launchGroupProblem(group, frameworkID: "F1", knownTaskIDs: known)
    }

    @Test("a well-formed group passes")
    func valid() {
        #expect(Self.problem(Self.group()) == nil)
    }

    @Test("the executor: its type, a CUSTOM one's command, its framework, its id and its minimum resources")
    func executor() {
        var untyped = Self.group()
        untyped.executor.clearType()
        #expect(Self.problem(untyped) == "'ExecutorInfo.type' must be set")
        var noCommand = Self.group()
        noCommand.executor.clearCommand()
        #expect(Self.problem(noCommand) == "'ExecutorInfo.command' must be set for 'CUSTOM' executor")
        var otherFramework = Self.group()
        otherFramework.executor.frameworkID = Mesos_V1_FrameworkID("F2")
        #expect(Self.problem(otherFramework) == "ExecutorInfo has an invalid FrameworkID (Actual: F2 vs Expected: F1)")
        var slash = Self.group()
        slash.executor.executorID = Mesos_V1_ExecutorID("a/b")
        #expect(Self.problem(slash) == "Executor ID 'a/b' contains invalid characters")
        var small = Self.group()
        small.executor.resources = [.scalar("cpus", 0.1), .scalar("mem", 16), .scalar("disk", 10)]
        #expect(Self.problem(small) == "Executor 'instance-web.1' uses less memory (16.0) than the minimum required (32MB)")
    }

    @Test("the tasks: not empty, ids unique in the group and among the framework's known tasks, each with resources")
    func tasks() {
        #expect(Self.problem(Self.group(tasks: [])) == "Task group must not be empty")
        #expect(Self.problem(Self.group(tasks: ["t1", "t1"])) == "Task 't1' already exists")
        #expect(Self.problem(Self.group(), known: ["t2"]) == "Task 't2' already exists")
        #expect(Self.problem(Self.group(tasks: [".."])) == "'..' is disallowed")
        var bare = Self.group()
        bare.taskGroup.tasks[1].resources = []
        #expect(Self.problem(bare) == "Task 't2' uses no resources")
        var negative = Self.group()
        negative.taskGroup.tasks[0].killPolicy.gracePeriod.nanoseconds = -1
        #expect(Self.problem(negative) == "Task's 'kill_policy.grace_period' must be non-negative")
        var untypedCheck = Self.group()
        untypedCheck.taskGroup.tasks[0].healthCheck.delaySeconds = 1
        #expect(Self.problem(untypedCheck) == "HealthCheck must specify 'type'")
    }

    @Test("ids: empty, too long, control characters")
    func ids() {
        #expect(LocalMaster.idProblem("", what: "Task") == "Task ID must not be empty")
        #expect(LocalMaster.idProblem(String(repeating: "x", count: 256), what: "Task") == "Task ID is too long (256 > 255 characters)")
        #expect(LocalMaster.idProblem("a\u{7}b", what: "Executor") == "Executor ID contains control characters")
        #expect(LocalMaster.idProblem("web.instance-1", what: "Task") == nil)
    }
}
