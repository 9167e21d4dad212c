import ArgumentParser
import Foundation

/// The root of the `podctl` command line.
///
/// `podctl pod …` is built in; other groups are added by setting ``extraSubcommands``
/// before ``main()`` (the lead's `agent` group):
///
/// ```swift
/// // Sources/podctl/main.swift
/// import PodCtlKit
/// PodCtl.extraSubcommands = [AgentCommand.self]
/// func podctl() async { await PodCtl.main() }
/// await podctl()
/// ```
///
/// ``main()`` exits with an ``ExitStatus``: usage errors give 2 (not ArgumentParser's 64),
/// API errors 3, connection errors 4, a `--wait` timeout 5.
public struct PodCtl: AsyncParsableCommand {
    /// Subcommand groups added after `pod`, in this order.
    ///
    /// Safe as `nonisolated(unsafe)` because it is written once, at the top of `main`
    /// before anything is parsed or any task is started, and only read after that.
    nonisolated(unsafe) public static var extraSubcommands: [any ParsableCommand.Type] = []

    /// `podctl`'s configuration: the `pod` group, then ``extraSubcommands``.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "podctl",
            abstract: "The operator's CLI for mesos-pods.",
            discussion: """
                'podctl pod …' talks to the scheduler's Marathon-compatible REST API. \
                The URL is --url, else $PODCTL_URL, else \(GlobalOptions.defaultURL); credentials come \
                from --user, --token or --credentials-file, else $PODCTL_TOKEN. An https:// \
                scheduler's certificate must be signed by the CA of --ca-file, else $PODCTL_CA_FILE, \
                else one the system trusts, and name the URL's host.

                \(ExitStatus.helpText)
                """,
            subcommands: [PodCommand.self] + extraSubcommands)
    }

    /// The root command (ArgumentParser creates it).
    public init() {}

    /// The connection options, declared here too so that they may come before `pod`
    /// (`podctl --url URL pod list`); ArgumentParser fills the leaf's copy from them.
    @OptionGroup public var global: GlobalOptions

    /// Parses the process's arguments, runs the command with the process's context
    /// (``CommandContext/process()``) and exits with its ``ExitStatus``.
    ///
    /// Call it from an async function: top-level code in `main.swift` resolves
    /// `PodCtl.main()` to ArgumentParser's synchronous `main()` instead (a compile error
    /// with `await`), whose exit codes differ (64 for usage errors).
    public static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        let status = await run(arguments: Array(arguments), context: .process())
        Foundation.exit(status)
    }

    /// Parses `arguments` (without the program name), runs the command and returns the
    /// exit code; help goes to the context's output, errors as one `podctl: …` line to its
    /// error sink. Tests call this with a context of memory sinks.
    public static func run(arguments: [String], context: CommandContext) async -> Int32 {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return report(error, context: context)
        }
        do {
            if let contextual = command as? any ContextualCommand {
                try await contextual.run(in: context)
            } else if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
            return ExitStatus.success.rawValue
        } catch {
            return report(error, context: context)
        }
    }

    /// Prints `error` and returns its exit code.
    static func report(_ error: any Error, context: CommandContext) -> Int32 {
        if let exit = error as? CommandExitCode {
            return exit.code
        }
        if let error = error as? PodCtlError {
            context.errors.line("podctl: \(error.message)")
            return error.status.rawValue
        }
        if let error = error as? SchedulerClientError {
            return report(PodCtlError(error), context: context)
        }
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { context.output.line(message) }
            return ExitStatus.success.rawValue
        }
        if !message.isEmpty { context.errors.line(message) }
        return code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue
    }
}
