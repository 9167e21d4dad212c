import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// Command checks and `podctl agent exec`: a process started inside a running
/// container's namespaces, root, cgroup, identity and confinement.
public enum CommandProbe {
    /// Builds the spec of a process joining `container`.
    public static func joinSpec(_ container: RunningContainerInfo, executable: String, arguments: [String],
                                extraEnvironment: [(String, String)]) -> MonitorSpec {
        let base = container.monitor
        var env = base.environment
        for (k, v) in extraEnvironment {
            env.removeAll { $0.hasPrefix(k + "=") }
            env.append("\(k)=\(v)")
        }
        var spec = MonitorSpec(executable: executable, arguments: arguments, environment: env)
        spec.joinNamespacesOf = container.initPID
        var namespaces: NamespaceSet = [.mount, .uts, .ipc, .pid]
        namespaces.formIntersection(base.newNamespaces.union([.mount]))
        if base.networkNamespacePath != nil { namespaces.insert(.network) }
        spec.joinNamespaces = namespaces
        spec.cgroupJoinFiles = base.cgroupJoinFiles
        spec.workingDirectory = base.workingDirectory
        spec.uid = base.uid
        spec.gid = base.gid
        spec.supplementaryGroups = base.supplementaryGroups
        spec.capabilities = base.capabilities
        spec.noNewPrivileges = base.noNewPrivileges
        spec.seccomp = base.seccomp
        spec.resourceLimits = base.resourceLimits
        spec.lifeline = true
        return spec
    }

    /// Runs a command check; success iff it exits 0 within the timeout.
    static func run(_ kind: ProbeKind, in container: RunningContainerInfo, timeout: Duration) async -> ProbeResult {
        guard case let .command(shell, value, arguments, environment) = kind else {
            return ProbeResult(healthy: false, detail: "not a command check")
        }
        let executable = shell ? "/bin/sh" : value
        let argv = shell ? ["sh", "-c", value] : (arguments.isEmpty ? [value] : arguments)
        let spec = joinSpec(container, executable: executable, arguments: argv, extraEnvironment: environment)
        let process: ManagedProcess
        do {
            process = try await ProcessSupervisor.shared.spawn(spec)
            _ = try await process.started()
        } catch {
            return ProbeResult(healthy: false, detail: "command check could not start: \(error)")
        }
        let timer = Task { () -> Bool in
            do { try await Task.sleep(for: timeout) } catch { return false }
            process.signal(SIGKILL)
            return true
        }
        let termination = await process.waitForExit()
        timer.cancel()
        let timedOut = await timer.value
        switch termination {
        case .exited(0):
            return ProbeResult(healthy: true, detail: "command exited with status 0", observation: .exitCode(0))
        case .exited(let code):
            return ProbeResult(healthy: false, detail: "command exited with status \(code)", observation: .exitCode(code))
        case .signaled(let sig):
            if timedOut { return ProbeResult(healthy: false, detail: "command timed out after \(timeout)") }
            return ProbeResult(healthy: false, detail: "command terminated with signal \(Signal.name(sig))")
        }
    }
}
