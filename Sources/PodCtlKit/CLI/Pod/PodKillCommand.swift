import ArgumentParser
import Primitives

/// `podctl pod kill ID [INSTANCE…] [--wipe] [--json]`: kills instances without changing
/// the instance count (the scheduler relaunches them).
///
/// Without instance ids it kills every instance `::status` lists. Both ways send one
/// `DELETE /v2/pods/{id}::instances` with the ids as a JSON array.
public struct PodKillCommand: ContextualCommand {
    /// `kill`.
    public static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "Kill a pod's instances (all of them, or the ones named); the scheduler relaunches them.",
        discussion: """
            Prints 'Killed instance <id>' per instance. An instance id the pod does not have \
            is an error (exit 3) after the others are killed.

            \(ExitStatus.helpText)
            """)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// The pod id.
    @Argument(help: ArgumentHelp("The pod id.", valueName: "id"))
    public var id: String

    /// The instances to kill; none means all.
    @Argument(help: ArgumentHelp("Instance ids to kill (default: every instance).", valueName: "instance"))
    public var instances: [String] = []

    /// `--wipe`.
    @Flag(name: .long, help: ArgumentHelp(
        "Expunge the instances (destroying reservations and persistent volumes); replacements get new ids."))
    public var wipe = false

    /// `--json`.
    @Flag(name: .long, help: "Print the server's instance documents as JSON.")
    public var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// The pod id must name a pod.
    public func validate() throws {
        try PodCommand.validatePodID(id)
    }

    /// Kills the instances.
    public func run(in context: CommandContext) async throws {
        let client = try global.client(in: context)
        var targets: [String] = []
        for instance in instances where !targets.contains(instance) { targets.append(instance) }
        if targets.isEmpty {
            targets = try await client.status(id).instances.map(\.id)
            if targets.isEmpty {
                if json { context.output.line("[]") } else { context.output.line("Pod \(id) has no instances.") }
                return
            }
        }
        let killed = try await client.killInstances(id, instanceIDs: targets, wipe: wipe)
        if json {
            context.output.line(JSONValue.array(killed.map(\.json)).prettyText)
        } else {
            for instance in killed { context.output.line("Killed instance \(instance.instanceID)") }
        }
        let found = Set(killed.map(\.instanceID))
        let missing = targets.filter { !found.contains($0) }
        if !missing.isEmpty {
            throw PodCtlError(.api, "pod \(id) has no instance \(missing.joined(separator: ", "))")
        }
    }
}
