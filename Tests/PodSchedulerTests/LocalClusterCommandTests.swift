import Foundation
import Testing

/// The `local-cluster` subcommand's command line, and the root command next to it. No pod
/// runs here, so nothing needs root.
@Suite(.serialized)
struct LocalClusterCommandTests {
    /// Runs pod-scheduler to its end (deadline 30 s); returns its exit code and output.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let directory = try DaemonProcess.temporaryDirectory("pod-scheduler-cli")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = DaemonProcess(binary: "pod-scheduler", logPath: directory + "/output")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: process.binary)
        p.arguments = arguments
        _ = FileManager.default.createFile(atPath: process.logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: process.logPath))
        p.standardOutput = log
        p.standardError = log
        try p.run()
        try await process.wait("pod-scheduler \(arguments.first ?? "") to exit", timeout: .seconds(30)) { !p.isRunning }
        p.waitUntilExit()
        try? await process.client.shutdown()
        return (p.terminationStatus, process.logTail(20_000))
    }

    @Test("bad local-cluster flags: every problem listed, exit code 2, nothing started")
    func badFlags() async throws {
        let workDir = try DaemonProcess.temporaryDirectory("lc-bad")
        defer { try? FileManager.default.removeItem(atPath: workDir) }
        let (status, output) = try await Self.run([
            "local-cluster", "--work-dir", workDir, "--cpus=-1", "--mem", "3", "--ports", "31000-x", "--address", "localhost",
            "--agent-port", "0", "--master-port", "70000", "--log-level", "loud", "--docker-registry", "a/b",
            "--executor", "pod-executor", "--image-store", "images", "--credentials", workDir + "/no-such-credentials.json",
        ])
        #expect(status == 2, "\(output)")
        #expect(output.hasPrefix("pod-scheduler local-cluster: cannot start:\n"), "\(output)")
        for problem in ["--cpus must be positive", "--mem must be at least 32", "--ports: '31000-x'", "--address: 'localhost'",
                        "--agent-port: 0 is not allowed", "--master-port: 70000 is not a port", "--log-level: 'loud'",
                        "--docker-registry: 'a/b'", "--executor: pod-executor", "--image-store: images", "--credentials: "] {
            #expect(output.contains("  - \(problem)"), "\(problem) in \(output)")
        }
        #expect(!FileManager.default.fileExists(atPath: workDir + "/agent"), "nothing started")
    }

    @Test("the root command still runs without a subcommand, and options before local-cluster are refused")
    func rootCommand() async throws {
        let workDir = try DaemonProcess.temporaryDirectory("root-bad")
        defer { try? FileManager.default.removeItem(atPath: workDir) }
        // The root's own checks answer: its run() ran.
        let root = try await Self.run(["--work-dir", workDir, "--local-ports", "x", "--master", "local"])
        #expect(root.status == 2)
        #expect(root.output.hasPrefix("pod-scheduler: cannot start:\n  - --local-ports: 'x'"), "\(root.output)")
        // The root would have taken --work-dir for itself: refused rather than ignored.
        let misplaced = try await Self.run(["--work-dir", workDir, "local-cluster"])
        #expect(misplaced.status == 2)
        #expect(misplaced.output.contains("local-cluster must be the first argument"), "\(misplaced.output)")
        let help = try await Self.run(["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("SUBCOMMANDS:") && help.output.contains("local-cluster"))
        #expect(help.output.contains("--local-master-port"), "the root's options are unchanged")
        let subHelp = try await Self.run(["local-cluster", "--help"])
        #expect(subHelp.output.contains("USAGE: pod-scheduler local-cluster"), "\(subHelp.output)")
        #expect(subHelp.output.contains("--master-port") && !subHelp.output.contains("--local-master-port"))
    }

    @Test("local-cluster prints its master URL, serves, refuses a second cluster on its work dir, and exits on SIGTERM")
    func servesUntilSIGTERM() async throws {
        let cluster = try LocalClusterDaemon()
        do {
            try await cluster.start()
            #expect(cluster.logTail().contains("\n\(cluster.masterURL)\n") || cluster.logTail().hasPrefix("\(cluster.masterURL)\n"),
                    "the URL alone on a line of stdout")
            let second = try await Self.run(cluster.arguments(masterPort: 0, agentPort: try DaemonProcess.freePort()))
            #expect(second.status != 0)
            #expect(second.output.contains("another pod-scheduler runs an embedded Mesos on \(cluster.workDirectory)"), "\(second.output)")
            #expect(await cluster.terminate(), "exits on SIGTERM")
            #expect(cluster.logTail().contains("shutting down"))
            // Started again on the same work directory: the agent keeps its id.
            let latest = cluster.agentDirectory + "/meta/slaves/latest"
            let agentID = try String(contentsOfFile: latest, encoding: .utf8)
            try await cluster.start()
            #expect(try String(contentsOfFile: latest, encoding: .utf8) == agentID)
        } catch {
            await cluster.tearDown()
            throw error
        }
        await cluster.tearDown()
    }
}
