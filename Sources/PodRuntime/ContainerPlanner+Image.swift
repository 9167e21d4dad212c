import Foundation
import ImageStore
import PodSystem

/// Containers with an image: the image is pulled (or taken from the store), its layers
/// are stacked with overlayfs (a copy when overlayfs is unavailable) under the executor
/// sandbox, and the container pivots into it with a fresh /proc, a minimal /dev, a
/// read-only /sys, the sandbox at /mnt/mesos/sandbox, the pod's volumes and
/// /etc/hosts, /etc/resolv.conf and /etc/hostname of the pod.
struct ImageRootfs: Sendable {
    let store: ImageStore
    /// Files the pod shares (`hosts`, `resolv.conf`, `hostname`), host paths.
    let podEtc: [String: String]
    let overlaySupported: Bool

    static func overlayAvailable() -> Bool {
        (try? FileContents.read("/proc/filesystems"))?.contains("\toverlay\n") ?? false
    }

    /// Builds the plan of an image container.
    func plan(_ planner: ContainerPlanner, _ spec: ContainerSpec, seccomp: SeccompProgram?) async throws -> ContainerPlan {
        guard let image = spec.image else { throw PodRuntimeError(.invalidSpec, "container \(spec.name) has no image") }
        let reference: ImageReference
        do { reference = try ImageReference.parse(image.reference) } catch {
            throw PodRuntimeError(.image, "image '\(image.reference)' of \(spec.name): \(error.message)")
        }
        var credentials: RegistryCredentials?
        if let config = image.pullConfig {
            do { credentials = try RegistryCredentials(dockerConfig: Data(config)) } catch {
                throw PodRuntimeError(.image, "the pull secret of \(spec.name) is not a Docker config.json: \(error.message)")
            }
        }
        let pulled: PulledImage
        do {
            pulled = try await store.pull(reference, credentials: credentials, policy: image.forcePull ? .always : .ifNotPresent, progress: nil)
        } catch {
            // ImageStoreError messages name the image and registry, never credentials.
            throw PodRuntimeError(.image, "cannot pull \(image.reference): \(error.message)")
        }
        let holder = planner.configuration.executorID + "/" + spec.containerID
        do { try await store.retain(pulled, holder: holder) } catch {
            throw PodRuntimeError(.image, "cannot record the use of \(image.reference): \(error.message)")
        }

        let sandbox = try planner.makeSandbox(spec)
        let base = planner.configuration.sandbox + "/.rootfs/" + spec.containerID
        let rootfs = base + "/rootfs"
        do {
            for dir in [rootfs, base + "/upper", base + "/work", base + "/links"] { try Directory.create(dir, mode: 0o755) }
        } catch {
            throw PodRuntimeError(.system, "cannot prepare the rootfs of \(spec.name)", underlying: error)
        }

        var monitor = MonitorSpec(executable: "/bin/sh", arguments: [], environment: [])
        monitor.newNamespaces = ContainerPlanner.namespaces(spec.linux)
        monitor.networkNamespacePath = planner.networkNamespacePath
        monitor.rootfs = rootfs
        if case .container = planner.configuration.network { monitor.hostname = planner.configuration.hostname }

        // The root filesystem: overlay over the layers (top first), upper and work dirs
        // beside it. lowerdir uses short relative names (links/N) so that many layers
        // fit in a page of mount options.
        let layers = pulled.layerDirectories
        if overlaySupported {
            for (i, layer) in layers.enumerated() {
                let link = base + "/links/\(i)"
                unlink(link)
                guard symlink(layer, link) == 0 else {
                    throw PodRuntimeError(.system, "cannot link layer \(i) of \(spec.name)", underlying: SystemError.last("symlink", link))
                }
            }
            let lower = (0..<layers.count).reversed().map { "\($0)" }.joined(separator: ":")
            monitor.mounts.append(MountOperation(.filesystem(type: "overlay", source: "overlay",
                                                             options: "lowerdir=\(lower),upperdir=\(base)/upper,workdir=\(base)/work"),
                                                 target: rootfs, scope: .host, workingDirectory: base + "/links"))
        } else {
            do {
                try copyRootfs(layers: layers, into: try RootedDirectory.open(path: rootfs))
            } catch {
                throw PodRuntimeError(.image, "cannot assemble the rootfs of \(spec.name) by copying: \(error)")
            }
        }

        // Identity: the task's user, else the image's USER (resolved in the image's own
        // /etc/passwd and /etc/group), else root — uid 0 even when the image has no
        // /etc/passwd (FROM scratch images), as Docker does.
        let userText = spec.user ?? pulled.config.user.flatMap { $0.isEmpty ? nil : $0 } ?? ""
        let identity: ResolvedUser
        do { identity = try ImageUser.resolve(userText, layerDirectories: layers) } catch {
            throw PodRuntimeError(.invalidSpec, "user '\(userText)' of \(spec.name) is not in image \(image.reference): \(error.message)")
        }
        monitor.uid = identity.uid
        monitor.gid = identity.gid
        monitor.supplementaryGroups = identity.supplementaryGroups
        if identity.uid != 0 { FileOwnership.change(sandbox, uid: identity.uid, gid: identity.gid) }

        // Command, environment, working directory (image config merged as Mesos does).
        let inContainerSandbox = planner.configuration.containerSandboxPath
        var taskEnvironment = spec.environment
        taskEnvironment.insert(("MESOS_SANDBOX", inContainerSandbox), at: 0)
        let command: ResolvedCommand
        do {
            command = try ImageCommand.resolve(config: pulled.config, shell: spec.command.shell, value: spec.command.value,
                                               arguments: spec.command.arguments, taskEnvironment: taskEnvironment)
        } catch {
            throw PodRuntimeError(.invalidSpec, "container \(spec.name): \(error.message)")
        }
        monitor.executable = command.executable
        monitor.arguments = command.arguments
        monitor.environment = command.environment
        if !monitor.environment.contains(where: { $0.hasPrefix("PATH=") }) {
            monitor.environment.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        }
        if !monitor.environment.contains(where: { $0.hasPrefix("HOME=") }) {
            monitor.environment.append("HOME=\(identity.home ?? (identity.uid == 0 ? "/root" : "/"))")
        }
        if let workingDirectory = command.workingDirectory, workingDirectory.hasPrefix("/") {
            monitor.workingDirectory = workingDirectory
            // Docker creates a missing WorkingDir; make it in the upper layer (our own,
            // symlink-free directory) so it appears in the merged view.
            if overlaySupported, let upper = try? RootedDirectory.open(path: base + "/upper") {
                _ = try? upper.makeDirectory(String(workingDirectory.dropFirst()), permissions: 0o755, createParents: true)
            }
        } else {
            monitor.workingDirectory = inContainerSandbox
        }
        monitor.capabilities = try ContainerPlanner.capabilities(spec.linux)
        monitor.seccomp = seccomp
        monitor.resourceLimits = spec.resourceLimits.map { ResourceLimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) }

