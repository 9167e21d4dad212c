import Foundation
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// The deployments the `Scheduler` actor itself plans and carries out (start, scale up, scale
/// down, rolling restarts within minimumHealthCapacity / maximumOverCapacity), driven by the
/// events a master would send: offers and status updates. No master, no root.
@Suite("scheduler core: deployments")
struct SchedulerDeploymentTests {
    @Test("create: StartPod then ScalePod; the deployment ends when every instance runs")
    func create() async throws {
        let lab = try SchedulerLab()
        let (scheduler, _) = try await lab.scheduler()
        let pod = try SchedulerLab.pod(instances: 3)
        let change = try await scheduler.create(pod, force: false)
        let plan = try #require(await scheduler.deployments().first)
        #expect(plan.id == change.deploymentID)
        #expect(plan.steps.map { $0.map(\.action) } == [["StartPod"], ["ScalePod"]])
        #expect(plan.currentActions.map(\.action) == ["ScalePod"], "StartPod is done at once")
        #expect(await scheduler.instanceRecords(pod.id).count == 3)
        #expect(await scheduler.instanceRecords(pod.id).allSatisfy { $0.condition == .scheduled })

        await scheduler.offerUntilPlaced()
        #expect(await scheduler.instanceRecords(pod.id).allSatisfy { $0.isProvisioned && $0.agentID != nil })
        #expect(await scheduler.deployments().count == 1, "launched is not running")
        await scheduler.reportRunning(pod.id)
        #expect(await scheduler.runningCount(pod.id) == 3)
        #expect(await scheduler.deployments().isEmpty)
    }

    @Test("scale up then down: ScalePod adds instances, then stops the youngest and ends when they are gone")
    func scale() async throws {
        let lab = try SchedulerLab()
        let (scheduler, _) = try await lab.scheduler()
        let pod = try SchedulerLab.pod(instances: 2)
        _ = try await scheduler.create(pod, force: false)
        await scheduler.converge(pod.id)
        let first = await scheduler.instanceRecords(pod.id).map(\.instanceID)

        var bigger = pod
        bigger.instances = 4
        _ = try await scheduler.update(bigger, force: false)
        #expect(await scheduler.deploymentRecords().map(\.steps) == [[.scalePod]])
        #expect(await scheduler.instanceRecords(pod.id).count == 4)
        await scheduler.converge(pod.id)
        #expect(await scheduler.runningCount(pod.id) == 4)
        #expect(await scheduler.deployments().isEmpty)

        var smaller = pod
        smaller.instances = 1
        _ = try await scheduler.update(smaller, force: false)
        let records = await scheduler.instanceRecords(pod.id)
        #expect(records.filter { $0.goal == .running }.map(\.instanceID) == [first[0]], "youngest first: the oldest stays")
        #expect(records.filter { $0.goal == .stopped }.count == 3)
        #expect(await scheduler.deployments().count == 1, "not done while the stopped ones still run")
        await scheduler.reportKilled(pod.id)
        #expect(await scheduler.instanceRecords(pod.id).map(\.instanceID) == [first[0]])
        #expect(await scheduler.deployments().isEmpty)
    }

