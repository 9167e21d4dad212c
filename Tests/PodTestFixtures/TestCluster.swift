import Foundation
import LocalMesos
import Logging
import MesosProtocol
import Synchronization

/// A master stand-in for executor tests: records what the agent forwards and
/// acknowledges updates the way a scheduler would.
public actor RecordingMaster: AgentMasterLink {
    public private(set) var updates: [Mesos_V1_TaskStatus] = []
    public private(set) var failures: [(executorID: String, status: Int32)] = []
    public private(set) var messages: [[UInt8]] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []
    public var agent: LocalAgent?
    public var autoAcknowledge = true

    public func attach(_ agent: LocalAgent) { self.agent = agent }
    public func setAutoAcknowledge(_ on: Bool) { autoAcknowledge = on }

    public func forward(update: Mesos_V1_TaskStatus, frameworkID: String) async {
        updates.append(update)
        notify()
        if autoAcknowledge, update.hasUuid, let agent {
            let taskID = update.taskID.value
            let uuid = Array(update.uuid)
            Task { await agent.acknowledge(frameworkID: frameworkID, taskID: taskID, uuid: uuid) }
        }
    }

    public func executorTerminated(frameworkID: String, executorID: String, agentID: String, status: Int32) async {
        failures.append((executorID, status))
        notify()
    }

    public func executorMessage(frameworkID: String, executorID: String, agentID: String, data: [UInt8]) async {
        messages.append(data)
        notify()
    }

    public func resourcesFreed() async {}

    private func notify() {
        let w = waiters
        waiters.removeAll()
        for c in w { c.resume() }
    }

    private func waitForChange() async {
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Waits (with a deadline) until `condition` holds over the recorded updates.
    public func wait(timeout: Duration = .seconds(20), _ what: String,
              until condition: @Sendable ([Mesos_V1_TaskStatus]) -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !condition(updates) {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("timed out waiting for \(what); updates so far:\n" + describe())
            }
            let me = self
            let timer = Task { try? await Task.sleep(for: .milliseconds(200)); await me.poke() }
            await waitForChange()
            timer.cancel()
        }
    }

    private func poke() { notify() }

    public func waitForFailure(timeout: Duration = .seconds(20)) async throws -> (executorID: String, status: Int32) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while failures.isEmpty {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting for the executor to end") }
            let me = self
            let timer = Task { try? await Task.sleep(for: .milliseconds(200)); await me.poke() }
            await waitForChange()
            timer.cancel()
        }
        return failures[0]
    }

    public func states(_ taskID: String) -> [Mesos_V1_TaskState] {
        updates.filter { $0.taskID.value == taskID }.map(\.state)
    }

    public func last(_ taskID: String) -> Mesos_V1_TaskStatus? {
        updates.last { $0.taskID.value == taskID }
    }

    public func describe() -> String {
        updates.map { u in
            "  \(u.taskID.value) \(u.state.name) \(u.hasReason ? "\(u.reason)" : "-") \(u.hasHealthy ? "healthy=\(u.healthy)" : "") \(u.message)"
        }.joined(separator: "\n")
    }
}

public typealias TestFailure = FixtureFailure

/// An embedded agent plus a recording master in a temporary work directory.
public struct TestCluster {
    public let agent: LocalAgent
    public let master: RecordingMaster
    public let workDirectory: String
    public let runtimeDirectory: String
    public let netnsDirectory: String
    public let framework: Mesos_V1_FrameworkInfo

