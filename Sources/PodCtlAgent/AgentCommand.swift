import ArgumentParser
import PodCtlKit

/// `podctl agent …`: debugging on an agent, from the runtime state the pod executors
/// publish under `--runtime-dir` (default `/run/mesos-pods`). Works while the scheduler
/// and the master are down; needs root (namespaces, cgroups, the root-only state files).
public struct AgentCommand: AsyncParsableCommand {
    /// The `agent` group and its subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Debug the pods on this agent: list, inspect, logs, exec, debug shells, health checks, images, gc.",
        discussion: """
            Pods are found from the runtime state each pod-executor writes to \
            <runtime-dir>/pods/<executor id>/state.json (--runtime-dir, default \
            \(AgentOptions.defaultRuntimeDirectory); pod-executor's POD_EXECUTOR_RUNTIME_DIR). \
            No scheduler or master is needed. Run as root.

            INSTANCE is a pod instance id (<pod>.instance-<uuid>), an executor id \
            (instance-<pod>.<uuid>) or a unique prefix of either; CONTAINER is a container \
            name or a task id.

            EXIT CODES:
              0  success
              1  unexpected failure; 'health': the check failed
              2  usage error
              3  operation error: no such instance or container, not running, no image store, …
              exec/debug: the command's own exit code (126 cannot execute, 127 not found,
              128+N killed by signal N)
            """,
        subcommands: [AgentPsCommand.self, AgentInspectCommand.self, AgentLogsCommand.self, AgentExecCommand.self,
                      AgentDebugCommand.self, AgentHealthCommand.self, AgentImagesCommand.self, AgentPullCommand.self,
                      AgentGCCommand.self])

    /// The group (ArgumentParser creates it).
    public init() {}
}