    @Test("restart at minimumHealthCapacity 0.5, maximumOverCapacity 0: half stops first, new ones take the room they free")
    func halfHealthRestart() async throws {
        let lab = try SchedulerLab()
        let (scheduler, _) = try await lab.scheduler()
        let pod = try SchedulerLab.pod(instances: 4, minimumHealthCapacity: 0.5, maximumOverCapacity: 0)
        _ = try await scheduler.create(pod, force: false)
        await scheduler.converge(pod.id)
        let old = await scheduler.instanceRecords(pod.id).map(\.instanceID)

        let change = try await scheduler.update(try SchedulerLab.pod(instances: 4, command: "sleep 2000", minimumHealthCapacity: 0.5,
                                                                     maximumOverCapacity: 0), force: false)
        #expect(await scheduler.deploymentRecords().map(\.steps) == [[.restartPod]])
        let records = await scheduler.instanceRecords(pod.id)
        #expect(Set(records.filter { $0.goal == .stopped }.map(\.instanceID)) == Set(old.prefix(2)), "the two oldest stop")
        #expect(records.filter { $0.specVersion == change.version }.isEmpty, "no room until they are gone")

        await scheduler.reportKilled(pod.id)
        let afterKills = await scheduler.instanceRecords(pod.id)
        #expect(afterKills.filter { $0.specVersion == change.version }.count == 2)
        #expect(Set(afterKills.filter { $0.specVersion != change.version }.map(\.instanceID)) == Set(old.suffix(2)))

        await scheduler.converge(pod.id)
        #expect(await scheduler.runningCount(pod.id, version: change.version) == 4)
        #expect(await scheduler.instanceRecords(pod.id).count == 4)
        #expect(await scheduler.deployments().isEmpty)
    }

    @Test("restart at full health without over-capacity: one instance over, then one old one goes per new one ready")
    func fullHealthRestart() async throws {
        let lab = try SchedulerLab()
        let (scheduler, _) = try await lab.scheduler()
        let pod = try SchedulerLab.pod(instances: 2, minimumHealthCapacity: 1, maximumOverCapacity: 0)
        _ = try await scheduler.create(pod, force: false)
        await scheduler.converge(pod.id)

        let change = try await scheduler.update(try SchedulerLab.pod(instances: 2, command: "sleep 2000", minimumHealthCapacity: 1,
                                                                     maximumOverCapacity: 0), force: false)
        var records = await scheduler.instanceRecords(pod.id)
        #expect(records.filter { $0.goal == .stopped }.isEmpty, "none stops before a new one is ready")
        #expect(records.filter { $0.specVersion == change.version }.count == 1)

        await scheduler.offerUntilPlaced()
        await scheduler.reportRunning(pod.id)
        records = await scheduler.instanceRecords(pod.id)
        #expect(records.filter { $0.goal == .stopped }.count == 1, "one new ready: one old stops")
        #expect(records.filter { $0.goal == .running }.count == 2)

        await scheduler.converge(pod.id)
        #expect(await scheduler.runningCount(pod.id, version: change.version) == 2)
        #expect(await scheduler.instanceRecords(pod.id).count == 2)
        #expect(await scheduler.deployments().isEmpty)
    }

    @Test("restart with maximumOverCapacity 1: every new instance starts at once, old ones stay until they are ready")
    func overCapacityRestart() async throws {
        let lab = try SchedulerLab()
        let (scheduler, _) = try await lab.scheduler()
        let pod = try SchedulerLab.pod(instances: 2)
        _ = try await scheduler.create(pod, force: false)
        await scheduler.converge(pod.id)

        let change = try await scheduler.update(try SchedulerLab.pod(instances: 2, command: "sleep 2000"), force: false)
        let records = await scheduler.instanceRecords(pod.id)
        #expect(records.filter { $0.specVersion == change.version }.count == 2)
        #expect(records.filter { $0.goal == .running }.count == 4)
        await scheduler.converge(pod.id)
        #expect(await scheduler.runningCount(pod.id, version: change.version) == 2)
        #expect(await scheduler.deployments().isEmpty)
    }

    @Test("delete: StopPod kills every instance and ends when they are gone")
    func delete() async throws {
        let lab = try SchedulerLab()
        let (scheduler, _) = try await lab.scheduler()
        let pod = try SchedulerLab.pod(instances: 2)
        _ = try await scheduler.create(pod, force: false)
        await scheduler.converge(pod.id)
        _ = try await scheduler.delete(pod.id, force: false)
        #expect(await scheduler.deploymentRecords().map(\.steps) == [[.stopPod]])
        #expect(await scheduler.instanceRecords(pod.id).allSatisfy { $0.goal == .stopped })
        await scheduler.reportKilled(pod.id)
        #expect(await scheduler.instanceRecords(pod.id).isEmpty)
        #expect(await scheduler.deployments().isEmpty)
    }
}
