import MesosHTTP

/// The leading master as a `MasterLocator` reports it, for the framework driver: the
/// current leader with a generation that changes whenever it does, a wait for a leader
/// (while none is known the driver waits here instead of retrying), and a wait for the
/// next change (which ends the current subscription).
actor MasterLeaderTracker {
    private(set) var leader: LeadingMaster?
    private(set) var generation = 0
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    private var reader: Task<Void, Never>?
    private var ended = false

    /// Starts following `locator`.
    func start(_ locator: any MasterLocator) {
        guard reader == nil else { return }
        reader = Task {
            for await leader in locator.leaders() { self.update(leader) }
            self.end()
        }
    }

    /// Stops following: every wait returns.
    func stop() {
        reader?.cancel()
        end()
    }

    /// The leader and its generation, once one is known. Nil when the tracker stopped or the
    /// task is cancelled.
    func waitForLeader() async -> (leader: LeadingMaster, generation: Int)? {
        while !Task.isCancelled && !ended {
            if let leader { return (leader, generation) }
            await waitForChange(after: generation)
        }
        return nil
    }

    /// Returns once the generation is no longer `seen` (the leader changed, or went), or when
    /// the task is cancelled or the tracker stopped.
    func waitForChange(after seen: Int) async {
        guard generation == seen, !ended, !Task.isCancelled else { return }
        nextWaiter += 1
        let id = nextWaiter
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.release(id) }
        }
    }

    private func release(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }

    private func update(_ next: LeadingMaster?) {
        leader = next
        generation += 1
        wakeAll()
    }

    private func end() {
        ended = true
        wakeAll()
    }

    private func wakeAll() {
        let all = waiters.values
        waiters.removeAll()
        for waiter in all { waiter.resume() }
    }
}
