/// Waits for a deployment the way Marathon's own tests do: polls `GET /v2/deployments`
/// until the deployment id leaves the list, and shows the pod's running/desired instances
/// from `::status` while it waits.
///
/// A progress line goes to the error sink whenever it changes; the final line goes to the
/// output. At the deadline it throws a ``ExitStatus/timeout`` error (the deployment goes on).
struct DeploymentWaiter: Sendable {
    var client: SchedulerClient
    var podID: String
    var deploymentID: String
    var timeout: Duration
    var pollInterval: Duration

    func wait(in context: CommandContext) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var lastLine: String?
        while true {
            let running = try await client.deployments().contains { $0.id == deploymentID }
            let progress = try await progress()
            if !running {
                context.output.line("Deployment \(deploymentID) finished" + (progress.map { ": \($0)" } ?? ""))
                return
            }
            let line = "Waiting for deployment \(deploymentID)" + (progress.map { ": \($0)" } ?? "")
            if line != lastLine {
                context.errors.line(line)
                lastLine = line
            }
            let now = clock.now
            guard now < deadline else {
                throw PodCtlError(.timeout, "timed out after \(Self.seconds(timeout)) waiting for deployment "
                    + "\(deploymentID)\(progress.map { " (\($0))" } ?? ""); it keeps running, "
                    + "see 'podctl pod status \(podID)'")
            }
            try await Task.sleep(for: min(pollInterval, now.duration(to: deadline)))
        }
    }

    /// `1/2 instances running, DEGRADED`; nil once the pod is gone (a removal).
    private func progress() async throws -> String? {
        let status: PodStatus
        do {
            status = try await client.status(podID)
        } catch {
            if error.status == 404 { return nil }
            throw error
        }
        return "\(status.runningInstances)/\(status.desiredInstances) instances running, \(status.status)"
    }

    /// `30s`, `2.5s`.
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = attoseconds / 100_000_000_000_000_000
        return tenths == 0 ? "\(seconds)s" : "\(seconds).\(tenths)s"
    }
}
