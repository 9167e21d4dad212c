import ArgumentParser

/// `podctl pod add FILE|- [--force] [--wait [--timeout SECONDS]]`: creates a pod
/// (`POST /v2/pods`) and prints `Created deployment <id>`.
public struct PodAddCommand: ContextualCommand {
    /// `add`.
    public static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create a pod from a JSON definition.",
        discussion: """
            Prints 'Created deployment <id>'. With --wait, polls the deployment until it \
            finishes, showing running/desired instances on standard error.

            \(ExitStatus.helpText)
            """)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// `--wait`, `--timeout`.
    @OptionGroup public var waitOptions: WaitOptions

    /// The definition file.
    @Argument(help: ArgumentHelp("The pod definition: a JSON file, or - for standard input.", valueName: "file"))
    public var file: String

    /// `--force`.
    @Flag(name: .long, help: "Cancel deployments that conflict with this one instead of failing with 409.")
    public var force = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Creates the pod.
    public func run(in context: CommandContext) async throws {
        let definition = try PodDefinitionInput.read(file, in: context)
        let client = try global.client(in: context)
        let change = try await client.create(definition, force: force)
        context.output.line("Created deployment \(change.deploymentID)")
        if waitOptions.wait {
            try await DeploymentWaiter(client: client, podID: change.pod.id, deploymentID: change.deploymentID,
                                       timeout: waitOptions.duration, pollInterval: context.pollInterval)
                .wait(in: context)
        }
    }
}
