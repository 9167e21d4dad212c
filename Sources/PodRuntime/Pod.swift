import ImageStore
import Logging
import MesosFetcher
import PodNetworking
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// One pod instance on this agent: its network, its sandbox volumes and its containers.
/// The executor asks it to launch groups of containers, signal them and tear everything
/// down; it reports each container's end on `exits`.
public actor Pod {
    /// A container's end.
    public struct Exit: Sendable {
        public var taskID: String
        public var termination: ProcessTermination
        /// The kernel OOM killer acted in the container's cgroup.
        public var memoryLimitExceeded: Bool
    }

    /// What a successful launch tells the executor.
    public struct Launched: Sendable {
        public var containerID: String
        /// Pod IP addresses by network name (empty for host networking).
        public var addresses: [(network: String?, ip: String)]
    }

    struct Running {
        var plan: ContainerPlan
        var process: ManagedProcess
        var startedAt: Double
        var workloadPID: Int32
        /// Waits for the container's end and runs ``containerEnded``; done once it has.
        var watcher: Task<Void, Never>?
    }

    public nonisolated let configuration: PodConfiguration
    let logger: Logger
    private var lifecycle = Lifecycle.created
    private var network: PodNetworkMode
    private var hostname: String
    var networkNamespace: NetworkNamespace? { lifecycle.networkNamespace }
    /// Connects from inside the pod's network for HTTP and TCP checks (made at the first).
    private var dialer: NetworkDialer?
    private var addresses: [(network: String?, ip: String)] = []
    private var running: [String: Running] = [:]
    private var finished: [String: Exit] = [:]
    /// The last state record of each container that ended (for `podctl agent`).
    private var finishedRecords: [String: PodStateSnapshot.Container] = [:]
    private var seccompCache: [String: SeccompProgram] = [:]
    /// The tmpfs of the pod's secret volumes, mounted at the first launch that has one.
    private var secretFiles: PodSecretFiles?
    /// Files shared by the pod's image containers (written by the network setup).
    var podEtc: [String: String] = [:]
    private let overlaySupported = ImageRootfs.overlayAvailable()
    public nonisolated let exits: AsyncStream<Exit>
    private let exitContinuation: AsyncStream<Exit>.Continuation
    private let hooks: PodHooks

    public init(configuration: PodConfiguration, logger: Logger, hooks: PodHooks = PodHooks()) {
        self.configuration = configuration
        self.logger = logger
        self.hooks = hooks
        network = configuration.network
        hostname = configuration.hostname
        (exits, exitContinuation) = AsyncStream.makeStream(of: Exit.self)
    }

    /// Sets the pod's network (known only once the executor has its ExecutorInfo).
    /// Ignored after the network has been prepared.
    public func setNetwork(_ mode: PodNetworkMode, hostname: String?) {
        guard case .created = lifecycle else { return }
        network = mode
        if let hostname { self.hostname = hostname }
    }

    /// The pod's network mode.
    public var networkMode: PodNetworkMode { network }

    /// The pod network namespace (container networking), for health checks.
    public var networkNamespacePath: String? { networkNamespace?.path }

    /// The thread that connects from inside the pod's network (HTTP and TCP checks),
    /// started at the first call; stopped by ``destroy()`` before the namespace goes.
    public func networkDialer() throws -> NetworkDialer {
        if let dialer { return dialer }
        let namespace: NetworkNamespace?
        switch lifecycle {
        case .tearingDown, .destroyed: throw PodRuntimeError(.network, "the pod has been torn down")
        case .created: throw PodRuntimeError(.network, "the pod network is not ready")
        case .networkReady(let ready): namespace = ready
        }
        let made = try NetworkDialer(namespacePath: namespace?.path)
        dialer = made
        return made
    }

    // MARK: Launch

    /// Launches a group of containers: all are planned first (sandbox, volumes, images,
    /// cgroups); if any plan fails, none starts. Returns a result per task id.
    public func launch(_ specs: [ContainerSpec]) async -> [String: Result<Launched, PodRuntimeError>] {
        var results: [String: Result<Launched, PodRuntimeError>] = [:]
        guard !lifecycle.isTornDown else {
            for spec in specs { results[spec.taskID] = .failure(PodRuntimeError(.launch, "the pod is being torn down")) }
            return results
        }
        do {
            try await prepareNetwork()
        } catch {
            let e = error as? PodRuntimeError ?? PodRuntimeError(.network, "network setup failed", underlying: PodRuntimeError.Cause(error))
            for spec in specs { results[spec.taskID] = .failure(e) }
            return results
        }
        if let failure = prepareSecretFiles(specs) {
            for spec in specs { results[spec.taskID] = .failure(failure) }
            return results
        }
        // Plan everything before starting anything.
        var plans: [ContainerPlan] = []
        for spec in specs {
            do {
                plans.append(try await plan(spec))
            } catch {
                let e = error as? PodRuntimeError ?? PodRuntimeError(.launch, "cannot prepare \(spec.name)", underlying: PodRuntimeError.Cause(error))
                logger.error("container preparation failed", metadata: ["mesos.task_id": "\(spec.taskID)", "error": "\(e)"])
                for done in plans { await discard(done) }
                for other in specs {
                    results[other.taskID] = .failure(other.taskID == spec.taskID ? e :
                        PodRuntimeError(.launch, "not started: container '\(spec.name)' of the same group failed: \(e.message)"))
                }
                return results
            }
        }
        // Secret bytes are in their files (and the pull is done): the plans keep none.
        for index in plans.indices { plans[index].spec = plans[index].spec.withoutSecretData() }
        // Start every monitor, then wait for every exec.
        var started: [(ContainerPlan, ManagedProcess)] = []
        for plan in plans {
            do {
                let process = try await ProcessSupervisor.shared.spawn(plan.monitor)
                started.append((plan, process))
            } catch {
                results[plan.spec.taskID] = .failure(PodRuntimeError(.system, "cannot start \(plan.spec.name)", underlying: PodRuntimeError.Cause(error)))
                await discard(plan)
            }
        }
        for (plan, process) in started {
            do {
                let pid = try await process.started()
                running[plan.spec.taskID] = Running(plan: plan, process: process, startedAt: Self.now(), workloadPID: pid)
                results[plan.spec.taskID] = .success(Launched(containerID: plan.spec.containerID, addresses: addresses))
                logger.info("container started", metadata: ["mesos.task_id": "\(plan.spec.taskID)", "pod.container": "\(plan.spec.name)",
                                                             "pid": "\(process.pid)"])
                let taskID = plan.spec.taskID
                running[taskID]?.watcher = Task { [weak self] in
                    let termination = await process.waitForExit()
                    await self?.containerEnded(taskID, termination)
                }
                // Teardown began while this container started: it does not outlive it.
                if lifecycle.isTornDown, let r = running[taskID] { await kill(r) }
            } catch {
                let detail = (error as? SystemError).map { "\($0)" } ?? "\(error)"
                let message: String
                if let se = error as? SystemError, se.operation == "exec" {
                    message = "cannot execute '\(plan.monitor.executable)': \(SystemError.message(for: se.errno))"
                } else {
                    message = "container \(plan.spec.name) failed to start: \(detail)"
                }
                results[plan.spec.taskID] = .failure(PodRuntimeError(.launch, message))
                _ = await process.waitForExit()
                await discard(plan)
            }
        }
        await publishState()
        return results
    }

    private func plan(_ spec: ContainerSpec) async throws -> ContainerPlan {
        var effective = configuration
        effective.network = network
        effective.hostname = hostname
        let planner = ContainerPlanner(configuration: effective, networkNamespacePath: networkNamespace?.path, secretFiles: secretFiles,
                                       logger: logger)
        let seccomp = try seccompProgram(for: spec)
        var plan: ContainerPlan
        if let image = spec.image {
            guard let store = hooks.imageStore else {
                throw PodRuntimeError(.image, "container \(spec.name) names image \(image.reference) but this executor has no image store configured")
            }
            plan = try await ImageRootfs(store: store, podEtc: podEtcFiles(), overlaySupported: overlaySupported).plan(planner, spec, seccomp: seccomp)
        } else {
            plan = try planner.hostPlan(spec, seccomp: seccomp)
        }
        do {
            if !spec.artifacts.isEmpty {
                try await fetchArtifacts(spec, into: plan.sandbox, owner: .init(uid: plan.monitor.uid, gid: plan.monitor.gid))
            }
            plan.cgroup = try makeCgroup(spec)
        } catch {
            await discard(plan)
            throw error
        }
        plan.monitor.cgroupJoinFiles = plan.cgroup?.joinFiles ?? []
        return plan
    }

    /// Mounts the pod's secret tmpfs when a container of the group mounts a secret; the
    /// error for every container when that fails.
    private func prepareSecretFiles(_ specs: [ContainerSpec]) -> PodRuntimeError? {
        let (bytes, files) = specs.reduce((0, 0)) { sum, spec in
            let own = spec.secretVolumeBytes
            return (sum.0 + own.bytes, sum.1 + own.files)
        }
        guard files > 0, secretFiles == nil else { return nil }
        do {
            secretFiles = try PodSecretFiles.mount(configuration: configuration, bytes: bytes, files: files)
            return nil
        } catch {
            logger.error("cannot mount the secret volumes' tmpfs", metadata: ["error": "\(error)"])
            return error as? PodRuntimeError ?? PodRuntimeError(.volume, "cannot mount the secret volumes' tmpfs")
        }
    }

    private func makeCgroup(_ spec: ContainerSpec) throws -> Cgroup? {
        guard let parent = configuration.cgroupParent else { return nil }
        do {
            let cgroup = try parent.child(spec.containerID)
            let cpus = spec.resources.cpuLimit ?? spec.resources.cpus
            if let cpus, cpus.isFinite, cpus > 0 {
                try cgroup.setCPU(cpus, hardLimit: true)
            } else if let shares = spec.resources.cpus, shares > 0 {
                try cgroup.setCPU(shares, hardLimit: false)
            }
            let memory = spec.resources.memoryLimit ?? spec.resources.memory
            if let memory, memory.isFinite, memory > 0 {
                try cgroup.setMemory(limitBytes: UInt64(memory * 1024 * 1024))
            }
            return cgroup
        } catch {
            throw PodRuntimeError(.system, "cannot set up the cgroup of \(spec.name)", underlying: error)
        }
    }

    private func seccompProgram(for spec: ContainerSpec) throws -> SeccompProgram? {
        if spec.linux.seccompUnconfined { return nil }
        let caps = try ContainerPlanner.capabilities(spec.linux)
        let profileName = spec.linux.seccompProfile ?? "default"
        let key = profileName + "/" + String(caps.bounding, radix: 16)
        if let cached = seccompCache[key] { return cached }
        let (program, unknown) = spec.linux.seccompProfile == nil
            ? try SeccompProgramCache(directory: configuration.runtimeDirectory + "/seccomp-cache").defaultProgram(bounding: caps.bounding)
            : try SeccompProfile.program(named: spec.linux.seccompProfile,
                                         directory: configuration.seccompProfileDirectory, bounding: caps.bounding)
        if !unknown.isEmpty {
            logger.debug("seccomp profile names syscalls unknown here", metadata: ["seccomp.profile": "\(profileName)", "count": "\(unknown.count)"])
        }
        seccompCache[key] = program
        return program
    }

    /// Removes what a plan created when its container never ran.
    private func discard(_ plan: ContainerPlan) async {
        for case .fileDescriptor(let fd) in [plan.monitor.standardOutput, plan.monitor.standardError] { close(fd) }
        if let cgroup = plan.cgroup {
            await cgroup.killAll(timeout: .seconds(2))
            try? cgroup.remove()
        }
        if let rootfs = plan.rootfs { await releaseRootfs(plan.spec, rootfs) }
    }

    private func releaseRootfs(_ spec: ContainerSpec, _ rootfs: ContainerPlan.RootfsPlan) async {
        guard let store = hooks.imageStore else { return }
        await ImageRootfs(store: store, podEtc: [:], overlaySupported: overlaySupported).release(spec, rootfs, executorID: configuration.executorID)
    }

    // MARK: Signals and exits

    /// Sends a signal to a container's init, which forwards it to the workload. SIGKILL
    /// kills the init and with it the whole container.
    public func signal(taskID: String, _ signal: Int32) async {
        guard let r = running[taskID] else { return }
        if signal == SIGKILL {
            await kill(r)
        } else {
            _ = r.process.signal(signal)
        }
    }

    /// SIGKILLs a container's init and, when the init is gone already or the container has no
    /// PID namespace of its own (it does not die with its init then), everything in its
    /// cgroup at once (`Cgroup.killAll`: no pid is signalled after it could be reused).
    private func kill(_ r: Running) async {
        let signalled = r.process.signal(SIGKILL)
        if let cgroup = r.plan.cgroup, !signalled || !r.plan.monitor.newNamespaces.contains(.pid) {
            await cgroup.killAll(timeout: .seconds(5))
        }
    }

    private func containerEnded(_ taskID: String, _ termination: ProcessTermination) async {
        guard let r = running.removeValue(forKey: taskID) else { return }
        var oom = false
        if let cgroup = r.plan.cgroup {
            oom = cgroup.oomKillCount() > 0
            await cgroup.killAll(timeout: .seconds(5))
            do { try cgroup.remove() } catch {
                logger.warning("cannot remove cgroup", metadata: ["mesos.task_id": "\(taskID)", "error": "\(error)"])
            }
        }
        if let rootfs = r.plan.rootfs { await releaseRootfs(r.plan.spec, rootfs) }
        // Its last output is in the files before its end is reported (a stray holder of the pipe is not waited for).
        for log in r.plan.logs where !(await log.drained(within: .seconds(2))) {
            logger.warning("container output still open after its end", metadata: ["mesos.task_id": "\(taskID)", "log.path": "\(log.path)"])
        }
        let exit = Exit(taskID: taskID, termination: termination, memoryLimitExceeded: oom)
        finished[taskID] = exit
        finishedRecords[taskID] = containerRecord(r).finished(termination: "\(termination)" + (oom ? " (memory limit exceeded)" : ""),
                                                              at: Self.now())
        logger.info("container ended", metadata: ["mesos.task_id": "\(taskID)", "termination": "\(termination)", "oom": "\(oom)"])
        await publishState()
        exitContinuation.yield(exit)
    }

    /// Information a command health check or `podctl agent exec` needs to enter a
    /// running container.
    public func runningContainer(_ taskID: String) -> RunningContainerInfo? {
        guard let r = running[taskID] else { return nil }
        return RunningContainerInfo(taskID: taskID, initPID: r.process.pid, monitor: r.plan.monitor, sandbox: r.plan.sandbox)
    }

    // MARK: Teardown

    /// Kills every container, waits until each one's end is handled (its cgroup and rootfs
    /// released, its exit reported), then removes the network namespace and the runtime state.
    public func destroy() async {
        switch lifecycle {
        case .tearingDown, .destroyed: return
        case .created: lifecycle = .tearingDown(nil)
        case .networkReady(let namespace): lifecycle = .tearingDown(namespace)
        }
        var killed = Set<String>()
        for (taskID, r) in running {
            await kill(r)
            killed.insert(taskID)
        }
        // containerEnded removes each container once its end is handled. One whose launch
        // finished while the others were being killed is killed in turn.
        while let entry = running.first {
            if killed.insert(entry.key).inserted { await kill(entry.value) }
            if let watcher = entry.value.watcher {
                await watcher.value
            } else {
                running[entry.key] = nil
            }
        }
        // The dialer thread holds the namespace; it goes first.
        dialer?.stop()
        dialer = nil
        let networkNamespace = lifecycle.networkNamespace
        if networkNamespace != nil, case .container(let networks) = network, !networks.isEmpty {
            do {
                try await networkSetup().tearDown(containerID: cniContainerID)
            } catch {
                logger.error("CNI teardown failed", metadata: ["error": "\(error)"])
            }
        }
        networkNamespace?.remove()
        lifecycle = .destroyed
        secretFiles?.remove()
        secretFiles = nil
        Directory.removeTree(configuration.stateDirectory)
        exitContinuation.finish()
    }

    // MARK: Network

    /// Creates the pod's network namespace and joins its networks (once); returns the
    /// pod's addresses (empty for host networking).
    @discardableResult
    public func prepareNetwork() async throws -> [(network: String?, ip: String)] {
        switch lifecycle {
        case .networkReady, .tearingDown, .destroyed: return addresses
        case .created: break
        }
        guard case .container(let networks) = network else {
            lifecycle = .networkReady(nil)
            return []
        }
        let name = PodConfiguration.safeName(configuration.executorID)
        let namespace: NetworkNamespace
        do {
            namespace = try NetworkNamespace.create(name: name, directory: configuration.networkNamespaceDirectory)
        } catch {
            throw PodRuntimeError(.network, "cannot create the pod network namespace", underlying: error)
        }
        // Ready before the networks are joined: a concurrent launch waits for no second namespace.
        lifecycle = .networkReady(namespace)
        if !networks.isEmpty {
            addresses = try await attachNetworks(networks, namespace: namespace)
        }
        logger.info("pod network namespace ready", metadata: ["pod.netns": "\(namespace.path)"])
        return addresses
    }

    // MARK: Artifacts

    /// `CommandInfo.uris` (Marathon artifacts) into the container sandbox before it starts,
    /// with the Mesos fetcher's executable/extract/cache/output_file semantics. The error
    /// names the URI with any credentials redacted.
    private func fetchArtifacts(_ spec: ContainerSpec, into sandbox: String, owner: Fetcher.Owner) async throws {
        do {
            _ = try await Fetcher(logger: logger).fetchAll(spec.artifacts, into: sandbox, cacheDirectory: configuration.runtimeDirectory + "/fetch-cache",
                                                           owner: owner)
        } catch {
            throw PodRuntimeError(.artifact, "artifact fetch for \(spec.name) failed: \(error.message)")
        }
    }

    // MARK: CNI

    /// The CNI container id of the pod (the executor id, made CNI-safe).
    var cniContainerID: String { PodConfiguration.safeName(configuration.executorID) }

    func networkSetup() -> PodNetworkSetup {
        let cni = CNI(configuration: CNI.Configuration(configDirectory: configuration.cniConfigDirectory,
                                                       pluginDirectories: configuration.cniPluginDirectories,
                                                       stateDirectory: configuration.cniStateDirectory),
                      logger: logger)
        return PodNetworkSetup(cni: cni, logger: logger)
    }

    /// Joins the pod's namespace to each network through CNI (eth0, eth1, …), as the Mesos
    /// `network/cni` isolator does; the bridge network gets the endpoints' port mappings.
    private func attachNetworks(_ networks: [PodNetworkMode.NetworkAttachment], namespace: NetworkNamespace) async throws
        -> [(network: String?, ip: String)]
    {
        let setup = networkSetup()
        let list = networks.map { n -> PodNetworkSetup.Network in
            let mappings = n.portMappings.map { CNIPortMapping(hostPort: Int($0.hostPort), containerPort: Int($0.containerPort), protocol: $0.protocol) }
            if n.name == configuration.bridgeNetworkName { return setup.bridgeNetwork(portMappings: mappings, labels: n.labels) }
            return PodNetworkSetup.Network(name: n.name, portMappings: mappings, labels: n.labels)
        }
        let filesDirectory = configuration.stateDirectory + "/etc"
        do {
            try Directory.create(filesDirectory)
            let status = try await setup.setUp(containerID: cniContainerID, hostname: hostname, networks: list,
                                               netnsPath: namespace.path, filesDirectory: filesDirectory)
            podEtc = ["hosts": status.files.hosts, "hostname": status.files.hostname, "resolv.conf": status.files.resolvConf]
            return status.addresses.map { ($0.network, $0.ip) }
        } catch {
            namespace.remove()
            if case .networkReady = lifecycle { lifecycle = .created }
            throw PodRuntimeError(.network, "cannot join the pod to its networks: \(error)")
        }
    }

    // MARK: State for podctl

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func publishState() async {
        await hooks.stateChanged?(stateSnapshot())
    }

    /// A snapshot of the pod for the runtime-state file.
    public func stateSnapshot() -> PodStateSnapshot {
        var containers = running.values.map(containerRecord)
        for (taskID, e) in finished where running[taskID] == nil {
            containers.append(finishedRecords[taskID] ?? .init(taskID: taskID, name: "", containerID: "", sandbox: "", initPID: 0,
                                                                running: false, startedAt: 0, cgroups: [], rootfs: nil, image: nil,
                                                                termination: "\(e.termination)"))
        }
        var networks: [String]?
        if case .container(let attachments) = network { networks = attachments.map(\.name) }
        return PodStateSnapshot(executorID: configuration.executorID, sandbox: configuration.sandbox,
                                networkNamespace: networkNamespace?.path,
                                addresses: addresses.map { $0.ip }, containers: containers.sorted { $0.taskID < $1.taskID },
                                frameworkID: nil, executorPID: getpid(), updatedAt: Self.now(), lastUpdates: nil,
                                hostname: networkNamespace == nil ? nil : hostname, networks: networks)
    }

    private func containerRecord(_ r: Running) -> PodStateSnapshot.Container {
        PodStateSnapshot.Container(running: r.plan, initPID: r.process.pid, startedAt: r.startedAt,
                                   seccompProfileDirectory: configuration.seccompProfileDirectory)
    }
}
