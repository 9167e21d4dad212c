/// Ends a command with an exit code of its own, printing nothing more: `podctl agent exec`
/// exits with its command's exit code, `agent health` with 1 for a failed check. The
/// command has already said what happened.
public struct CommandExitCode: Error, Sendable, Equatable {
    /// The process exit code.
    public var code: Int32

    /// An exit with `code`.
    public init(_ code: Int32) {
        self.code = code
    }
}
