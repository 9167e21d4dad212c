import Foundation
import PodCtlKit
import Testing

/// The built `podctl` binary as a user runs it: `main.swift`'s entry point, real standard
/// input, output and error, and the exit codes the process returns.
@Suite("the podctl executable")
struct ExecutableTests {
    struct ProcessResult {
        var code: Int32
        var stdout: String
        var stderr: String
    }

    /// `podctl` next to the test bundle (the test target depends on the executable).
    static func binary() throws -> URL {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        for directory in candidates {
            let url = directory.appendingPathComponent("podctl")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "podctl next to \(candidates)"])
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String = "") async throws
        -> ProcessResult {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let exited = AsyncStream<Int32> { continuation in
            process.terminationHandler = { process in
                continuation.yield(process.terminationStatus)
                continuation.finish()
            }
        }
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        var code: Int32 = -1
        for await status in exited { code = status }
        let stdout = try output.fileHandleForReading.readToEnd() ?? Data()
        let stderr = try errors.fileHandleForReading.readToEnd() ?? Data()
        return ProcessResult(code: code, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("usage errors exit 2, not ArgumentParser's 64; --help exits 0 on standard output")
    func usageAndHelp() async throws {
        let usage = try await Self.run(["pod", "list", "--bogus"])
        #expect(usage.code == 2)
        #expect(usage.stderr.contains("Unknown option '--bogus'"))
        let help = try await Self.run(["--help"])
        #expect(help.code == 0)
        #expect(help.stdout.contains("EXIT CODES:"))
    }

    @Test("a closed port exits 4")
    func connection() async throws {
        let url = try await FakeMarathon.closedPortURL()
        let result = try await Self.run(["pod", "list"], environment: ["PODCTL_URL": url])
        #expect(result.code == 4)
        #expect(result.stderr == "podctl: cannot reach the scheduler at \(url): connection refused\n")
    }

    @Test("pod add - reads the real standard input; API errors exit 3")
    func standardInput() async throws {
        try await withFakeMarathon { server throws in
            server.on("POST", "/v2/pods", .json(201, Fixtures.podResponse, headers: ["Marathon-Deployment-Id": "d-1"]),
                      .json(422, Fixtures.invalidPod))
            let created = try await Self.run(["pod", "add", "-"], environment: ["PODCTL_URL": server.url],
                                             stdin: Fixtures.podDefinition)
            #expect(created.code == 0, "\(created.stderr)")
            #expect(created.stdout == "Created deployment d-1\n")
            #expect(server.requests.first?.bodyText == Fixtures.podDefinition)
            let invalid = try await Self.run(["--url", server.url, "pod", "add", "-"], stdin: "{}")
            #expect(invalid.code == 3)
            #expect(invalid.stderr.hasPrefix("podctl: Object is not valid: /containers(0)/resources/cpus"))
        }
    }
}
