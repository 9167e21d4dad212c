import MesosProtocol

extension LaunchContext {
    /// A readiness check as the Mesos-native check (`TaskInfo.check`): HTTP to the probe
    /// port (Mesos checks have no scheme: validation allows HTTP only), TCP, or a command.
    /// `nil` when an HTTP/TCP check has no port to probe (validation refuses such pods).
    func checkInfo(_ check: ReadinessCheck, of container: PodContainer) -> Mesos_V1_CheckInfo? {
        var info = Mesos_V1_CheckInfo()
        if let command = check.exec {
            info.type = .command
            switch command {
            case .shell(let line):
                info.command.command.shell = true
                info.command.command.value = line
            case .argv(let argv):
                info.command.command.shell = false
                if let program = argv.first { info.command.command.value = program }
                info.command.command.arguments = argv
            }
        } else if let endpointName = check.endpointName {
            guard let endpoint = container.endpoints.first(where: { $0.name == endpointName }),
                  let port = probePort(of: endpoint)
            else { return nil }
            if let http = check.http {
                info.type = .http
                info.http.port = UInt32(clamping: port)
                if let path = http.path { info.http.path = path }
            } else {
                info.type = .tcp
                info.tcp.port = UInt32(clamping: port)
            }
        } else {
            return nil
        }
        info.delaySeconds = Double(check.delaySeconds)
        info.intervalSeconds = Double(check.intervalSeconds)
        info.timeoutSeconds = Double(check.timeoutSeconds)
        return info
    }
}
