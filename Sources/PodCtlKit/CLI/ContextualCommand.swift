import ArgumentParser

/// A command that runs against an injected ``CommandContext`` instead of the process's
/// streams and environment. ``PodCtl/run(arguments:context:)`` runs these with its
/// context; run directly by ArgumentParser, they use the process's.
///
/// The lead's `agent` commands can adopt it to share the output sinks and exit codes.
public protocol ContextualCommand: AsyncParsableCommand {
    /// Runs the command, writing to the context's sinks.
    func run(in context: CommandContext) async throws
}

extension ContextualCommand {
    /// Runs with the process's context.
    public mutating func run() async throws {
        try await run(in: .process())
    }
}
