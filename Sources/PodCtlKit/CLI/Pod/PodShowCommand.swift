import ArgumentParser

/// `podctl pod show ID [--version VERSION]`: the pod's definition as JSON.
public struct PodShowCommand: ContextualCommand {
    /// `show`.
    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a pod's definition as JSON.",
        discussion: ExitStatus.helpText)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// The pod id.
    @Argument(help: ArgumentHelp("The pod id, e.g. /group/pod.", valueName: "id"))
    public var id: String

    /// `--version`.
    @Option(name: .long, help: ArgumentHelp(
        "Show the definition as of this version (see 'pod versions').", valueName: "version"))
    public var version: String?

    /// The command (ArgumentParser creates it).
    public init() {}

    /// The pod id must name a pod.
    public func validate() throws {
        try PodCommand.validatePodID(id)
    }

    /// Prints the definition.
    public func run(in context: CommandContext) async throws {
        let client = try global.client(in: context)
        let pod: PodDocument
        if let version {
            pod = try await client.version(id, version: version)
        } else {
            pod = try await client.show(id)
        }
        context.output.line(pod.json.prettyText)
    }
}
