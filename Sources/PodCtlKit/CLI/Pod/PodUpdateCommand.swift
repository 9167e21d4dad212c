import ArgumentParser

/// `podctl pod update ID FILE|- [--force] [--wait [--timeout SECONDS]]`: replaces a pod's
/// definition (`PUT /v2/pods/{id}`) and prints `Created deployment <id>`.
public struct PodUpdateCommand: ContextualCommand {
    /// `update`.
    public static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Replace a pod's definition.",
        discussion: """
            The definition replaces the pod's whole definition, and its id must be ID. \
            Prints 'Created deployment <id>'. A pod locked by a running deployment gives 409 \
            unless --force cancels that deployment.

            \(ExitStatus.helpText)
            """)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// `--wait`, `--timeout`.
    @OptionGroup public var waitOptions: WaitOptions

    /// The pod id.
    @Argument(help: ArgumentHelp("The pod id.", valueName: "id"))
    public var id: String

    /// The definition file.
    @Argument(help: ArgumentHelp("The new definition: a JSON file, or - for standard input.", valueName: "file"))
    public var file: String

    /// `--force`.
    @Flag(name: .long, help: "Cancel a deployment that locks the pod instead of failing with 409.")
    public var force = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// The pod id must name a pod.
    public func validate() throws {
        try PodCommand.validatePodID(id)
    }

    /// Replaces the definition.
    public func run(in context: CommandContext) async throws {
        let definition = try PodDefinitionInput.read(file, in: context)
        let client = try global.client(in: context)
        let change = try await client.update(id, podJSON: definition, force: force)
        context.output.line("Created deployment \(change.deploymentID)")
        if waitOptions.wait {
            try await DeploymentWaiter(client: client, podID: change.pod.id, deploymentID: change.deploymentID,
                                       timeout: waitOptions.duration, pollInterval: context.pollInterval)
                .wait(in: context)
        }
    }
}
