import Foundation
import PodCtlKit
import Primitives

/// What one podctl run printed and returned.
struct CLIResult {
    var code: Int32
    var stdout: String
    var stderr: String

    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}

/// Runs the real command line with memory sinks; `PODCTL_URL` points at `url` unless
/// `environment` says otherwise.
func podctl(_ arguments: [String], url: String? = nil, environment: [String: String] = [:],
            stdin: String = "") async -> CLIResult {
    var environment = environment
    if let url, environment["PODCTL_URL"] == nil { environment["PODCTL_URL"] = url }
    let output = MemoryOutputSink()
    let errors = MemoryOutputSink()
    let input = Data(stdin.utf8)
    let context = CommandContext(environment: environment, output: output, errors: errors,
                                 readStandardInput: { input }, pollInterval: .milliseconds(10))
    let code = await PodCtl.run(arguments: arguments, context: context)
    return CLIResult(code: code, stdout: output.text, stderr: errors.text)
}

/// Runs `body` with a fresh fake server and shuts it down afterwards.
func withFakeMarathon<T>(_ body: (FakeMarathon) async throws -> T) async throws -> T {
    let server = try await FakeMarathon.start()
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// A temporary file holding `text`, removed after `body`.
func withTemporaryFile<T>(_ text: String, _ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("podctl-test-\(UUID().uuidString)").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// `text` parsed as JSON.
func parsedJSON(_ text: String) throws -> JSONValue {
    try JSONValue.parse(Data(text.utf8))
}

/// Whether two texts hold the same JSON value.
func sameJSON(_ lhs: String, _ rhs: String) throws -> Bool {
    try parsedJSON(lhs) == parsedJSON(rhs)
}