    public static func executorPath() -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        var dir = testBinary.deletingLastPathComponent()
        // The test bundle may be a directory (macOS) or a file next to the products.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("pod-executor").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/pod-executor").path
    }

    public static func start(checkpoint: Bool = true, encoding: String = "protobuf",
                      extraEnvironment: [String: String] = [:],
                      tune: (inout AgentConfiguration) -> Void = { _ in }) async throws -> TestCluster {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("mesos-pods-test-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        var config = AgentConfiguration(workDirectory: base + "/work", cpus: 2, memoryMB: 4096, diskMB: 10000)
        config.port = 0
        config.hostname = "127.0.0.1"
        config.executorEnvironment = [
            "POD_EXECUTOR_RUNTIME_DIR": base + "/run",
            "POD_EXECUTOR_NETNS_DIR": base + "/netns",
            "POD_EXECUTOR_ENCODING": encoding,
            "POD_EXECUTOR_LOG_LEVEL": "debug",
            "POD_EXECUTOR_CNI_CONFIG_DIR": base + "/cni",
            "POD_EXECUTOR_IMAGE_STORE": base + "/images",
        ].merging(extraEnvironment) { _, b in b }
        config.executorCleanupCommand = [executorPath(), "--cleanup"]
        tune(&config)
        var logger = Logger(label: "test-agent")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_AGENT_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let agent = LocalAgent(configuration: config, logger: logger)
        let master = RecordingMaster()
        await master.attach(agent)
        await agent.setMasterLink(master)
        try await agent.start()
        var framework = Mesos_V1_FrameworkInfo()
        framework.user = "root"
        framework.name = "test"
        framework.id = Mesos_V1_FrameworkID("fw-\(UUID().uuidString.prefix(8))")
        framework.checkpoint = checkpoint
        framework.failoverTimeout = 300
        framework.capabilities = [Mesos_V1_FrameworkInfo.Capability.TypeEnum.taskKillingState, .partitionAware, .multiRole].map { t in
            var c = Mesos_V1_FrameworkInfo.Capability()
            c.type = t
            return c
        }
        return TestCluster(agent: agent, master: master, workDirectory: base, runtimeDirectory: base + "/run",
                           netnsDirectory: base + "/netns", framework: framework)
    }

    public func executorInfo(_ id: String, networks: [String]? = nil, portMappings: [(UInt32, UInt32)] = []) -> Mesos_V1_ExecutorInfo {
        var info = Mesos_V1_ExecutorInfo()
        info.type = .custom
        info.executorID = Mesos_V1_ExecutorID(id)
        info.frameworkID = framework.id
        info.command.value = Self.executorPath()
        info.command.shell = false
        info.command.arguments = ["pod-executor"]
        info.resources = [.scalar("cpus", 0.1), .scalar("mem", 32), .scalar("disk", 10)]
        if let networks {
            info.container.type = .mesos
            info.container.networkInfos = networks.map { n in
                var ni = Mesos_V1_NetworkInfo()
                if !n.isEmpty { ni.name = n }
                ni.portMappings = portMappings.map { host, container in
                    var m = Mesos_V1_NetworkInfo.PortMapping()
                    m.hostPort = host
                    m.containerPort = container
                    m.protocol = "tcp"
                    return m
                }
                return ni
            }
        }
        return info
    }

    public func launch(_ executor: Mesos_V1_ExecutorInfo, _ tasks: [Mesos_V1_TaskInfo]) async {
        await agent.launchGroup(framework: framework, executor: executor, tasks: tasks)
    }

    public func kill(_ taskID: String, grace: Duration? = nil) async {
        var policy: Mesos_V1_KillPolicy?
        if let grace {
            var p = Mesos_V1_KillPolicy()
            p.gracePeriod.nanoseconds = grace.components.seconds * 1_000_000_000 + grace.components.attoseconds / 1_000_000_000
            policy = p
        }
        _ = await agent.killTask(frameworkID: framework.id.value, taskID: taskID, killPolicy: policy)
    }

    /// The executor sandbox (runs/latest).
    public func sandbox(_ executorID: String) async -> String {
        let agentID = await agent.agentID
        return workDirectory + "/work/slaves/\(agentID)/frameworks/\(framework.id.value)/executors/\(executorID)/runs/latest"
    }

    /// Tears the framework down and returns what was left behind (processes in the
    /// agent's executor cgroups, mounts below the work directory, netns files).
    @discardableResult
    public func stop() async -> [String] {
        await agent.shutdownFramework(frameworkID: framework.id.value)
        _ = try? await master.waitForFailure(timeout: .seconds(15))
        await agent.stop()
        var leftovers: [String] = []
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { continue }
            let point = String(fields[4])
            if point.hasPrefix(workDirectory) && point != netnsDirectory { leftovers.append("mount \(point)") }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: netnsDirectory)) ?? [] {
            leftovers.append("netns \(name)")
        }
        umount2(netnsDirectory, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(atPath: workDirectory)
        return leftovers
    }
}

/// A TaskInfo with a shell command.
public func shellTask(_ id: String, name: String? = nil, _ command: String, cpus: Double = 0.1, mem: Double = 32,
               volumes: [Mesos_V1_Volume] = []) -> Mesos_V1_TaskInfo {
    var t = Mesos_V1_TaskInfo()
    t.name = name ?? id
    t.taskID = Mesos_V1_TaskID(id)
    t.agentID = Mesos_V1_AgentID("agent")
    t.resources = [.scalar("cpus", cpus), .scalar("mem", mem)]
    t.command.shell = true
    t.command.value = command
    if !volumes.isEmpty {
        t.container.type = .mesos
        t.container.volumes = volumes
    }
    return t
}

/// An ephemeral pod volume as Marathon sends it (SANDBOX_PATH PARENT volumes/<name>).
public func podVolume(_ name: String, at path: String, readOnly: Bool = false) -> Mesos_V1_Volume {
    var v = Mesos_V1_Volume()
    v.containerPath = path
    v.mode = readOnly ? .ro : .rw
    v.source.type = .sandboxPath
    v.source.sandboxPath.type = .parent
    v.source.sandboxPath.path = "volumes/\(name)"
    return v
}

public func isRoot() -> Bool { getuid() == 0 }

/// A TaskInfo running `image` from a registry, with `config` as its Docker config.json
/// (pullConfig) when given.
public func imageTask(_ id: String, image: String, config: Data?, command: String?, forcePull: Bool = false) -> Mesos_V1_TaskInfo {
    var t = Mesos_V1_TaskInfo()
    t.name = id
    t.taskID = Mesos_V1_TaskID(id)
    t.agentID = Mesos_V1_AgentID("agent")
    t.resources = [.scalar("cpus", 0.1), .scalar("mem", 64)]
    if let command {
        t.command.shell = true
        t.command.value = command
    } else {
        t.command.shell = false
    }
    t.container.type = .mesos
    t.container.mesos.image.type = .docker
    t.container.mesos.image.docker.name = image
    if forcePull { t.container.mesos.image.cached = false }
    if let config {
        t.container.mesos.image.docker.config.type = .value
        t.container.mesos.image.docker.config.value.data = config
    }
    return t
}

/// A Mesos health check: HTTP GET / or TCP on `port`, or the shell `command`.
public func healthCheck(_ type: Mesos_V1_HealthCheck.TypeEnum, port: UInt32 = 0, command: String? = nil, delay: Double = 0,
                        interval: Double = 0.5, timeout: Double = 1, grace: Double = 2, failures: UInt32 = 2) -> Mesos_V1_HealthCheck {
    var hc = Mesos_V1_HealthCheck()
    hc.type = type
    switch type {
    case .http:
        hc.http.port = port
        hc.http.path = "/"
    case .tcp:
        hc.tcp.port = port
    default:
        hc.command.shell = true
        hc.command.value = command ?? "true"
    }
    hc.delaySeconds = delay
    hc.intervalSeconds = interval
    hc.timeoutSeconds = timeout
    hc.gracePeriodSeconds = grace
    hc.consecutiveFailures = failures
    return hc
}
