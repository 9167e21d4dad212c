import ArgumentParser

/// `podctl pod …`: the verbs of `dcos marathon pod` (add, list, show, update, remove,
/// kill) plus status, versions and the launch queue.
public struct PodCommand: AsyncParsableCommand {
    /// The `pod` group and its subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "pod",
        abstract: "Create, inspect, change and remove pods through the scheduler's REST API.",
        discussion: ExitStatus.helpText,
        subcommands: [PodAddCommand.self, PodListCommand.self, PodShowCommand.self, PodUpdateCommand.self,
                      PodRemoveCommand.self, PodKillCommand.self, PodStatusCommand.self, PodVersionsCommand.self,
                      PodQueueCommand.self])

    /// The group (ArgumentParser creates it).
    public init() {}
}

extension PodCommand {
    /// Rejects a pod id that names no pod (empty, or only slashes) before any request.
    static func validatePodID(_ id: String) throws {
        guard id.split(separator: "/").contains(where: { !$0.isEmpty }) else {
            throw ValidationError("'\(id)' is not a pod id; expected e.g. /group/pod")
        }
    }
}
