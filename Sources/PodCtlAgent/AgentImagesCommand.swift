import ArgumentParser

/// `podctl agent images [list] [--json]` and `podctl agent images prune [--dry-run]`.
public struct AgentImagesCommand: AsyncParsableCommand {
    /// The `images` group; `list` is the default.
    public static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "List the images in this agent's image store, or prune the unused ones.",
        subcommands: [AgentImagesListCommand.self, AgentImagesPruneCommand.self],
        defaultSubcommand: AgentImagesListCommand.self)

    /// The group (ArgumentParser creates it).
    public init() {}
}
