import ArgumentParser
import PodCtlKit

/// `podctl agent inspect INSTANCE [--json]`: the full picture of one pod instance.
public struct AgentInspectCommand: ContextualCommand {
    /// `inspect`.
    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show everything about one pod instance: tasks, sandbox, network, mounts, images, cgroups, updates.")

    @OptionGroup var agent: AgentOptions

    /// The pod instance.
    @Argument(help: ArgumentHelp("The pod instance id, executor id, or a unique prefix.", valueName: "instance"))
    var instance: String

    /// `--json`.
    @Flag(name: .long, help: "Print the instance as JSON.")
    var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Shows the instance.
    public func run(in context: CommandContext) async throws {
        let report = InstanceReport(try agent.runtime.instance(instance))
        if json {
            context.output.line(try InstanceReport.json(report))
        } else {
            context.output.write(InspectFormatter.text(report))
        }
    }
}
