/// A container's command (`containers[].exec`).
public struct MesosExec: Sendable, Hashable, Codable {
    /// The command.
    public var command: MesosCommand
    /// With `argv`: use `argv[0]` as the executable instead of the image entrypoint.
    public var overrideEntrypoint: Bool?

    /// A command.
    public init(command: MesosCommand, overrideEntrypoint: Bool? = nil) {
        self.command = command
        self.overrideEntrypoint = overrideEntrypoint
    }
}
