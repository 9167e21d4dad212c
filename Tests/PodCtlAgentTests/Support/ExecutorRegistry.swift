import Foundation
import PodSystem
import Testing

// A copy of the registry fixture of Tests/PodExecutorTests/ImageContainerTests.swift.
/// The loopback registry of scripts/fixtures with the test images pushed (Basic auth:
/// testuser/testpass). Started once for the suite.
final class ExecutorRegistry: Sendable {
    let directory: String
    let basic: String

    private actor Holder {
        var value: Result<ExecutorRegistry, TestFailure>?
        func get() async -> Result<ExecutorRegistry, TestFailure> {
            if let value { return value }
            let made = await ExecutorRegistry.make()
            value = made
            return made
        }
    }
    private static let holder = Holder()

    /// The suite's registry, started on first use.
    static func shared() async throws -> ExecutorRegistry {
        try await holder.get().get()
    }

    private static func make() async -> Result<ExecutorRegistry, TestFailure> {
        let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/fixtures").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exec-registry-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Output goes to a file: the registries the script leaves running in the
        // background would keep a pipe open forever.
        func run(_ script: String, _ args: [String]) async -> (Bool, String) {
            let log = dir + "/fixture.log"
            let command = "exec \"$0\" \"$@\" >>\"\(log)\" 2>&1"
            let output = try? await Subprocess.run("/bin/bash", arguments: ["bash", "-c", command, script] + args,
                                                   environment: ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
                                                       + ["FIXTURE_OWNER_PID=\(getpid())"],
                                                   timeout: .seconds(600))
            return (output?.succeeded ?? false, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        let start = await run(scripts + "/registry-fixture.sh", ["start", dir])
        guard start.0 else { return .failure(TestFailure("registry fixture failed: \(start.1)")) }
        let build = await run(scripts + "/build-images.sh", [dir])
        guard build.0 else { return .failure(TestFailure("building test images failed: \(build.1)")) }
        let env = (try? String(contentsOfFile: dir + "/env", encoding: .utf8)) ?? ""
        let basic = env.split(separator: "\n").first { $0.hasPrefix("BASIC=") }.map { String($0.dropFirst(6)) } ?? ""
        return .success(ExecutorRegistry(directory: dir, basic: basic))
    }

    private init(directory: String, basic: String) {
        self.directory = directory
        self.basic = basic
    }

    /// A Docker config.json with credentials for the registry.
    func dockerConfig(user: String = "testuser", password: String = "testpass") -> Data {
        let auth = Data("\(user):\(password)".utf8).base64EncodedString()
        return Data("{\"auths\":{\"\(basic)\":{\"auth\":\"\(auth)\"}}}".utf8)
    }
}
