import ArgumentParser

/// `podctl pod status ID [--json]`: the pod's status with every instance and container
/// (`GET /v2/pods/{id}::status`).
public struct PodStatusCommand: ContextualCommand {
    /// `status`.
    public static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a pod's instances and containers: state, health, agent, endpoints, addresses.",
        discussion: ExitStatus.helpText)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// The pod id.
    @Argument(help: ArgumentHelp("The pod id.", valueName: "id"))
    public var id: String

    /// `--json`.
    @Flag(name: .long, help: "Print the server's status document as JSON.")
    public var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// The pod id must name a pod.
    public func validate() throws {
        try PodCommand.validatePodID(id)
    }

    /// Prints the status.
    public func run(in context: CommandContext) async throws {
        let status = try await global.client(in: context).status(id)
        if json {
            context.output.line(status.json.prettyText)
        } else {
            context.output.write(PodStatusFormatter.report(status))
        }
    }
}
