import Foundation
@testable import PodSchedulerCore
import PodSpec
import Testing

/// The deployment plan as data (`DeploymentPlan`): the steps of each change, the bounds of a
/// rolling restart, and each round's choice of instances. No scheduler, no root.
@Suite("deployment plan: steps, capacity and each round's choice")
struct DeploymentPlanTests {
    static let v1 = PodVersion(epochMilliseconds: 1_000)
    static let v2 = PodVersion(epochMilliseconds: 2_000)

    /// An instance of `/web` at `version`, running (`.running`), launched but not reported
    /// (`.staging`) or waiting (`.scheduled`), created `age` seconds after the epoch.
    static func instance(_ n: Int, _ version: PodVersion, _ condition: InstanceCondition, goal: InstanceGoal = .running,
                         age: Double? = nil) -> InstanceRecord {
        let created = Date(timeIntervalSince1970: age ?? Double(n))
        let state: String? = switch condition {
        case .running: "TASK_RUNNING"
        case .staging: "TASK_STAGING"
        case .starting: "TASK_STARTING"
        case .killed: "TASK_KILLED"
        default: nil
        }
        let tasks = state.map { [InstanceRecord.Task(taskID: "web.instance-\(n).c", containerName: "c", state: $0, healthy: nil,
                                                     stagedAt: created, startedAt: nil, addresses: [], message: nil,
                                                     lastUUID: nil)] } ?? []
        return InstanceRecord(instanceID: "web.instance-\(n)", podID: PodId(canonicalizing: "/web"), specVersion: version, goal: goal,
                              baseCondition: .scheduled, since: created, activeSince: nil, createdAt: created, incarnation: 1,
                              agentID: "S1", agentHostname: "s1", role: "*", tasks: tasks, hostPorts: [], launchedAt: nil,
                              relaunchWithoutDelay: false, queuedSince: nil)
    }

    static func pod(instances: Int, minimumHealthCapacity: Double, maximumOverCapacity: Double,
                    killSelection: PodSchedulingPolicy.KillSelection = .youngestFirst) throws -> PodDefinition {
        var pod = try SchedulerLab.pod(instances: instances, minimumHealthCapacity: minimumHealthCapacity,
                                       maximumOverCapacity: maximumOverCapacity)
        pod.version = v2
        pod.scheduling.killSelection = killSelection
        return pod
    }

    @Test("steps: create starts and scales, scale scales, restart restarts, delete stops, rollback restores")
    func steps() {
        #expect(DeploymentPlan.steps(for: .create) == [.startPod, .scalePod])
        #expect(DeploymentPlan.steps(for: .update(.scale(from: 1, to: 3))) == [.scalePod])
        #expect(DeploymentPlan.steps(for: .update(.restart)) == [.restartPod])
        #expect(DeploymentPlan.steps(for: .update(.noChange)) == [])
        #expect(DeploymentPlan.steps(for: .delete) == [.stopPod])
        #expect(DeploymentPlan.steps(for: .rollback(restoredInstances: 2, currentInstances: 2)) == [.restartPod])
        #expect(DeploymentPlan.steps(for: .rollback(restoredInstances: 2, currentInstances: 5)) == [.restartPod, .scalePod])
    }

    @Test("capacity: minimumHealthCapacity rounds up, maximumOverCapacity rounds down")
    func capacity() throws {
        let half = DeploymentPlan.Capacity(try Self.pod(instances: 3, minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5))
        #expect(half.minimumHealthy == 2, "1.5 rounds up")
        #expect(half.maximumCapacity == 4, "4.5 rounds down")
        let strict = DeploymentPlan.Capacity(try Self.pod(instances: 3, minimumHealthCapacity: 1, maximumOverCapacity: 0))
        #expect(strict.minimumHealthy == 3 && strict.maximumCapacity == 3)
    }

    @Test("restart at full health and no over-capacity: nothing stops, one extra instance starts")
    func fullHealthRestart() throws {
        let pod = try Self.pod(instances: 3, minimumHealthCapacity: 1, maximumOverCapacity: 0)
        let all = (1...3).map { Self.instance($0, Self.v1, .running) }
        #expect(DeploymentPlan.unreadyOld(pod, all).isEmpty)
        #expect(DeploymentPlan.healthyOldToStop(pod, all).isEmpty)
        #expect(DeploymentPlan.launches(pod, all, newCount: 0) == 1)
        // With that one new instance running, the oldest old one can go, and no other starts.
        let withNew = all + [Self.instance(4, Self.v2, .running)]
        #expect(DeploymentPlan.healthyOldToStop(pod, withNew).map(\.instanceID) == ["web.instance-1"])
        #expect(DeploymentPlan.launches(pod, withNew, newCount: 1) == 0)
        #expect(!DeploymentPlan.restartDone(pod, withNew))
    }

