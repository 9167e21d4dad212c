import PodCtlKit
import PodRuntime
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// How `agent exec`, `debug` and `health` enter a running container: the executor's
/// record of how it started the container, with the values of secret variables taken
/// from the running workload (they are never written to the state file).
enum ContainerEntry {
    /// The container's entry information, or an operation error saying why there is none.
    static func info(_ container: PodStateSnapshot.Container, of pod: AgentPodInstance) throws(PodCtlError) -> RunningContainerInfo {
        var info: RunningContainerInfo
        do {
            info = try RunningContainerInfo(state: container, of: pod.snapshot)
        } catch {
            throw PodCtlError(.api, error.message)
        }
        let secret = container.process?.redactedEnvironment ?? []
        if !secret.isEmpty, let workload = ProcFS.children(of: container.initPID).first {
            let live = ProcFS.environment(of: workload)
            for name in secret {
                if let value = live[name] { info.monitor.environment.append("\(name)=\(value)") }
            }
        }
        return info
    }

    /// The error for a process that could not be started in `container`, and the exit
    /// code a shell would give: 127 for a program that does not exist, 126 for one that
    /// cannot be executed, 3 for a failure to enter the container.
    static func startFailure(_ error: any Error, program: String, container: String) -> (message: String, code: Int32) {
        guard let system = error as? SystemError else {
            return ("cannot start '\(program)' in \(container): \(error)", ExitStatus.api.rawValue)
        }
        // The monitor reports "exec <program>" (the program is named when it is no path).
        if system.operation == "exec" || system.operation.hasPrefix("exec ") {
            let reason = SystemError.message(for: system.errno)
            let code: Int32 = system.errno == ENOENT ? 127 : 126
            return ("cannot execute '\(program)' in \(container): \(reason)", code)
        }
        return ("cannot enter \(container): \(system)", ExitStatus.api.rawValue)
    }
}