        // Inside the rootfs (targets resolved with RESOLVE_IN_ROOT by the monitor).
        let nosuid = UInt(MS_NOSUID), nodev = UInt(MS_NODEV), noexec = UInt(MS_NOEXEC)
        func fs(_ type: String, _ source: String, _ target: String, _ flags: UInt, _ options: String? = nil, optional: Bool = false) {
            monitor.mounts.append(MountOperation(.filesystem(type: type, source: source, options: options), target: target,
                                                 scope: .rootfs, flags: flags, optional: optional))
        }
        fs("proc", "proc", "/proc", nosuid | nodev | noexec)
        fs("tmpfs", "tmpfs", "/dev", nosuid | UInt(1 << 24) /* MS_STRICTATIME */, "mode=755,size=65536k")
        for device in ["null", "zero", "full", "random", "urandom", "tty"] {
            monitor.mounts.append(MountOperation(.device(hostPath: "/dev/" + device), target: "/dev/" + device, scope: .rootfs,
                                                 targetIsFile: true))
        }
        fs("devpts", "devpts", "/dev/pts", nosuid | noexec, "newinstance,ptmxmode=0666,mode=0620,gid=5", optional: true)
        let shm = spec.linux.shmSize.map { "\($0)m" } ?? "64m"
        fs("tmpfs", "shm", "/dev/shm", nosuid | nodev | noexec, "mode=1777,size=\(shm)")
        fs("mqueue", "mqueue", "/dev/mqueue", nosuid | nodev | noexec, optional: true)
        for (name, destination) in [("/dev/ptmx", "pts/ptmx"), ("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"),
                                    ("/dev/stdout", "/proc/self/fd/1"), ("/dev/stderr", "/proc/self/fd/2")] {
            monitor.mounts.append(MountOperation(.symlink(destination: destination), target: name, scope: .rootfs))
        }
        fs("sysfs", "sysfs", "/sys", nosuid | nodev | noexec | UInt(MS_RDONLY))
        monitor.mounts.append(MountOperation(.bind(source: sandbox, recursive: false), target: inContainerSandbox, scope: .rootfs))
        for (file, source) in podEtc.sorted(by: { $0.key < $1.key }) {
            monitor.mounts.append(MountOperation(.bind(source: source, recursive: false), target: "/etc/" + file, scope: .rootfs,
                                                 targetIsFile: true, optional: true))
        }
        for volume in spec.volumes {
            let source = try planner.volumeSource(volume, containerSandbox: sandbox,
                                                  owner: UserDatabase.Identity(uid: identity.uid, gid: identity.gid, supplementaryGroups: [],
                                                                               home: "/", name: ""))
            let target: String
            if volume.containerPath.hasPrefix("/") {
                target = volume.containerPath
            } else {
                guard ContainerPlanner.isSafeRelativePath(volume.containerPath) else {
                    throw PodRuntimeError(.volume, "mount path '\(volume.containerPath)' must not contain '..'")
                }
                target = inContainerSandbox + "/" + volume.containerPath
            }
            monitor.mounts.append(MountOperation(.bind(source: source, recursive: true), target: target, scope: .rootfs,
                                                 flags: volume.readOnly ? UInt(MS_RDONLY) : 0))
        }
        // Masked and read-only paths, as Docker and Mesos do; absent ones are skipped (this
        // kernel has no /proc/sysrq-trigger).
        for path in ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                     "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"] {
            monitor.postMounts.append(MountOperation(.mask, target: path, scope: .container, optional: true))
        }
        for path in ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"] {
            monitor.postMounts.append(MountOperation(.readOnly, target: path, scope: .container, optional: true))
        }
        monitor.standardOutput = .fileDescriptor(try ContainerPlanner.openLog(sandbox + "/stdout", owner: .init(uid: identity.uid, gid: identity.gid, supplementaryGroups: [], home: "/", name: "")))
        monitor.standardError = .fileDescriptor(try ContainerPlanner.openLog(sandbox + "/stderr", owner: .init(uid: identity.uid, gid: identity.gid, supplementaryGroups: [], home: "/", name: "")))
        let description = "\(pulled.reference)@\(pulled.manifestDigest)"
        return ContainerPlan(spec: spec, sandbox: sandbox, monitor: monitor, cgroup: nil,
                             rootfs: .init(rootfsDirectory: rootfs, scratchDirectory: base, imageDescription: description,
                                           reference: pulled.reference.description, manifestDigest: "\(pulled.manifestDigest)",
                                           configDigest: "\(pulled.configDigest)"))
    }

    /// After the container ended: its mounts died with its mount namespace; remove the
    /// scratch directories and release the image.
    func release(_ spec: ContainerSpec, _ rootfs: ContainerPlan.RootfsPlan, executorID: String) async {
        // The overlay lived in the container's mount namespace and is gone with it.
        Directory.removeTree(rootfs.scratchDirectory)
        try? await store.release(holder: executorID + "/" + spec.containerID)
    }
}
