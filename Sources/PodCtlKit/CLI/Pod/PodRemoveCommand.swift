import ArgumentParser

/// `podctl pod remove ID [--force] [--wait [--timeout SECONDS]]`: removes a pod
/// (`DELETE /v2/pods/{id}`) and prints `Created deployment <id>` for the deployment that
/// stops its instances.
public struct PodRemoveCommand: ContextualCommand {
    /// `remove`.
    public static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a pod and stop its instances.",
        discussion: """
            Prints 'Created deployment <id>' for the deployment that stops the instances. \
            A pod locked by a running deployment gives 409 unless --force cancels it.

            \(ExitStatus.helpText)
            """)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// `--wait`, `--timeout`.
    @OptionGroup public var waitOptions: WaitOptions

    /// The pod id.
    @Argument(help: ArgumentHelp("The pod id.", valueName: "id"))
    public var id: String

    /// `--force`.
    @Flag(name: .long, help: "Cancel a deployment that locks the pod instead of failing with 409.")
    public var force = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// The pod id must name a pod.
    public func validate() throws {
        try PodCommand.validatePodID(id)
    }

    /// Removes the pod.
    public func run(in context: CommandContext) async throws {
        let client = try global.client(in: context)
        let deploymentID = try await client.delete(id, force: force)
        context.output.line("Created deployment \(deploymentID)")
        if waitOptions.wait {
            try await DeploymentWaiter(client: client, podID: id, deploymentID: deploymentID,
                                       timeout: waitOptions.duration, pollInterval: context.pollInterval)
                .wait(in: context)
        }
    }
}
