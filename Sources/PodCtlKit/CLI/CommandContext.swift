import AsyncHTTPClient
import Foundation

/// What a command may use from its surroundings, built once by `main` (or by a test):
/// the environment, the output streams, standard input and the HTTP client.
///
/// Nothing below ``PodCtl/main()`` reads `ProcessInfo`, standard input or the real output
/// streams directly, so tests run the real commands against these.
public struct CommandContext: Sendable {
    /// The environment variables (`PODCTL_URL`, `PODCTL_TOKEN`).
    public var environment: [String: String]
    /// Results: tables, JSON, `Created deployment …`.
    public var output: any OutputSink
    /// Errors and progress lines.
    public var errors: any OutputSink
    /// Reads all of standard input (for `pod add -`).
    public var readStandardInput: @Sendable () throws -> Data
    /// The HTTP client requests go through.
    public var httpClient: HTTPClient
    /// The pause between two polls while `--wait` waits for a deployment.
    public var pollInterval: Duration

    /// A context from explicit parts.
    public init(environment: [String: String], output: any OutputSink, errors: any OutputSink,
                readStandardInput: @escaping @Sendable () throws -> Data = { Data() },
                httpClient: HTTPClient = SchedulerClient.defaultHTTPClient, pollInterval: Duration = .seconds(1)) {
        self.environment = environment
        self.output = output
        self.errors = errors
        self.readStandardInput = readStandardInput
        self.httpClient = httpClient
        self.pollInterval = pollInterval
    }

    /// The process's own environment, standard streams and the shared HTTP client.
    public static func process() -> CommandContext {
        CommandContext(environment: ProcessInfo.processInfo.environment,
                       output: FileOutputSink.standardOutput, errors: FileOutputSink.standardError,
                       readStandardInput: { try FileHandle.standardInput.readToEnd() ?? Data() })
    }
}
