import PodSystem
#if canImport(Glibc)
import Glibc
#endif

extension PodStateSnapshot.Container {
    /// The state record of a running container, from its plan.
    init(running plan: ContainerPlan, initPID: Int32, startedAt: Double, seccompProfileDirectory: String?) {
        let cgroupDirectories = plan.cgroup.map { Array(Set($0.directories.values)).sorted() } ?? []
        self.init(taskID: plan.spec.taskID, name: plan.spec.name, containerID: plan.spec.containerID, sandbox: plan.sandbox,
                  initPID: initPID, running: true, startedAt: startedAt, cgroups: cgroupDirectories,
                  rootfs: plan.rootfs?.rootfsDirectory, image: plan.rootfs?.imageDescription, termination: nil)
        process = PodStateSnapshot.Process(monitor: plan.monitor, secretNames: plan.spec.secretEnvironmentNames, linux: plan.spec.linux,
                                           seccompProfileDirectory: seccompProfileDirectory, tty: plan.spec.tty)
        cgroupVersion = plan.cgroup?.version.rawValue
        cgroupControllers = plan.cgroup?.directories
        mounts = plan.monitor.mounts.compactMap { operation -> PodStateSnapshot.Mount? in
            guard case .bind(let source, _) = operation.kind, !Self.isRuntimeMount(operation.target, plan: plan) else { return nil }
            return PodStateSnapshot.Mount(source: source, target: operation.target, readOnly: operation.flags & UInt(MS_RDONLY) != 0)
        }
        imageReference = plan.rootfs?.reference
        imageManifestDigest = plan.rootfs?.manifestDigest
        imageConfigDigest = plan.rootfs?.configDigest
    }

    /// Bind mounts the runtime adds to every image container (/etc files of the pod) are
    /// not the pod's volumes; the sandbox mount is kept (operators look for it).
    private static func isRuntimeMount(_ target: String, plan: ContainerPlan) -> Bool {
        ["/etc/hosts", "/etc/resolv.conf", "/etc/hostname"].contains(target) && plan.rootfs != nil
    }

    /// The record of a container that ended: what it was, and how it ended.
    func finished(termination: String, at time: Double) -> PodStateSnapshot.Container {
        var copy = self
        copy.running = false
        copy.termination = termination
        copy.finishedAt = time
        return copy
    }
}
