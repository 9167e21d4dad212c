import ArgumentParser
import Primitives

/// `podctl pod list [--json]`: every pod with its running/desired instances, status and
/// since (`GET /v2/pods/::status`).
public struct PodListCommand: ContextualCommand {
    /// `list`.
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List pods: instances running/desired, status and since.",
        discussion: ExitStatus.helpText)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// `--json`.
    @Flag(name: .long, help: "Print the server's status documents as JSON.")
    public var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Lists the pods.
    public func run(in context: CommandContext) async throws {
        let statuses = try await global.client(in: context).statuses()
        if json {
            context.output.line(JSONValue.array(statuses.map(\.json)).prettyText)
        } else {
            context.output.write(PodStatusFormatter.list(statuses))
        }
    }
}
