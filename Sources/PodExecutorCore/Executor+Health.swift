import MesosProtocol
import PodRuntime

extension Executor {
    /// Starts the checker of a task that just became TASK_RUNNING.
    func startHealthCheck(_ taskID: String) {
        guard let info = machine.taskInfo(taskID), info.hasHealthCheck else { return }
        guard let kind = Self.probeKind(info.healthCheck) else {
            logger.warning("health check type not supported; not checking", metadata: ["mesos.task_id": "\(taskID)"])
            return
        }
        let hc = info.healthCheck
        let schedule = HealthCheckRunner.Schedule(delay: .seconds(max(0, hc.delaySeconds)),
                                                  interval: .seconds(max(0, hc.intervalSeconds)),
                                                  timeout: .seconds(max(0, hc.timeoutSeconds)))
        let policy = HealthCheckPolicy(gracePeriod: .seconds(max(0, hc.gracePeriodSeconds)),
                                       consecutiveFailuresToKill: hc.consecutiveFailures)
        let prober = healthProber
        let pod = self.pod
        let sink = eventSink
        let logger = self.logger
        let runner = HealthCheckRunner(
            taskID: taskID, kind: kind, schedule: schedule, policy: policy, clock: ContinuousClock(),
            probe: { kind, timeout in await prober.probe(kind, pod: pod, taskID: taskID, timeout: timeout) },
            report: { healthy, kill, detail in
                logger.info("health check result", metadata: ["mesos.task_id": "\(taskID)", "healthy": "\(healthy)",
                                                              "kill": "\(kill)", "detail": "\(detail)"])
                sink.yield(.healthResult(taskID: taskID, healthy: healthy, kill: kill, message: nil))
            })
        if healthPaused { runner.pause() }
        health[taskID]?.stop()
        health[taskID] = runner
    }

    /// The health check of a task for the runtime state (`podctl agent health`).
    static func healthCheckDefinition(_ info: Mesos_V1_TaskInfo?) -> HealthCheckDefinition? {
        guard let info, info.hasHealthCheck, let kind = probeKind(info.healthCheck) else { return nil }
        let hc = info.healthCheck
        return HealthCheckDefinition(kind: kind, delaySeconds: hc.delaySeconds, intervalSeconds: hc.intervalSeconds,
                                     timeoutSeconds: hc.timeoutSeconds, gracePeriodSeconds: hc.gracePeriodSeconds,
                                     consecutiveFailures: hc.consecutiveFailures)
    }

    /// The probe for a Mesos `HealthCheck` (HTTP(S), TCP, COMMAND).
    static func probeKind(_ hc: Mesos_V1_HealthCheck) -> ProbeKind? {
        switch hc.type {
        case .http:
            return .http(scheme: hc.http.hasScheme ? hc.http.scheme : "http", port: Int(hc.http.port),
                         path: hc.http.hasPath ? hc.http.path : "", ipv6: hc.http.protocol == .ipv6)
        case .tcp:
            return .tcp(port: Int(hc.tcp.port), ipv6: hc.tcp.protocol == .ipv6)
        case .command:
            let c = hc.command
            guard c.hasValue || !c.arguments.isEmpty else { return nil }
            let env = c.environment.variables.filter { $0.type != .secret }.map { ($0.name, $0.value) }
            return .command(shell: c.shell, value: c.value, arguments: c.arguments, environment: env)
        default:
            return nil
        }
    }
}
