import Foundation
import Logging
import MesosHTTP
import MesosProtocol
import PodRuntime
import PodSystem

/// The executor: drives `ExecutorStateMachine` with events from the agent connection,
/// the pod runtime, health checkers and timers, and performs the actions it returns.
public actor Executor {
    typealias Event = ExecutorStateMachine.Event
    typealias Action = ExecutorStateMachine.Action

    let configuration: ExecutorConfiguration
    let client: ExecutorAgentClient
    let pod: Pod
    let logger: Logger
    var machine: ExecutorStateMachine
    let events: AsyncStream<Event>
    let eventSink: AsyncStream<Event>.Continuation
    private var timers: [ExecutorStateMachine.Timer: Task<Void, Never>] = [:]
    private var connectionTask: Task<Void, Never>?
    private var reconnectSignal: AsyncStream<Void>.Continuation?
    private let updateQueue: AsyncStream<[UInt8]>.Continuation
    private let updateStream: AsyncStream<[UInt8]>
    private var updateSender: Task<Void, Never>?
    private var exitsForwarder: Task<Void, Never>?
    var health: [String: HealthCheckRunner] = [:]
    var healthPaused = false
    let healthProber: HealthProber
    /// Where the pod's secrets come from (nil: this executor has no scheduler address).
    let secretsClient: InstanceSecretsClient?
    private var exitCode: Int32?
    private var stateWriter: StateWriter

    public init(configuration: ExecutorConfiguration, client: ExecutorAgentClient, pod: Pod, healthProber: HealthProber,
                secretsClient: InstanceSecretsClient? = nil, logger: Logger) {
        self.configuration = configuration
        self.secretsClient = secretsClient
        self.client = client
        self.pod = pod
        self.logger = logger
        self.healthProber = healthProber
        var smConfig = ExecutorStateMachine.Configuration(
            executorID: Mesos_V1_ExecutorID(configuration.executorID),
            frameworkID: Mesos_V1_FrameworkID(configuration.frameworkID),
            checkpoint: configuration.checkpoint, recoveryTimeout: configuration.recoveryTimeout,
            shutdownGracePeriod: configuration.shutdownGracePeriod)
        smConfig.defaultKillGrace = .seconds(3)
        machine = ExecutorStateMachine(configuration: smConfig, now: { Date().timeIntervalSince1970 })
        (events, eventSink) = AsyncStream.makeStream(of: Event.self)
        (updateStream, updateQueue) = AsyncStream.makeStream(of: [UInt8].self)
        stateWriter = StateWriter(directory: pod.configuration.stateDirectory, logger: logger)
    }

    /// Runs until the executor decides to exit; returns the process exit code.
    public func run() async -> Int32 {
        logger.info("pod executor starting", metadata: ["mesos.executor_id": "\(configuration.executorID)",
                                                        "mesos.framework_id": "\(configuration.frameworkID)",
                                                        "mesos.agent": "\(configuration.agentEndpoint)",
                                                        "mesos.encoding": "\(configuration.encoding.rawValue)"])
        startUpdateSender()
        startExitsForwarder()
        connectionTask = Task { await self.connectionLoop() }
        for await event in events {
            await handle(event)
            if let exitCode { return exitCode }
        }
        return exitCode ?? 1
    }

    func handle(_ event: Event) async {
        let actions = machine.handle(event)
        for action in actions {
            await perform(action)
            if exitCode != nil { return }
        }
        await stateWriter.publish(await snapshot())
    }

    // MARK: Actions

    private func perform(_ action: Action) async {
        switch action {
        case .sendUpdate(let uuid):
            updateQueue.yield(uuid)
            if let update = machine.update(uuid: uuid) {
                logger.debug("status update", metadata: ["mesos.task_id": "\(update.status.taskID.value)",
                                                         "mesos.state": "\(update.status.state.name)",
                                                         "mesos.uuid": "\(MesosUUID.string(update.status.uuid))"])
            }
        case .launchGroup(let group, let tasks):
            launch(group: group, tasks: tasks)
        case .startContainers(let taskIDs):
            restart(taskIDs.compactMap { machine.taskInfo($0) })
        case .signal(let taskID, let signal):
            await pod.signal(taskID: taskID, signal == .terminate ? SIGTERM : SIGKILL)
        case .startHealthCheck(let taskID):
            startHealthCheck(taskID)
        case .stopHealthCheck(let taskID):
            health.removeValue(forKey: taskID)?.stop()
        case .startCheck(let taskID):
            startCheck(taskID)
        case .stopCheck(let taskID):
            stopCheck(taskID)
        case .pauseHealthChecks:
            healthPaused = true
            for runner in health.values { runner.pause() }
        case .resumeHealthChecks:
            healthPaused = false
            for runner in health.values { runner.resume() }
        case .startTimer(let timer, let after):
            timers[timer]?.cancel()
            let sink = eventSink
            timers[timer] = Task {
                do { try await Task.sleep(for: after) } catch { return }
                sink.yield(.timerFired(timer))
            }
        case .cancelTimer(let timer):
            timers.removeValue(forKey: timer)?.cancel()
        case .reconnect:
            connectionTask?.cancel()
            connectionTask = Task { await self.connectionLoop(afterDisconnect: true) }
        case .startReconnecting:
            reconnectSignal?.yield()
        case .cleanUpGroup(let group):
            logger.debug("task group finished", metadata: ["pod.group": "\(group)"])
        case .log(let level, let message):
            switch level {
            case .debug: logger.debug("\(message)")
            case .info: logger.info("\(message)")
            case .warning: logger.warning("\(message)")
            case .error: logger.error("\(message)")
            }
        case .exit(let code, let reason):
            logger.info("executor exiting", metadata: ["reason": "\(reason)", "code": "\(code)"])
            await shutdownEverything()
            exitCode = code
        }
    }

    private func shutdownEverything() async {
        for (_, t) in timers { t.cancel() }
        timers.removeAll()
        for (_, h) in health { h.stop() }
        health.removeAll()
        // Give in-flight updates (terminal ones) a moment to reach the agent.
        await drainUpdates(deadline: .seconds(2))
        connectionTask?.cancel()
        updateSender?.cancel()
        exitsForwarder?.cancel()
        await pod.destroy()
        await stateWriter.remove()
        eventSink.finish()
    }

    private func drainUpdates(deadline: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while machine.isSubscribed && pendingSends > 0 && clock.now < end {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private var pendingSends = 0

    // MARK: Launch

    private func launch(group: Int, tasks: [Mesos_V1_TaskInfo]) {
        let frameworkUser = machine.subscribedInfo?.frameworkInfo.user
        let agentHost = machine.subscribedInfo?.agentInfo.hostname
        let (mode, hostname) = Self.network(of: machine.subscribedInfo?.executorInfo, executorID: configuration.executorID)
        let sink = eventSink
        let pod = self.pod
        let logger = self.logger
        let secretsClient = self.secretsClient
        Task {
            let addresses: [(network: String?, ip: String)]
            var results: [String: ExecutorStateMachine.LaunchOutcome] = [:]
            var secrets: [String: [UInt8]]
            do {
                secrets = try await Executor.fetchSecrets(tasks, client: secretsClient)
            } catch {
                logger.error("cannot fetch the pod's secrets", metadata: ["pod.group": "\(group)", "error": "\(error)"])
                for t in tasks { results[t.taskID.value] = .failed(message: "\(error)", reason: .containerLaunchFailed) }
                sink.yield(.groupLaunched(group: group, results: results))
                return
            }
            // Once the containers are made, the only copy left of the bytes is this one.
            defer { Executor.clear(&secrets) }
            await pod.setNetwork(mode, hostname: hostname)
            do {
                addresses = try await pod.prepareNetwork()
            } catch {
                for t in tasks { results[t.taskID.value] = .failed(message: "\(error)", reason: .containerLaunchFailed) }
                sink.yield(.groupLaunched(group: group, results: results))
                return
            }
            let ip = addresses.first?.ip ?? Executor.agentIP(agentHost)
            let translation = TaskTranslation(containerIP: ip, frameworkUser: frameworkUser, secrets: secrets)
            var specs: [ContainerSpec] = []
            for info in tasks {
                do {
                    specs.append(try translation.spec(for: info))
                } catch {
                    results[info.taskID.value] = .failed(message: "\(error)", reason: .taskInvalid)
                }
            }
            if !results.isEmpty {
                // One invalid task fails the whole group before anything starts.
                for spec in specs {
                    results[spec.taskID] = .failed(message: "not started: another task of the group is invalid", reason: .taskGroupInvalid)
                }
                logger.error("invalid task group", metadata: ["pod.group": "\(group)"])
                sink.yield(.groupLaunched(group: group, results: results))
                return
            }
            let launched = await pod.launch(specs)
            let networkInfos = Executor.networkInfos(addresses)
            for (taskID, result) in launched {
                switch result {
                case .success:
                    results[taskID] = .started(networkInfos: networkInfos)
                case .failure(let error):
                    results[taskID] = .failed(message: error.description, reason: .containerLaunchFailed)
                }
            }
            sink.yield(.groupLaunched(group: group, results: results))
        }
    }

    /// The values of the secrets the group references, fetched with the instance's token;
    /// none (and no connection) for a group that references none.
    static func fetchSecrets(_ tasks: [Mesos_V1_TaskInfo], client: InstanceSecretsClient?) async throws -> [String: [UInt8]] {
        let names = TaskTranslation.secretReferences(tasks)
        guard !names.isEmpty else { return [:] }
        guard let client else {
            throw TaskTranslation.Failure(description: "the tasks reference secrets, but the executor has no scheduler to fetch them from (\(PodSecretsContract.urlVariable) is not set)")
        }
        guard let token = TaskTranslation.secretToken(tasks) else {
            throw TaskTranslation.Failure(description: "the tasks reference secrets but carry no secret token")
        }
        return try await client.fetch(names: names, token: token)
    }

    /// Overwrites the bytes of fetched secrets (best effort: copies made meanwhile by
    /// containers' environments and the pull are out of reach).
    static func clear(_ secrets: inout [String: [UInt8]]) {
        for name in Array(secrets.keys) {
            secrets[name]?.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memset(base, 0, raw.count)
            }
        }
        secrets.removeAll()
    }

    /// The pod network from the ExecutorInfo: no `network_infos` means the agent's
    /// network; otherwise a namespace of the pod's own joined to each named network.
    static func network(of info: Mesos_V1_ExecutorInfo?, executorID: String) -> (PodNetworkMode, String?) {
        guard let info, info.hasContainer, !info.container.networkInfos.isEmpty else { return (.host, nil) }
        let attachments = info.container.networkInfos.compactMap { n -> PodNetworkMode.NetworkAttachment? in
            guard n.hasName, !n.name.isEmpty else { return nil }
            let labels = Dictionary(n.labels.labels.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
            let mappings = n.portMappings.map {
                PodNetworkMode.PortMapping(hostPort: $0.hostPort, containerPort: $0.containerPort,
                                           protocol: $0.hasProtocol ? $0.protocol : "tcp")
            }
            return PodNetworkMode.NetworkAttachment(name: n.name, labels: labels, portMappings: mappings)
        }
        let hostname = info.container.hasHostname ? info.container.hostname : podHostname(executorID)
        return (.container(networks: attachments), hostname)
    }

    /// A hostname for a pod on its own network: the executor id made DNS-safe, at most
    /// 63 characters (Kubernetes names pods the same way).
    static func podHostname(_ executorID: String) -> String {
        var name = String(executorID.lowercased().map { ($0.isLetter && $0.isASCII) || $0.isNumber ? $0 : "-" })
        while name.hasPrefix("-") { name.removeFirst() }
        if name.count > 63 { name = String(name.suffix(63)) }
        while name.hasPrefix("-") || name.hasSuffix("-") { name = String(name.trimmingCharacters(in: CharacterSet(charactersIn: "-"))) }
        return name.isEmpty ? "pod" : name
    }

    static func networkInfos(_ addresses: [(network: String?, ip: String)]) -> [Mesos_V1_NetworkInfo] {
        var byName: [String?: [String]] = [:]
        var order: [String?] = []
        for a in addresses {
            if byName[a.network] == nil { order.append(a.network) }
            byName[a.network, default: []].append(a.ip)
        }
        return order.map { name in
            var info = Mesos_V1_NetworkInfo()
            if let name { info.name = name }
            info.ipAddresses = (byName[name] ?? []).map { ip in
                var address = Mesos_V1_NetworkInfo.IPAddress()
                address.protocol = ip.contains(":") ? .ipv6 : .ipv4
                address.ipAddress = ip
                return address
            }
            return info
        }
    }

    static func agentIP(_ hostname: String?) -> String? {
        guard let hostname else { return nil }
        // Already an address?
        if hostname.split(separator: ".").count == 4, hostname.split(separator: ".").allSatisfy({ UInt8($0) != nil }) {
            return hostname
        }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(hostname, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard let sa = first.pointee.ai_addr else { return nil }
        let ok = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin -> Bool in
            var addr = sin.pointee.sin_addr
            return inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count)) != nil
        }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    // MARK: Runtime exits

    private func startExitsForwarder() {
        let sink = eventSink
        let exits = pod.exits
        exitsForwarder = Task {
            for await exit in exits {
                let cause: ExecutorStateMachine.ContainerExit.Cause
                switch exit.termination {
                case .exited(let code): cause = .exited(code)
                case .signaled(let sig): cause = .signaled(sig, description: PodSystem.Signal.description(sig))
                }
                sink.yield(.containerExited(taskID: exit.taskID, exit: .init(cause: cause, memoryLimitExceeded: exit.memoryLimitExceeded)))
            }
        }
    }

    // MARK: Updates

    private func startUpdateSender() {
        let stream = updateStream
        updateSender = Task {
            for await uuid in stream {
                await self.post(uuid: uuid)
            }
        }
    }

    /// POSTs one update, in order, waiting for its 202. A failure leaves it in the
    /// unacknowledged list: it goes out again in the next SUBSCRIBE.
    private func post(uuid: [UInt8]) async {
        guard machine.isSubscribed, let update = machine.update(uuid: uuid) else { return }
        pendingSends += 1
        defer { pendingSends -= 1 }
        do {
            try await client.update(update)
        } catch {
            logger.warning("status update not delivered; it will be resent on re-subscription",
                           metadata: ["mesos.task_id": "\(update.status.taskID.value)", "error": "\(error)"])
        }
    }

    func snapshot() async -> PodStateSnapshot {
        var snap = await pod.stateSnapshot()
        let states = Dictionary(machine.taskStates.map { ($0.taskID, $0.state) }, uniquingKeysWith: { a, _ in a })
        for i in snap.containers.indices {
            let id = snap.containers[i].taskID
            snap.containers[i].state = states[id]
            if let status = machine.lastStatus(id), status.hasHealthy { snap.containers[i].healthy = status.healthy }
            snap.containers[i].healthCheck = health[id]?.summary
            snap.containers[i].healthCheckDefinition = Self.healthCheckDefinition(machine.taskInfo(id))
        }
        snap.frameworkID = configuration.frameworkID
        snap.lastUpdates = machine.taskStates.map { "\($0.taskID) \($0.state)" }
        return snap
    }
}
