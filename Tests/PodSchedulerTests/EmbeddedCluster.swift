import Foundation
@testable import LocalMesos
import Logging
import MesosHTTP
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// A scheduler on an embedded master and agent, in a temporary work directory.
struct EmbeddedCluster {
    let scheduler: Scheduler
    let master: LocalMaster
    let agent: LocalAgent
    let workDirectory: String
    let httpClient: HTTPClientBox

    final class HTTPClientBox: Sendable {
        let client = SchedulerMasterClient.makeHTTPClient()
    }

    static func executorPath() -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("pod-executor").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/debug/pod-executor"
    }

    static func start(workDirectory existing: String? = nil, tune: (inout Scheduler.Configuration) -> Void = { _ in }) async throws -> EmbeddedCluster {
        let base = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("sched-test-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        var agentConfig = AgentConfiguration(workDirectory: base + "/agent", cpus: 4, memoryMB: 8192, diskMB: 20000)
        agentConfig.port = 0
        agentConfig.hostname = "127.0.0.1"
        agentConfig.executorEnvironment = [
            "POD_EXECUTOR_RUNTIME_DIR": base + "/run", "POD_EXECUTOR_NETNS_DIR": base + "/netns",
        ]
        let agent = LocalAgent(configuration: agentConfig, logger: logger)
        var masterConfig = LocalMaster.Configuration()
        masterConfig.port = 0
        let master = LocalMaster(agent: agent, configuration: masterConfig, logger: logger)
        try await agent.start()
        let port = try await master.start()
        var command = Mesos_V1_CommandInfo()
        command.value = executorPath()
        command.shell = false
        command.arguments = ["pod-executor"]
        var config = Scheduler.Configuration(executorCommand: command)
        config.secretsDirectory = base + "/secrets"
        config.tick = .milliseconds(100)
        tune(&config)
        let scheduler = try await Scheduler(configuration: config, databasePath: base + "/state.db", logger: logger)
        let box = HTTPClientBox()
        let endpoint = MesosEndpoint(host: "127.0.0.1", port: port)
        await scheduler.start(masters: [endpoint], client: SchedulerMasterClient(masters: [endpoint], httpClient: box.client))
        return EmbeddedCluster(scheduler: scheduler, master: master, agent: agent, workDirectory: base, httpClient: box)
    }

    func pod(_ json: String) throws -> PodDefinition {
        try PodDefinition.parse(Data(json.utf8))
    }

    /// Waits (deadline) for a condition on the scheduler.
    func wait(_ what: String, timeout: Duration = .seconds(30), _ condition: @escaping @Sendable (Scheduler) async -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !(await condition(scheduler)) {
            guard ContinuousClock.now < deadline else { throw ClusterFailure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Tears the framework down (every pod and executor goes) and stops everything.
    func stop() async {
        if let id = await scheduler.frameworkID {
            await master.removeFramework(id)
            let deadline = ContinuousClock.now.advanced(by: .seconds(15))
            while !(await agent.liveExecutors(frameworkID: id).isEmpty) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        await scheduler.stop()
        await master.stop()
        await agent.stop()
        try? await httpClient.client.shutdown()
        umount2(workDirectory + "/netns", Int32(MNT_DETACH))
        try? FileManager.default.removeItem(atPath: workDirectory)
    }
}

struct ClusterFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
