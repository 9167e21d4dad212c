import Foundation

/// `pod-scheduler local-cluster` as a child process: the embedded master and agent on free
/// loopback ports with a temporary work directory, shared by `SchedulerDaemon`s started
/// with `cluster:`, and killed or stopped and started again on the same state.
final class LocalClusterDaemon: Sendable {
    let workDirectory: String
    let masterPort: Int
    let agentPort: Int
    let extraArguments: [String]
    let process: DaemonProcess

    var masterURL: String { "http://127.0.0.1:\(masterPort)" }
    /// The agent's work directory: sandboxes and checkpoints.
    var agentDirectory: String { workDirectory + "/agent" }
    var pid: pid_t? { process.pid }

    init(extraArguments: [String] = []) throws {
        workDirectory = try DaemonProcess.temporaryDirectory("local-cluster")
        masterPort = try DaemonProcess.freePort()
        agentPort = try DaemonProcess.freePort()
        self.extraArguments = extraArguments
        process = DaemonProcess(binary: "pod-scheduler", logPath: workDirectory + "/local-cluster.log")
    }

    /// The command line, `local-cluster` first (other ports: a second cluster on the same
    /// work directory).
    func arguments(masterPort: Int? = nil, agentPort: Int? = nil) -> [String] {
        ["local-cluster", "--work-dir", workDirectory, "--master-port", "\(masterPort ?? self.masterPort)",
         "--agent-port", "\(agentPort ?? self.agentPort)",
         "--executor", DaemonProcess.binary("pod-executor"), "--cpus", "8", "--mem", "8192",
         "--cni-config-dir", workDirectory + "/cni", "--log-level", "info"] + extraArguments
    }

    /// Starts it (again, on the same work directory and ports) and waits until the master
    /// answers its scheduler API (405 to a GET, as Mesos answers).
    func start(timeout: Duration = .seconds(30)) async throws {
        try await process.start(arguments(), timeout: timeout) { [self] in
            (try? await self.process.request(.GET, self.masterURL + "/api/v1/scheduler").status) == 405
        }
    }

    /// SIGKILL: nothing is flushed, nothing is shut down; executors keep running.
    func kill9() { process.kill9() }

    /// SIGUSR1 (`--zk`): the leading master crashes and another takes over.
    func crashLeadingMaster() {
        guard let pid = process.pid else { return }
        kill(pid, SIGUSR1)
    }

    /// SIGTERM; returns whether it exited on its own within the deadline.
    @discardableResult
    func terminate(timeout: Duration = .seconds(20)) async -> Bool { await process.terminate(timeout: timeout) }

    /// Live pod-executor processes of this cluster's agent, of every framework.
    func executorPIDs() -> Set<pid_t> { DaemonProcess.executorPIDs(under: agentDirectory) }

    func logTail(_ bytes: Int = 4000) -> String { process.logTail(bytes) }

    func wait(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        try await process.wait(what, timeout: timeout, condition)
    }

    /// Stops it, kills executors a failed test left, removes the work directory. Tear the
    /// schedulers down first: they delete their pods.
    func tearDown() async {
        await process.shutdown()
        DaemonProcess.killLeftoverExecutors(under: agentDirectory)
        try? FileManager.default.removeItem(atPath: workDirectory)
    }
}
