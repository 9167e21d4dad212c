import PodSystem

extension RunningContainerInfo {
    /// Rebuilds how to enter a running container from the runtime state its executor
    /// published (`podctl agent exec` and `health` run outside the executor): the same
    /// environment, identity, capabilities, rlimits and cgroup, and the seccomp program
    /// compiled again from the recorded profile.
    ///
    /// - Throws: `PodRuntimeError` when the container is not running, when its executor is
    ///   too old to record how it was started, or when its seccomp profile cannot be
    ///   compiled again.
    public init(state container: PodStateSnapshot.Container, of pod: PodStateSnapshot) throws(PodRuntimeError) {
        guard container.running, container.initPID > 0 else {
            throw PodRuntimeError(.launch, "container \(container.name) is not running")
        }
        guard let process = container.process else {
            throw PodRuntimeError(.invalidSpec,
                                  "the executor of \(pod.executorID) does not record how its containers were started (an older pod-executor)")
        }
        var monitor = MonitorSpec(executable: process.executable, arguments: process.arguments, environment: process.environment)
        monitor.newNamespaces = process.namespaceSet
        monitor.networkNamespacePath = pod.networkNamespace
        if let version = container.cgroupVersion.flatMap(Cgroup.Version.init(rawValue:)), let controllers = container.cgroupControllers {
            monitor.cgroupJoinFiles = Cgroup(version: version, directories: controllers).joinFiles
        } else {
            monitor.cgroupJoinFiles = Array(Set(container.cgroups)).sorted().map { $0 + "/cgroup.procs" }
        }
        monitor.workingDirectory = process.workingDirectory
        monitor.uid = process.uid
        monitor.gid = process.gid
        monitor.supplementaryGroups = process.supplementaryGroups
        monitor.capabilities = process.capabilities.sets
        monitor.noNewPrivileges = process.noNewPrivileges
        monitor.resourceLimits = process.resourceLimits
        if !process.seccompUnconfined {
            do {
                monitor.seccomp = try SeccompProfile.program(named: process.seccompProfile, directory: process.seccompProfileDirectory,
                                                             bounding: process.capabilities.bounding).program
            } catch {
                let cause = (error as? PodRuntimeError)?.message ?? "\(error)"
                throw PodRuntimeError(.invalidSpec, "cannot rebuild the seccomp filter of \(container.name): \(cause)")
            }
        }
        self.init(taskID: container.taskID, initPID: container.initPID, monitor: monitor, sandbox: container.sandbox)
    }
}
