import ArgumentParser
import PodCtlKit
import PodRuntime
import PodSystem

/// `podctl agent exec INSTANCE CONTAINER [-i] [-t] [-e NAME=value] -- CMD…`: runs a
/// command inside a running container, as the container itself runs.
public struct AgentExecCommand: ContextualCommand {
    /// `exec`.
    public static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command inside a running container; its output and exit code come back.",
        discussion: """
            The command joins the container's namespaces (mount, PID, UTS, IPC and the pod's \
            network), its root filesystem, cgroup, environment and working directory, and \
            runs with the container's own confinement: its user, capabilities, rlimits, \
            no_new_privs and seccomp profile (compiled again from the recorded profile) — as \
            a command health check does. Use 'agent debug' for a root shell with tools.

            podctl exits with the command's exit code (128+N when signal N killed it, 127 \
            when the program does not exist in the container, 126 when it cannot be \
            executed).
            """)

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The pod instance.", valueName: "instance"))
    var instance: String

    @Argument(help: ArgumentHelp("The container name or task id.", valueName: "container"))
    var container: String

    /// `-i`.
    @Flag(name: [.short, .long], help: "Pass standard input to the command.")
    var interactive = false

    /// `-t`.
    @Flag(name: [.short, .long], help: "Give the command a terminal (use with -i for an interactive program).")
    var tty = false

    /// `-e NAME=value`.
    @Option(name: [.short, .customLong("env")], help: ArgumentHelp("Set a variable (repeatable).", valueName: "NAME=value"))
    var environment: [String] = []

    /// The command after `--`.
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Requires a command and well-formed variables.
    public func validate() throws {
        guard let program = command.first, !program.isEmpty else {
            throw ValidationError("exec needs a command after '--', e.g. podctl agent exec INSTANCE CONTAINER -- ls /")
        }
        for entry in environment where !entry.contains("=") || entry.hasPrefix("=") {
            throw ValidationError("--env expects NAME=value, got '\(entry)'")
        }
    }

    /// Runs the command and exits with its exit code.
    public func run(in context: CommandContext) async throws {
        let pod = try agent.runtime.instance(instance)
        let record = try pod.runningContainer(container)
        let info = try ContainerEntry.info(record, of: pod)
        let extra = environment.map { entry -> (String, String) in
            let name = String(entry.prefix { $0 != "=" })
            return (name, String(entry.dropFirst(name.count + 1)))
        }
        let program = command.first ?? ""
        let spec = CommandProbe.joinSpec(info, executable: program, arguments: command, extraEnvironment: extra)
        let termination: ProcessTermination
        do {
            termination = try await AttachedProcess(wiring: .choose(tty: tty, interactive: interactive, context: context),
                                                        containerPTMX: "/proc/\(record.initPID)/root/dev/pts/ptmx").run(spec, context: context)
        } catch {
            let failure = ContainerEntry.startFailure(error, program: program, container: "\(record.displayName) of \(pod.name)")
            context.errors.line("podctl: \(failure.message)")
            throw CommandExitCode(failure.code)
        }
        let code = AttachedProcess.exitCode(termination)
        if code != 0 { throw CommandExitCode(code) }
    }
}
