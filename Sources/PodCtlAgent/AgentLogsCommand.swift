import ArgumentParser
import PodCtlKit
import PodRuntime
import PodSystem

/// `podctl agent logs INSTANCE CONTAINER [-f] [--tail N] [--stderr]`: a container's
/// standard output (or error) from its sandbox.
public struct AgentLogsCommand: ContextualCommand {
    /// `logs`.
    public static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a container's standard output (or error) from its sandbox.",
        discussion: """
            With --follow, new output is printed as it is written until the container ends \
            (or its pod instance goes away); interrupt to stop earlier.
            """)

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The pod instance.", valueName: "instance"))
    var instance: String

    @Argument(help: ArgumentHelp("The container name or task id.", valueName: "container"))
    var container: String

    /// `-f`.
    @Flag(name: [.short, .long], help: "Keep printing new output until the container ends.")
    var follow = false

    /// `--tail N`.
    @Option(name: .long, help: ArgumentHelp("Only the last N lines.", valueName: "N"))
    var tail: Int?

    /// `--stderr`.
    @Flag(name: .long, help: "Standard error instead of standard output.")
    var stderr = false

    /// How often `--follow` looks for new output.
    static let pollInterval: Duration = .milliseconds(200)

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Rejects a negative `--tail`.
    public func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
    }

    /// Prints the log.
    public func run(in context: CommandContext) async throws {
        let pod = try agent.runtime.instance(instance)
        let record = try pod.container(container)
        let file = LogFile(path: Self.logPath(record, pod: pod.snapshot, stderr: stderr))
        guard file.size() != nil else {
            throw PodCtlError(.api, "no \(stderr ? "stderr" : "stdout") log for \(record.displayName) at \(file.path)")
        }
        let out = ByteOutput.output(context)
        defer { out.finish() }
        var offset: Int64 = 0
        do {
            if let tail { offset = try file.offsetOfLastLines(tail) }
            offset += try copy(file, from: offset, to: out)
        } catch {
            throw PodCtlError(.api, "cannot read \(file.path): \(SystemError.message(for: error.errno))")
        }
        guard follow else { return }
        while !Task.isCancelled {
            let stillRunning = pod.reloaded().map { reloaded -> Bool in
                guard let c = try? reloaded.container(container) else { return false }
                return c.running && ProcFS.isContainerInit(c.initPID, executorPID: reloaded.snapshot.executorPID)
            } ?? false
            if let size = file.size(), size < offset { offset = 0 }  // truncated
            offset += (try? copy(file, from: offset, to: out)) ?? 0
            if !stillRunning {
                // One last read: what the container wrote as it ended.
                offset += (try? copy(file, from: offset, to: out)) ?? 0
                return
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
    }

    /// Copies everything from `offset` on; returns the number of bytes.
    private func copy(_ file: LogFile, from offset: Int64, to out: ByteOutput) throws(SystemError) -> Int64 {
        var position = offset
        while true {
            let bytes = try file.read(from: position, limit: 1 << 20)
            if bytes.isEmpty { return position - offset }
            out.write(bytes)
            position += Int64(bytes.count)
        }
    }

    /// `<container sandbox>/stdout`, or the task link of records without a sandbox.
    static func logPath(_ c: PodStateSnapshot.Container, pod: PodStateSnapshot, stderr: Bool) -> String {
        let name = stderr ? "stderr" : "stdout"
        if !c.sandbox.isEmpty { return c.sandbox + "/" + name }
        return pod.sandbox + "/tasks/" + PodConfiguration.safeName(c.taskID) + "/" + name
    }
}