    @Test("restart at half health: the oldest half stops first, and new ones start only as room frees")
    func halfHealthRestart() throws {
        let pod = try Self.pod(instances: 4, minimumHealthCapacity: 0.5, maximumOverCapacity: 0)
        let all = [Self.instance(1, Self.v1, .running, age: 30), Self.instance(2, Self.v1, .running, age: 10),
                   Self.instance(3, Self.v1, .running, age: 20), Self.instance(4, Self.v1, .running, age: 40)]
        #expect(DeploymentPlan.healthyOldToStop(pod, all).map(\.instanceID) == ["web.instance-2", "web.instance-3"])
        // Stopping: goal changed, tasks still alive: they still take room.
        let stopping = all.map { r in
            var r = r
            if ["web.instance-2", "web.instance-3"].contains(r.instanceID) { r.goal = .stopped }
            return r
        }
        #expect(DeploymentPlan.launches(pod, stopping, newCount: 0) == 0)
        // Gone: their room goes to new instances.
        let gone = stopping.filter { $0.goal == .running }
        #expect(DeploymentPlan.launches(pod, gone, newCount: 0) == 2)
    }

    @Test("restart with over-capacity: all new instances start at once; unready old ones go first")
    func overCapacityRestart() throws {
        let pod = try Self.pod(instances: 2, minimumHealthCapacity: 1, maximumOverCapacity: 1)
        let all = [Self.instance(1, Self.v1, .running), Self.instance(2, Self.v1, .staging)]
        #expect(DeploymentPlan.unreadyOld(pod, all).map(\.instanceID) == ["web.instance-2"])
        #expect(DeploymentPlan.healthyOldToStop(pod, all).isEmpty, "one ready instance is below the minimum of 2")
        #expect(DeploymentPlan.launches(pod, all, newCount: 0) == 2)
    }

    @Test("restart is done when the new instances are ready and no old one is left, even stopping")
    func restartDone() throws {
        let pod = try Self.pod(instances: 2, minimumHealthCapacity: 1, maximumOverCapacity: 0)
        let new = [Self.instance(3, Self.v2, .running), Self.instance(4, Self.v2, .running)]
        #expect(DeploymentPlan.restartDone(pod, new))
        #expect(!DeploymentPlan.restartDone(pod, new + [Self.instance(1, Self.v1, .running, goal: .stopped)]))
        #expect(!DeploymentPlan.restartDone(pod, [new[0], Self.instance(4, Self.v2, .staging)]))
    }

    @Test("scale down: waiting before launched before running, then the kill selection")
    func victims() throws {
        let all = [Self.instance(1, Self.v2, .running, age: 1), Self.instance(2, Self.v2, .running, age: 3),
                   Self.instance(3, Self.v2, .staging, age: 2), Self.instance(4, Self.v2, .scheduled, age: 0)]
        let youngest = try Self.pod(instances: 1, minimumHealthCapacity: 1, maximumOverCapacity: 1)
        #expect(DeploymentPlan.victims(youngest, among: all, count: 3).map(\.instanceID)
                == ["web.instance-4", "web.instance-3", "web.instance-2"])
        let oldest = try Self.pod(instances: 1, minimumHealthCapacity: 1, maximumOverCapacity: 1, killSelection: .oldestFirst)
        #expect(DeploymentPlan.victims(oldest, among: all, count: 3).map(\.instanceID)
                == ["web.instance-4", "web.instance-3", "web.instance-1"])
        #expect(DeploymentPlan.instancesToCreate(oldest, active: 0) == 1)
        #expect(DeploymentPlan.instancesToCreate(oldest, active: 4) == 0)
    }

    @Test("scale is done when enough are ready and none is leaving")
    func scaleDone() throws {
        let pod = try Self.pod(instances: 2, minimumHealthCapacity: 1, maximumOverCapacity: 1)
        let two = [Self.instance(1, Self.v2, .running), Self.instance(2, Self.v2, .running)]
        #expect(DeploymentPlan.scaleDone(pod, instances: two))
        #expect(!DeploymentPlan.scaleDone(pod, instances: two + [Self.instance(3, Self.v2, .running, goal: .stopped)]))
        #expect(!DeploymentPlan.scaleDone(pod, instances: [two[0], Self.instance(2, Self.v2, .starting)]))
    }

    @Test("readiness: a running new instance whose container is not ready adds no capacity; once ready, one old instance goes")
    func readinessGatesTheRestart() throws {
        let pod = try Self.pod(instances: 3, minimumHealthCapacity: 1, maximumOverCapacity: 1)
        let old = (1...3).map { Self.instance($0, Self.v1, .running) }
        var new = (4...6).map { Self.instance($0, Self.v2, .running) }
        for index in new.indices { new[index].tasks[0].ready = false }
        #expect(DeploymentPlan.healthyOldToStop(pod, old + new).isEmpty, "running is not ready")
        #expect(DeploymentPlan.unreadyOld(pod, old + new).isEmpty, "old instances without readiness checks stay ready")
        new[0].tasks[0].ready = true
        #expect(DeploymentPlan.healthyOldToStop(pod, old + new).map(\.instanceID) == ["web.instance-1"])
        #expect(!DeploymentPlan.restartDone(pod, new))
        for index in new.indices { new[index].tasks[0].ready = true }
        #expect(DeploymentPlan.restartDone(pod, new))
        #expect(DeploymentPlan.scaleDone(pod, instances: new))
    }
}
