import PodTestFixtures
import Foundation
import PodCtlAgent
import MesosProtocol
import PodCtlKit

/// What one podctl run printed and returned.
struct CLIResult: CustomStringConvertible {
    var code: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(code)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// podctl with the agent group, as `main.swift` wires it (set once, thread-safely).
enum AgentCLI {
    private static let installed: Void = { PodCtl.extraSubcommands = [AgentCommand.self] }()

    /// Runs `podctl agent <arguments>` in-process with memory sinks.
    static func run(_ arguments: [String], stdin: String = "", environment: [String: String] = [:]) async -> CLIResult {
        _ = installed
        let output = MemoryOutputSink()
        let errors = MemoryOutputSink()
        let input = Data(stdin.utf8)
        let context = CommandContext(environment: environment, output: output, errors: errors, readStandardInput: { input })
        let code = await PodCtl.run(arguments: ["agent"] + arguments, context: context)
        return CLIResult(code: code, stdout: output.text, stderr: errors.text)
    }
}

extension TestCluster {
    /// `podctl agent <command> --runtime-dir <this cluster's> <rest>`.
    func podctl(_ command: String, _ rest: [String] = [], stdin: String = "") async -> CLIResult {
        await AgentCLI.run([command, "--runtime-dir", runtimeDirectory] + rest, stdin: stdin)
    }

    /// The pod instance state files of this cluster, decoded as JSON.
    func stateFiles() -> [String: String] {
        var files: [String: String] = [:]
        let pods = runtimeDirectory + "/pods"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: pods)) ?? [] {
            files[name] = try? String(contentsOfFile: pods + "/" + name + "/state.json", encoding: .utf8)
        }
        return files
    }

    /// Waits until `podctl agent ps --json` shows `count` running containers.
    func waitForRunning(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [[String: Any]] {
        var last = ""
        return try await waitFor("\(count) running containers in podctl agent ps", timeout: timeout,
                                 state: { "last:\n\(last)\nupdates:\n" + (await master.describe()) }) {
            let result = await podctl("ps", ["--json"])
            last = result.description
            guard let instances = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else { return nil }
            let containers = instances.flatMap { ($0["containers"] as? [[String: Any]]) ?? [] }
            let running = containers.filter { ($0["running"] as? Bool) == true && ($0["pids"] as? [Any])?.isEmpty == false }
            return running.count >= count ? instances : nil
        }
    }
}

/// A shell task's environment variable (secret ones arrive as values, as the scheduler sends them).
func variable(_ name: String, _ value: String, secret: Bool = false) -> Mesos_V1_Environment.Variable {
    var v = Mesos_V1_Environment.Variable()
    v.name = name
    if secret {
        v.type = .secret
        v.secret.type = .value
        v.secret.value.data = Data(value.utf8)
    } else {
        v.value = value
    }
    return v
}
