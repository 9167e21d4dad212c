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
            Without --tail, the rotated files the executor kept (stdout.N ... stdout.1) come first. \
            With --follow, new output is printed as it is written, across rotations, until the \
            container ends (or its pod instance goes away); interrupt to stop earlier.
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
            guard follow || tail == nil else {
                _ = try copy(file, from: offset, to: out)
                return
            }
        } catch {
            throw PodCtlError(.api, "cannot read \(file.path): \(SystemError.message(for: error.errno))")
        }
        var follower: LogFollower
        do { follower = try LogFollower(path: file.path, offset: offset) } catch {
            throw PodCtlError(.api, "cannot read \(file.path): \(SystemError.message(for: error.errno))")
        }
        defer { follower.close() }
        // Without --tail: what the rotation kept (stdout.<n> … stdout.1), then the current file.
        if tail == nil { follower.printRotated { out.write($0) } }
        guard follow else {
            _ = follower.drain { out.write($0) }
            return
        }
        try await follow(&follower, pod: pod, to: out, context: context)
    }

    /// Prints new output until the container ends: at once while it is being written (so a
    /// fast writer does not rotate files away unread), every `pollInterval` when it is quiet.
    private func follow(_ follower: inout LogFollower, pod: AgentPodInstance, to out: ByteOutput,
                        context: CommandContext) async throws {
        var quietRounds = 0
        while !Task.isCancelled {
            if follower.drain({ out.write($0) }) > 0 {
                quietRounds = 0
                await Task.yield()
                continue
            }
            quietRounds += 1
            if quietRounds > 8 {
                let stillRunning = pod.reloaded().map { reloaded -> Bool in
                    guard let c = try? reloaded.container(container) else { return false }
                    return c.running && ProcFS.isContainerInit(c.initPID, executorPID: reloaded.snapshot.executorPID)
                } ?? false
                if !stillRunning {
                    // One last read: what the container wrote as it ended.
                    _ = follower.drain { out.write($0) }
                    break
                }
            }
            try? await Task.sleep(for: quietRounds > 8 ? Self.pollInterval : .milliseconds(5 << min(quietRounds, 5)))
        }
        if follower.missedFiles > 0 {
            context.errors.line("podctl: \(follower.missedFiles) rotated log file(s) were removed before they could be read")
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
