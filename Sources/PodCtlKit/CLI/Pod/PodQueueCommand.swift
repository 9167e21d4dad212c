import ArgumentParser
import Primitives

/// `podctl pod queue [ID] [--offers] [--json] [--reset-delay]`: the launch queue
/// (`GET /v2/queue`): which instances wait for an offer or their backoff, and why the
/// offers did not fit.
public struct PodQueueCommand: ContextualCommand {
    /// `queue`.
    public static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Show the instances waiting to launch, and why offers did not fit them.",
        discussion: """
            WAITING FOR is 'offers', or the backoff after failed launches with its seconds \
            left. DECLINED BY counts the last offer of each agent under the first reason it \
            did not fit, as declined/processed in Marathon's reason funnel (UnfulfilledRole, \
            UnfulfilledConstraint, ..., InsufficientCpus, InsufficientMemory, InsufficientDisk, \
            InsufficientGpus, InsufficientPorts). --offers lists each agent's last unused offer \
            with every reason. --reset-delay ends the pod's backoff (DELETE /v2/queue/ID/delay).

            \(ExitStatus.helpText)
            """)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// Only this pod.
    @Argument(help: ArgumentHelp("Only this pod (default: every pod).", valueName: "id"))
    public var id: String?

    /// `--offers`.
    @Flag(name: .long, help: "Also list the last unused offer of each agent with all of its reasons.")
    public var offers = false

    /// `--reset-delay`.
    @Flag(name: .customLong("reset-delay"), help: "Reset the pod's launch backoff instead (needs the pod id).")
    public var resetDelay = false

    /// `--json`.
    @Flag(name: .long, help: "Print the server's queue items as JSON.")
    public var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// A given id must name a pod; `--reset-delay` needs one.
    public func validate() throws {
        if let id { try PodCommand.validatePodID(id) }
        if resetDelay && id == nil { throw ValidationError("--reset-delay needs the pod id") }
        if resetDelay && (offers || json) { throw ValidationError("--reset-delay cannot be combined with --offers or --json") }
    }

    /// Prints the queue, or resets a delay.
    public func run(in context: CommandContext) async throws {
        let client = try global.client(in: context)
        if resetDelay, let id {
            try await client.resetDelay(id)
            context.output.line("Reset the launch delay of \(Self.absolute(id))")
            return
        }
        var items = try await client.queue(lastUnusedOffers: offers || json)
        if let id { items = items.filter { $0.id == Self.absolute(id) } }
        if json {
            context.output.line(JSONValue.array(items.map(\.json)).prettyText)
        } else {
            context.output.write(QueueFormatter.table(items, offers: offers))
        }
    }

    /// `/a/b` for `a/b`, `/a/b/` or `/a/b`.
    static func absolute(_ id: String) -> String {
        "/" + id.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }
}
