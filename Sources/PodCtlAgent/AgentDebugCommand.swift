import ArgumentParser
import PodCtlKit
import PodRuntime
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// `podctl agent debug INSTANCE CONTAINER [--busybox PATH] [-- APPLET ARGS…]`: a root
/// shell with a busybox toolbox inside a container's namespaces, even when its image has
/// no shell (what Kubernetes offers with ephemeral debug containers).
public struct AgentDebugCommand: ContextualCommand {
    /// `debug`.
    public static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Open a root shell with busybox tools inside a container, even one whose image has no shell.",
        discussion: """
            podctl opens the host's busybox (a static binary; Debian's busybox-static \
            installs /bin/busybox) before entering the container, then joins the container's \
            namespaces (mount, PID, UTS, IPC, the pod's network), root filesystem and \
            cgroup, and runs that busybox by its descriptor (execveat): nothing is copied or \
            mounted into the container, and the image needs no shell. Busybox's shell runs \
            its applets (ls, ps, cat, wget, nc, vi, …) without looking them up in the image.

            The shell is the operator's, not the workload's: root, every capability, no \
            seccomp filter, the container's environment. It has a terminal when podctl's \
            standard input is one; otherwise it reads commands from standard input. \
            Arguments after '--' run one applet instead of a shell (-- ps). podctl exits \
            with the shell's exit code.
            """)

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The pod instance.", valueName: "instance"))
    var instance: String

    @Argument(help: ArgumentHelp("The container name or task id.", valueName: "container"))
    var container: String

    /// `--busybox PATH`.
    @Option(name: .long, help: ArgumentHelp("The static busybox binary to use.", valueName: "path"))
    var busybox = "/bin/busybox"

    /// `--no-tty`.
    @Flag(name: .customLong("no-tty"), help: "No terminal even when standard input is one.")
    var noTTY = false

    /// An applet and its arguments, after `--`.
    @Argument(parsing: .postTerminator, help: ArgumentHelp("A busybox applet and its arguments (default: sh).", valueName: "applet"))
    var applet: [String] = []

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Opens the shell and exits with its exit code.
    public func run(in context: CommandContext) async throws {
        try Self.checkStatic(busybox)
        let pod = try agent.runtime.instance(instance)
        let record = try pod.runningContainer(container)
        let info = try ContainerEntry.info(record, of: pod)
        let real = ProcessStreams.isProcessContext(context)
        let tty = real && !noTTY && isatty(0) == 1
        var spec = Self.spec(info, busybox: busybox, arguments: applet.isEmpty ? ["sh"] : applet,
                             prompt: "[debug \(record.displayName)] \\w # ", tty: tty,
                             term: context.environment["TERM"])
        spec.lifeline = true
        if tty {
            context.errors.line("podctl: busybox shell in \(record.displayName) of \(pod.name) (root, all capabilities); 'exit' leaves")
        }
        let termination: ProcessTermination
        do {
            termination = try await AttachedProcess(wiring: .choose(tty: tty, interactive: true, context: context),
                                                        containerPTMX: "/proc/\(record.initPID)/root/dev/pts/ptmx").run(spec, context: context)
        } catch {
            let failure = ContainerEntry.startFailure(error, program: busybox, container: "\(record.displayName) of \(pod.name)")
            context.errors.line("podctl: \(failure.message)")
            throw CommandExitCode(failure.code)
        }
        let code = AttachedProcess.exitCode(termination)
        if code != 0 { throw CommandExitCode(code) }
    }

    /// The debug process: busybox by descriptor, in every namespace the container has and
    /// its cgroup, as root with every capability and no seccomp filter.
    static func spec(_ info: RunningContainerInfo, busybox: String, arguments: [String], prompt: String, tty: Bool,
                     term: String?) -> MonitorSpec {
        var environment = info.monitor.environment.filter { !$0.hasPrefix("PS1=") && !$0.hasPrefix("TERM=") }
        environment.append("PS1=\(prompt)")
        if tty { environment.append("TERM=\(term ?? "xterm")") }
        var spec = CommandProbe.joinSpec(info, executable: "busybox", arguments: arguments, extraEnvironment: [])
        spec.environment = environment
        spec.hostExecutable = busybox
        spec.workingDirectory = "/"
        spec.uid = 0
        spec.gid = 0
        spec.supplementaryGroups = []
        spec.keepAllCapabilities = true
        spec.capabilities = CapabilitySets(Capabilities.all)
        spec.noNewPrivileges = false
        spec.seccomp = nil
        spec.resourceLimits = []
        return spec
    }

    /// Refuses a missing or dynamically linked busybox (the container has no loader for it).
    static func checkStatic(_ path: String) throws(PodCtlError) {
        guard access(path, X_OK) == 0 else {
            throw PodCtlError(.api, "no busybox at \(path) (apt-get install busybox-static, or --busybox PATH)")
        }
        switch ELFInspector.isStaticExecutable(path) {
        case true?: return
        case false?: throw PodCtlError(.api, "\(path) is dynamically linked; debug needs a static busybox (Debian: busybox-static)")
        case nil: throw PodCtlError(.api, "\(path) is not an ELF executable")
        }
    }
}
