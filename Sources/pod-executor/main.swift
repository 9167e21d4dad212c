import Foundation
import Logging
import PodExecutorCore
import PodRuntime
import PodSystem

// pod-executor: a custom Mesos executor (ExecutorInfo.type = CUSTOM) that runs task
// groups as pods. The agent starts it with the MESOS_* environment (docs/reference/mesos-executor-protocol.md §2.1).

let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--version") {
    print("pod-executor \(BuildInfo.version)")
    exit(0)
}
if arguments.contains("--print-default-seccomp-profile") {
    print(String(decoding: SeccompProfile.projectDefaultJSON, as: UTF8.self), terminator: "")
    exit(0)
}
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: pod-executor [--version] [--print-default-seccomp-profile] [--cleanup]

    Started by a Mesos agent with the MESOS_* environment (MESOS_FRAMEWORK_ID,
    MESOS_EXECUTOR_ID, MESOS_DIRECTORY, MESOS_AGENT_ENDPOINT, MESOS_CHECKPOINT, …).
    Settings of its own (all optional):
      POD_EXECUTOR_ENCODING        protobuf (default) or json
      POD_EXECUTOR_RUNTIME_DIR     runtime state for podctl agent (/run/mesos-pods)
      POD_EXECUTOR_NETNS_DIR       pod network namespaces (/var/run/netns)
      POD_EXECUTOR_SECCOMP_DIR     named seccomp profiles (/etc/mesos-pods/seccomp)
      POD_EXECUTOR_IMAGE_STORE     image store root (<agent work dir>/pod-images)
      POD_EXECUTOR_REGISTRY_MIRRORS  registry=mirror[:port],… (docker.io=mirror:5000)
      POD_EXECUTOR_INSECURE_REGISTRIES  host:port,… reached over plain HTTP
      POD_EXECUTOR_CNI_CONFIG_DIR  CNI network configurations (/etc/mesos-pods/cni)
      POD_EXECUTOR_CNI_PLUGIN_DIR  CNI plugin directories (/usr/lib/cni:/opt/cni/bin)
      POD_EXECUTOR_CGROUPS         0 disables per-container cgroups
      POD_EXECUTOR_LOG_LEVEL       trace, debug, info (default), warning, error
    """)
    exit(0)
}

signal(SIGPIPE, SIG_IGN)

/// Runs `work` on the concurrency pool while the main thread waits, then exits with its code.
///
/// Not top-level `await`: that makes an async main, whose main thread ends in
/// `dispatch_main()`'s `pthread_exit`, a forced unwind of its stack through the binary's
/// unwind tables. It mapped ~0.6 MB of `.eh_frame` into every executor, for nothing.
func exitAfter(_ work: @escaping @Sendable () async -> Int32) -> Never {
    final class Outcome: @unchecked Sendable {
        // Written once by the task before `done.signal()`, read after `done.wait()`.
        var code: Int32 = 1
    }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        outcome.code = await work()
        done.signal()
    }
    done.wait()
    exit(outcome.code)
}

if arguments.contains("--cleanup") {
    // Run by the embedded agent after an executor ended abnormally, and by operators
    // (podctl agent gc): release what pods of dead executors left behind.
    let env = ProcessEnvironment.current()
    LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    let logger = Logger(label: "pod-executor-cleanup")
    exitAfter {
        await ExecutorMain.cleanup(
            runtimeDirectory: env["POD_EXECUTOR_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/mesos-pods",
            cniConfigDirectory: env["POD_EXECUTOR_CNI_CONFIG_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/mesos-pods/cni",
            cniPluginDirectories: (env["POD_EXECUTOR_CNI_PLUGIN_DIR"] ?? "/usr/lib/cni:/opt/cni/bin").split(separator: ":").map(String.init),
            imageStoreDirectory: env["POD_EXECUTOR_IMAGE_STORE"], logger: logger)
    }
}

let configuration: ExecutorConfiguration
do {
    configuration = try ExecutorConfiguration(environment: ProcessEnvironment.current())
} catch {
    FileHandle.standardError.write(Data("pod-executor: \(error)\n".utf8))
    exit(2)
}

let level = Logger.Level(rawValue: configuration.logLevel.lowercased()) ?? .info
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = level
    return handler
}
var executorLogger = Logger(label: "pod-executor")
executorLogger[metadataKey: "mesos.executor_id"] = "\(configuration.executorID)"
let logger = executorLogger
exitAfter { await ExecutorMain.run(configuration: configuration, logger: logger) }
