import ArgumentParser
import PodCtlKit

/// The option every `agent` command takes: where the executors publish their state.
public struct AgentOptions: ParsableArguments, Sendable {
    /// pod-executor's default `POD_EXECUTOR_RUNTIME_DIR`.
    public static let defaultRuntimeDirectory = "/run/mesos-pods"

    /// `--runtime-dir`.
    @Option(name: .customLong("runtime-dir"), help: ArgumentHelp(
        "The executors' runtime directory (pod-executor's POD_EXECUTOR_RUNTIME_DIR).", valueName: "dir"))
    public var runtimeDirectory: String = AgentOptions.defaultRuntimeDirectory

    /// Options as parsed.
    public init() {}

    /// The runtime directory these options name.
    var runtime: RuntimeDirectory { RuntimeDirectory(path: runtimeDirectory) }
}
