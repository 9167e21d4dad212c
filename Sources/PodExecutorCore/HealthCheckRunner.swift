import PodRuntime
import Synchronization

/// Runs one task's health check on its schedule (delay, then interval measured from the
/// end of the previous check) and reports each reportable result. It runs inside the
/// executor: no helper process per check. A Mesos check (`TaskInfo.check`) runs on the same
/// runner without a policy: every result goes to `observe`, uninterpreted.
final class HealthCheckRunner: Sendable {
    struct Schedule: Sendable {
        var delay: Duration
        var interval: Duration
        var timeout: Duration
    }

    private struct State {
        var paused = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var last: String = "not run yet"
        var count = 0
    }

    /// Shared with the checking task.
    private final class Shared: Sendable {
        let state = Mutex(State())
        let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    }

    private let shared = Shared()

    init<C: Clock>(taskID: String, kind: ProbeKind, schedule: Schedule, policy: HealthCheckPolicy?, clock: C,
         probe: @escaping @Sendable (ProbeKind, Duration) async -> ProbeResult,
         report: @escaping @Sendable (_ healthy: Bool, _ kill: Bool, _ detail: String) -> Void = { _, _, _ in },
         observe: (@Sendable (ProbeResult) -> Void)? = nil) where C.Duration == Duration {
        let runner = Task { [shared] in
            let start = clock.now
            var policy = policy
            do { try await clock.sleep(for: schedule.delay) } catch { return }
            while !Task.isCancelled {
                // Paused while disconnected from the agent; a resume checks at once.
                await Self.waitWhilePaused(shared)
                if Task.isCancelled { return }
                let result = await probe(kind, schedule.timeout)
                if Task.isCancelled { return }
                let paused = shared.state.withLock { s -> Bool in
                    s.last = (result.healthy ? "healthy: " : "unhealthy: ") + result.detail
                    s.count += 1
                    return s.paused
                }
                // A result that arrives while disconnected cannot be reported: drop it.
                if !paused { observe?(result) }
                if !paused, let r = policy?.record(success: result.healthy, elapsedSinceStart: start.duration(to: clock.now)) {
                    report(r.healthy, r.kill, result.detail)
                    if r.kill { return }
                }
                do { try await clock.sleep(for: schedule.interval) } catch { return }
            }
        }
        shared.task.withLock { $0 = runner }
    }

    private static func waitWhilePaused(_ shared: Shared) async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            let ready = shared.state.withLock { s -> Bool in
                if !s.paused { return true }
                s.waiters.append(cont)
                return false
            }
            if ready { cont.resume() }
        }
    }

    func pause() { shared.state.withLock { $0.paused = true } }

    func resume() {
        let waiters = shared.state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.paused = false
            let w = s.waiters
            s.waiters.removeAll()
            return w
        }
        for w in waiters { w.resume() }
    }

    func stop() {
        shared.task.withLock { $0?.cancel() }
        resume()
    }

    /// The last result, for `podctl agent ps`.
    var summary: String { shared.state.withLock { "\($0.last) (\($0.count) checks)" } }
}
