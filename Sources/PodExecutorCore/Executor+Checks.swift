import MesosProtocol
import PodRuntime

extension Executor {
    /// Where a task's check runner is kept: beside the health checks, so that pausing and
    /// resuming them (while disconnected from the agent) covers checks too.
    static func checkKey(_ taskID: String) -> String { "check " + taskID }

    /// Starts the Mesos check of a task that just became TASK_RUNNING, on the health checks'
    /// runner and prober; each result goes to the state machine uninterpreted.
    func startCheck(_ taskID: String) {
        guard let info = machine.taskInfo(taskID), info.hasCheck else { return }
        let check = info.check
        guard let kind = Self.probeKind(check) else {
            logger.warning("check type not supported; not checking", metadata: ["mesos.task_id": "\(taskID)"])
            return
        }
        let schedule = HealthCheckRunner.Schedule(delay: .seconds(max(0, check.delaySeconds)),
                                                  interval: .seconds(max(0, check.intervalSeconds)),
                                                  timeout: .seconds(max(0, check.timeoutSeconds)))
        let prober = healthProber
        let pod = self.pod
        let sink = eventSink
        let type = check.type
        let runner = HealthCheckRunner(
            taskID: taskID, kind: kind, schedule: schedule, policy: nil, clock: ContinuousClock(),
            probe: { kind, timeout in await prober.probe(kind, pod: pod, taskID: taskID, timeout: timeout) },
            observe: { result in sink.yield(.checkResult(taskID: taskID, status: Self.checkStatus(type, result))) })
        if healthPaused { runner.pause() }
        let key = Self.checkKey(taskID)
        health[key]?.stop()
        health[key] = runner
    }

    func stopCheck(_ taskID: String) {
        health.removeValue(forKey: Self.checkKey(taskID))?.stop()
    }

    /// The probe of a Mesos check: HTTP GET and TCP connect to 127.0.0.1 in the pod's
    /// network namespace (Mesos checks have no scheme and no IPv6), or a command in the container.
    static func probeKind(_ check: Mesos_V1_CheckInfo) -> ProbeKind? {
        switch check.type {
        case .http:
            return .http(scheme: "http", port: Int(check.http.port), path: check.http.hasPath ? check.http.path : "", ipv6: false)
        case .tcp:
            return .tcp(port: Int(check.tcp.port), ipv6: false)
        case .command:
            let c = check.command.command
            guard c.hasValue || !c.arguments.isEmpty else { return nil }
            let env = c.environment.variables.filter { $0.type != .secret }.map { ($0.name, $0.value) }
            return .command(shell: c.shell, value: c.value, arguments: c.arguments, environment: env)
        default:
            return nil
        }
    }

    /// `CheckStatusInfo` of one result: the HTTP status code, whether the TCP connection was
    /// made, the command's exit code; the empty member when the probe had no result.
    static func checkStatus(_ type: Mesos_V1_CheckInfo.TypeEnum, _ result: ProbeResult) -> Mesos_V1_CheckStatusInfo {
        var status = ExecutorStateMachine.emptyCheckStatus(type)
        switch (type, result.observation) {
        case (.http, .httpStatus(let code)?): status.http.statusCode = UInt32(clamping: code)
        case (.tcp, .tcpConnected(let made)?): status.tcp.succeeded = made
        case (.command, .exitCode(let code)?): status.command.exitCode = code
        default: break
        }
        return status
    }
}
