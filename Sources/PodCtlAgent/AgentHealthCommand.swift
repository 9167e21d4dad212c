import ArgumentParser
import Foundation
import NIOPosix
import PodCtlKit
import PodRuntime

/// `podctl agent health INSTANCE CONTAINER [--timeout S] [--json]`: runs a container's
/// health check once, now, the way its executor runs it.
public struct AgentHealthCommand: ContextualCommand {
    /// `health`.
    public static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Run a container's health check once, now, and print the result and its timing.",
        discussion: """
            HTTP(S) and TCP checks connect to the loopback address inside the pod's network \
            namespace; command checks run inside the container (as 'agent exec' does). The \
            executor's own checks go on as before and do not see this result. Exits 0 when \
            healthy, 1 when the check failed.
            """)

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The pod instance.", valueName: "instance"))
    var instance: String

    @Argument(help: ArgumentHelp("The container name or task id.", valueName: "container"))
    var container: String

    /// `--timeout`.
    @Option(name: .long, help: ArgumentHelp("Seconds to wait (default: the check's own timeout).", valueName: "seconds"))
    var timeout: Double?

    /// `--json`.
    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// What `--json` prints.
    struct Result: Codable, Equatable {
        var instance: String
        var container: String
        var check: String
        var healthy: Bool
        var detail: String
        var milliseconds: Double
    }

    /// Runs the check.
    public func run(in context: CommandContext) async throws {
        let pod = try agent.runtime.instance(instance)
        let record = try pod.runningContainer(container)
        guard let definition = record.healthCheckDefinition else {
            throw PodCtlError(.api, "container \(record.displayName) of \(pod.name) has no health check" +
                              (record.process == nil ? " recorded (an older pod-executor)" : ""))
        }
        guard let kind = definition.kind else {
            throw PodCtlError(.api, "the health check of \(record.displayName) is of a kind this podctl does not know: \(definition.type)")
        }
        var entry: RunningContainerInfo?
        if case .command = kind { entry = try ContainerEntry.info(record, of: pod) }
        let seconds = timeout ?? definition.timeoutSeconds
        let limit: Duration = seconds > 0 ? .milliseconds(Int64(seconds * 1000)) : .zero
        let prober = HealthProber(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let clock = ContinuousClock()
        let start = clock.now
        let result = await prober.probe(kind, networkNamespacePath: pod.snapshot.networkNamespace, container: entry, timeout: limit)
        let elapsed = start.duration(to: clock.now)
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        if json {
            context.output.line(try InstanceReport.json(Result(instance: pod.name, container: record.displayName, check: definition.summary,
                                                               healthy: result.healthy, detail: result.detail, milliseconds: ms)))
        } else {
            context.output.line("\(definition.summary)")
            context.output.line("\(result.healthy ? "healthy" : "unhealthy"): \(result.detail) (\(String(format: "%.1f", ms)) ms)")
        }
        if !result.healthy { throw CommandExitCode(ExitStatus.failure.rawValue) }
    }
}
