import ArgumentParser
import Foundation
import PodCtlKit

/// `podctl agent ps [--json]`: every pod instance on this agent and its containers, with
/// state, health, pids, uptime and cgroup memory and CPU use.
public struct AgentPsCommand: ContextualCommand {
    /// `ps`.
    public static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List the pod instances and containers on this agent.",
        discussion: """
            One row per container: STATE is the last task state its executor sent, HEALTH the \
            last health result (- without a health check), PID the host pid of its main \
            process, MEM and CPU its cgroup's memory use (of its limit) and CPU time.
            """)

    @OptionGroup var agent: AgentOptions

    /// `--json`.
    @Flag(name: .long, help: "Print every instance as JSON (the fields of 'agent inspect --json').")
    var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Lists the instances.
    public func run(in context: CommandContext) async throws {
        let (instances, problems) = try agent.runtime.instances()
        for problem in problems { context.errors.line("podctl: warning: \(problem)") }
        let reports = instances.map { InstanceReport($0) }
        if json {
            context.output.line(try InstanceReport.json(reports))
            return
        }
        context.output.write(Self.table(reports).text)
        let orphans = reports.filter { !$0.executorRunning }
        if !orphans.isEmpty {
            context.errors.line("podctl: the executors of \(orphans.map(\.instance).joined(separator: ", ")) are gone; 'podctl agent gc' cleans up after them")
        }
    }

    static func table(_ reports: [InstanceReport]) -> Table {
        var table = Table(headers: ["INSTANCE", "CONTAINER", "STATE", "HEALTH", "PID", "UPTIME", "MEM", "CPU"])
        for report in reports {
            if report.containers.isEmpty {
                table.rows.append([report.instance, "-", report.executorRunning ? "starting" : "executor gone", "-", "-", "-", "-", "-"])
            }
            for c in report.containers {
                var state = c.state ?? (c.running ? "running" : "ended")
                if !report.executorRunning { state += " (executor gone)" }
                let memory = c.memoryBytes.map { used in
                    Formatting.bytes(used) + (c.memoryLimitBytes.map { "/" + Formatting.bytes($0) } ?? "")
                } ?? "-"
                table.rows.append([report.instance, c.name, state, c.health ?? "-",
                                   c.pids.first.map(String.init) ?? "-", c.uptimeSeconds.map(Formatting.duration) ?? "-",
                                   memory, c.cpuSeconds.map(Formatting.cpu) ?? "-"])
            }
        }
        return table
    }
}
