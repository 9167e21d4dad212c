import Foundation
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// A scheduler restarted over its SQLite store (a restart, or a new leader): the pods,
/// instances, deployments, framework id and launch backoff it loads are the ones the earlier
/// scheduler stored, and its reconciliation asks the master about exactly the live tasks.
@Suite("scheduler core: restart from the store and reconciliation")
struct SchedulerRestoreTests {
    @Test("a new scheduler over the same store has the same pods, instances, deployments and framework id")
    func restart() async throws {
        let lab = try SchedulerLab()
        let (first, firstStore) = try await lab.scheduler()
        let running = try SchedulerLab.pod("/running", instances: 2)
        _ = try await first.create(running, force: false)
        await first.converge(running.id)
        // A second pod whose deployment is still under way (its instances wait for offers).
        let waiting = try SchedulerLab.pod("/waiting", instances: 3)
        let change = try await first.create(waiting, force: false)

        let pods = await first.pods()
        let instances = await first.instanceRecords(running.id) + first.instanceRecords(waiting.id)
        let deployments = await first.deploymentRecords()
        #expect(pods.count == 2 && instances.count == 5)
        #expect(deployments.map(\.id) == [change.deploymentID])
        await first.stop()
        await firstStore.close()

        let (second, secondStore) = try await lab.scheduler(subscribe: false)
        #expect(await second.pods() == pods)
        let loaded = await second.instanceRecords(running.id) + second.instanceRecords(waiting.id)
        #expect(loaded.sorted { $0.instanceID < $1.instanceID } == instances.sorted { $0.instanceID < $1.instanceID })
        #expect(await second.deploymentRecords() == deployments)
        #expect(await second.info().frameworkID == "F-lab")
        #expect(await second.lacksFrameworkID == false)
        #expect(await second.runningCount(running.id) == 2)

        // The loaded deployment carries on where the first scheduler left it.
        await second.converge(waiting.id)
        #expect(await second.runningCount(waiting.id) == 3)
        #expect(await second.deployments().isEmpty)
        await secondStore.close()
    }

    @Test("reconciliation after a restart names every live task (with its agent), then asks implicitly")
    func reconciliation() async throws {
        let lab = try SchedulerLab()
        let (first, firstStore) = try await lab.scheduler()
        #expect(await first.reconciliation().map(\.reconcile.tasks.count) == [0], "nothing known: only the implicit call")
        let pod = try SchedulerLab.pod(instances: 2)
        _ = try await first.create(pod, force: false)
        await first.converge(pod.id)
        // One instance's task ends: it is not asked about.
        let ended = try #require(await first.instanceRecords(pod.id).first?.tasks.first)
        await first.handleUpdate(SchedulerLab.status(ended.taskID, .taskFailed))
        let live = await first.instanceRecords(pod.id).flatMap { r in
            r.tasks.filter { !InstanceCondition(taskState: $0.state).isTerminal }.map { ($0.taskID, r.agentID ?? "") }
        }
        #expect(live.count == 1)
        await firstStore.close()

        let (second, secondStore) = try await lab.scheduler(subscribe: false)
        let calls = await second.reconciliation()
        #expect(calls.map(\.type) == [.reconcile, .reconcile])
        #expect(calls[0].reconcile.tasks.map { [$0.taskID.value, $0.agentID.value] } == live.map { [$0.0, $0.1] })
        #expect(calls[1].reconcile.tasks.isEmpty)
        await secondStore.close()
    }
}

/// Launch backoff: the delay grows by `backoffFactor` per consecutive failure up to
/// `maxLaunchDelay`, holds the relaunch back, is dropped when stale, reset on request, and
/// survives a restart.
@Suite("scheduler core: launch backoff")
struct LaunchBackoffTests {
    @Test("delay growth: backoff × factor^(n−1), capped at maxLaunchDelay")
    func growth() {
        let policy = PodSchedulingPolicy.Backoff(backoff: 2, backoffFactor: 3, maxLaunchDelay: 60)
        #expect((1...5).map { LaunchBackoff.delay(afterFailures: $0, policy) } == [2, 6, 18, 54, 60])
        let now = Date(timeIntervalSince1970: 1_000)
        let first = LaunchBackoff.failed(after: nil, policy, now: now)
        #expect(first.failures == 1 && first.until == now.addingTimeInterval(2))
        let second = LaunchBackoff.failed(after: first, policy, now: now)
        #expect(second.failures == 2 && second.until == now.addingTimeInterval(6))
    }

    @Test("a delay that ended more than maxLaunchDelay ago is stale")
    func stale() {
        let policy = PodSchedulingPolicy.Backoff(backoff: 1, backoffFactor: 2, maxLaunchDelay: 10)
        let until = Date(timeIntervalSince1970: 1_000)
        #expect(!LaunchBackoff.isStale(until: until, policy, now: until.addingTimeInterval(-5)))
        #expect(!LaunchBackoff.isStale(until: until, policy, now: until.addingTimeInterval(10)))
        #expect(LaunchBackoff.isStale(until: until, policy, now: until.addingTimeInterval(10.5)))
    }

    @Test("a failed instance waits out its backoff; the delay survives a restart; a reset clears it, durably")
    func scheduler() async throws {
        let lab = try SchedulerLab()
        let (first, firstStore) = try await lab.scheduler()
        let pod = try SchedulerLab.pod(instances: 1, backoff: (100, 2, 1000))
        _ = try await first.create(pod, force: false)
        await first.converge(pod.id)
        let stored = try #require(await first.pod(pod.id))
        #expect(await first.delay(stored) == nil)
        let task = try #require(await first.instanceRecords(pod.id).first?.tasks.first)
        let before = Date()
        await first.handleUpdate(SchedulerLab.status(task.taskID, .taskFailed))
        let delay = try #require(await first.delay(stored))
        #expect(delay.failures == 1)
        #expect(delay.until >= before.addingTimeInterval(100) && delay.until <= Date().addingTimeInterval(100))
        #expect(await first.delayed(stored))
        // The instance is scheduled again (next incarnation) but takes no offer while delayed.
        let relaunched = try #require(await first.instanceRecords(pod.id).first)
        #expect(relaunched.incarnation == 2 && relaunched.isScheduled)
        #expect(await first.hasWaitingInstances == false)
        await first.offerUntilPlaced()
        #expect(await first.instanceRecords(pod.id).first?.tasks.isEmpty == true)
        #expect(await first.queue(embedLastUnusedOffers: false).first?.backoffUntil == delay.until)
        await firstStore.close()

        let (second, secondStore) = try await lab.scheduler()
        #expect(await second.delay(stored)?.failures == 1, "the backoff is in the store")
        #expect(await second.delayed(stored))
        #expect(await second.resetDelay(pod.id))
        #expect(await second.delay(stored) == nil)
        #expect(await second.hasWaitingInstances)
        await secondStore.close()

        let (third, thirdStore) = try await lab.scheduler()
        #expect(await third.delay(stored) == nil, "the reset was stored too")
        await thirdStore.close()
    }
}
