import Logging
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// The decisions for one container, computed before anything is started: its sandbox,
/// mounts, identity, confinement and program. Building a plan touches only the
/// container's own fresh sandbox directory, so a failed plan leaves nothing behind but
/// that directory.
struct ContainerPlan: Sendable {
    var spec: ContainerSpec
    /// Host path of the container's sandbox (`<executor sandbox>/containers/<id>`).
    var sandbox: String
    var monitor: MonitorSpec
    /// The cgroup created for the container.
    var cgroup: Cgroup?
    /// The image the container runs in, with the rootfs directories to clean up.
    var rootfs: RootfsPlan?
    /// The rotations of `stdout` and `stderr` (empty: the container writes its files itself).
    var logs: [ContainerLog] = []

    struct RootfsPlan: Sendable {
        var rootfsDirectory: String
        var scratchDirectory: String
        var imageDescription: String
        var reference: String?
        var manifestDigest: String?
        var configDigest: String?
    }
}

/// Builds a `ContainerPlan` for the host root filesystem (containers without an image).
/// Image containers extend the plan with a rootfs (see `ContainerPlanner+Image`).
struct ContainerPlanner: Sendable {
    let configuration: PodConfiguration
    let networkNamespacePath: String?
    /// The pod's tmpfs for secret volumes (nil when no container mounts one).
    var secretFiles: PodSecretFiles?
    var logger = Logger(label: "pod-runtime")

    /// Sandbox layout as the default executor's: `containers/<id>/{stdout,stderr}` and
    /// `tasks/<task id>` → that directory.
    func makeSandbox(_ spec: ContainerSpec) throws -> String {
        let base = configuration.sandbox
        let dir = base + "/containers/" + spec.containerID
        do {
            try Directory.create(dir, mode: 0o755)
            try Directory.create(base + "/tasks", mode: 0o755)
        } catch {
            throw PodRuntimeError(.system, "cannot create the sandbox of \(spec.name)", underlying: error)
        }
        let link = base + "/tasks/" + PodConfiguration.safeName(spec.taskID)
        unlink(link)
        if symlink(dir, link) != 0 {
            throw PodRuntimeError(.system, "cannot link \(link) to the container sandbox", underlying: SystemError.last("symlink", link))
        }
        return dir
    }

    /// Resolves the identity a container without an image runs as (host users).
    func hostIdentity(_ spec: ContainerSpec) throws -> UserDatabase.Identity {
        guard let user = spec.user ?? configuration.defaultUser, !user.isEmpty else {
            return UserDatabase.Identity(uid: 0, gid: 0, supplementaryGroups: [], home: "/root", name: "root")
        }
        do {
            return try UserDatabase.host(user)
        } catch {
            throw PodRuntimeError(.invalidSpec, "user '\(user)' of \(spec.name) does not exist on this agent", underlying: error)
        }
    }

    /// The host path a volume's source refers to, checked to exist (host paths) or
    /// created (sandbox paths, as the agent's `volume/sandbox_path` isolator does; secret
    /// files, in the pod's tmpfs, owned by the container's user).
    func volumeSource(_ volume: ContainerSpec.Volume, containerSandbox: String, owner: UserDatabase.Identity) throws -> String {
        switch volume.source {
        case .secret(let name, let data):
            guard let secretFiles else {
                throw PodRuntimeError(.volume, "secret volume '\(name)' at \(volume.containerPath) has no tmpfs to live on")
            }
            let containerID = String(containerSandbox.split(separator: "/").last ?? "")
            return try secretFiles.write(data, containerID: containerID, containerPath: volume.containerPath, owner: owner)
        case .podSandbox(let relative), .containerSandbox(let relative):
            guard Self.isSafeRelativePath(relative) else {
                throw PodRuntimeError(.volume, "volume path '\(relative)' must be relative and must not contain '..'")
            }
            let base: String
            if case .podSandbox = volume.source { base = configuration.sandbox } else { base = containerSandbox }
            let path = base + "/" + relative
            if !Directory.isDirectory(path) {
                do {
                    try Directory.create(path, mode: 0o755)
                    if owner.uid != 0 { FileOwnership.change(path, uid: owner.uid, gid: owner.gid) }
                } catch {
                    throw PodRuntimeError(.volume, "cannot create volume directory \(path)", underlying: error)
                }
            }
            return path
        case .host(let path):
            guard path.hasPrefix("/") else {
                // Marathon allows host volumes relative to the sandbox.
                let full = containerSandbox + "/" + path
                guard Self.isSafeRelativePath(path), Directory.exists(full) else {
                    throw PodRuntimeError(.volume, "host volume path '\(path)' does not exist in the sandbox")
                }
                return full
            }
            guard Directory.exists(path) else {
                throw PodRuntimeError(.volume, "host path '\(path)' of a volume does not exist on this agent")
            }
            return path
        }
    }

    /// A secret file is always read-only, and nothing on it may run or be a device.
    static func mountFlags(_ volume: ContainerSpec.Volume) -> UInt {
        if volume.isSecret { return UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) }
        return volume.readOnly ? UInt(MS_RDONLY) : 0
    }

    static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }

    /// The argv of a command without an image (Mesos `CommandInfo` rules).
    static func argv(_ command: ContainerSpec.Command) throws -> (executable: String, arguments: [String]) {
        if command.shell {
            guard let value = command.value, !value.isEmpty else {
                throw PodRuntimeError(.invalidSpec, "a shell command needs a value")
            }
            return ("/bin/sh", ["sh", "-c", value])
        }
        guard let value = command.value, !value.isEmpty else {
            throw PodRuntimeError(.invalidSpec, "the command has no value and the container has no image to take one from")
        }
        return (value, command.arguments.isEmpty ? [value] : command.arguments)
    }

    /// The environment: `MESOS_SANDBOX`, then the task's variables (which win), and a
    /// default PATH when nobody set one.
    static func environment(_ spec: ContainerSpec, sandboxInContainer: String, base: [(String, String)] = []) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ k: String, _ v: String) {
            if values[k] == nil { order.append(k) }
            values[k] = v
        }
        for (k, v) in base { set(k, v) }
        set("MESOS_SANDBOX", sandboxInContainer)
        for (k, v) in spec.environment { set(k, v) }
        if values["PATH"] == nil { set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") }
        return order.map { "\($0)=\(values[$0] ?? "")" }
    }

    /// Namespaces: mount, PID, UTS always; IPC unless shared with the executor; the PID
    /// namespace can be shared too (`LinuxInfo.share_pid_namespace`).
    static func namespaces(_ linux: ContainerSpec.Linux) -> NamespaceSet {
        var set: NamespaceSet = [.mount, .uts]
        if !linux.sharePIDNamespace { set.insert(.pid) }
        if linux.ipc == .private { set.insert(.ipc) }
        return set
    }

    /// The capability sets: bounding from the spec or the Docker default; effective
    /// defaults to the bounding set.
    static func capabilities(_ linux: ContainerSpec.Linux) throws -> CapabilitySets {
        for name in (linux.boundingCapabilities ?? []) + (linux.effectiveCapabilities ?? []) {
            let bare = name.uppercased().hasPrefix("CAP_") ? String(name.dropFirst(4)) : name.uppercased()
            guard Capabilities.numbers[bare] != nil else {
                throw PodRuntimeError(.invalidSpec, "unknown capability '\(name)'")
            }
        }
        let bounding = linux.boundingCapabilities.map(Capabilities.mask) ?? Capabilities.dockerDefault
        let effective = linux.effectiveCapabilities.map(Capabilities.mask) ?? bounding
        guard effective & ~bounding == 0 else {
            throw PodRuntimeError(.invalidSpec, "effective capabilities must be a subset of the bounding set")
        }
        return CapabilitySets(bounding: bounding, effective: effective, permitted: effective)
    }

    /// Opens a sandbox log file for appending, owned by the task user.
    /// `stdout` and `stderr` in the container's sandbox: the files themselves, or with a
    /// `PodConfiguration.logRotation`, pipes into a `ContainerLog` each.
    func standardStreams(sandbox: String, owner: UserDatabase.Identity) throws
        -> (output: StandardStream, error: StandardStream, logs: [ContainerLog])
    {
        guard let rotation = configuration.logRotation else {
            let output = try Self.openLog(sandbox + "/stdout", owner: owner)
            do {
                return (.fileDescriptor(output), .fileDescriptor(try Self.openLog(sandbox + "/stderr", owner: owner)), [])
            } catch {
                close(output)
                throw error
            }
        }
        let (outputLog, output) = try ContainerLog.start(path: sandbox + "/stdout", rotation: rotation, owner: owner, logger: logger)
        do {
            let (errorLog, error) = try ContainerLog.start(path: sandbox + "/stderr", rotation: rotation, owner: owner, logger: logger)
            return (.fileDescriptor(output), .fileDescriptor(error), [outputLog, errorLog])
        } catch {
            close(output)
            throw error
        }
    }

    static func openLog(_ path: String, owner: UserDatabase.Identity) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PodRuntimeError(.system, "cannot open \(path)", underlying: SystemError.last("open", path))
        }
        if owner.uid != 0 { FileOwnership.change(fd: fd, uid: owner.uid, gid: owner.gid) }
        return fd
    }

    /// The plan for a container that runs in the host's root filesystem.
    func hostPlan(_ spec: ContainerSpec, seccomp: SeccompProgram?) throws -> ContainerPlan {
        let sandbox = try makeSandbox(spec)
        let identity = try hostIdentity(spec)
        if identity.uid != 0 { FileOwnership.change(sandbox, uid: identity.uid, gid: identity.gid) }
        let (executable, arguments) = try Self.argv(spec.command)
        var monitor = MonitorSpec(executable: executable, arguments: arguments,
                                  environment: Self.environment(spec, sandboxInContainer: sandbox))
        monitor.newNamespaces = Self.namespaces(spec.linux)
        monitor.networkNamespacePath = networkNamespacePath
        monitor.workingDirectory = sandbox
        monitor.uid = identity.uid
        monitor.gid = identity.gid
        monitor.supplementaryGroups = identity.supplementaryGroups
        monitor.capabilities = try Self.capabilities(spec.linux)
        monitor.seccomp = seccomp
        monitor.resourceLimits = spec.resourceLimits
        if case .container = configuration.network { monitor.hostname = configuration.hostname }

        for volume in spec.volumes {
            let source = try volumeSource(volume, containerSandbox: sandbox, owner: identity)
            let secret = volume.isSecret
            let target: String
            if volume.containerPath.hasPrefix("/") {
                // Without an image the container sees the host's tree: the mount point
                // must exist there (we never create directories in the host root).
                guard Directory.exists(volume.containerPath) else {
                    throw PodRuntimeError(.volume, "mount point \(volume.containerPath) does not exist on the agent; containers without an image can only mount at existing absolute paths or inside their sandbox")
                }
                target = volume.containerPath
            } else {
                guard Self.isSafeRelativePath(volume.containerPath) else {
                    throw PodRuntimeError(.volume, "mount path '\(volume.containerPath)' must not contain '..'")
                }
                target = sandbox + "/" + volume.containerPath
                if !Directory.isDirectory(source) {
                    // A file volume: create an empty file as the mount point.
                    if !Directory.exists(target) {
                        if let slash = target.lastIndex(of: "/") { try? Directory.create(String(target[..<slash])) }
                        let fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
                        if fd >= 0 { close(fd) }
                    }
                } else {
                    do { try Directory.create(target) } catch {
                        throw PodRuntimeError(.volume, "cannot create mount point \(target)", underlying: error)
                    }
                }
            }
            monitor.mounts.append(MountOperation(.bind(source: source, recursive: !secret), target: target, scope: .host,
                                                 flags: Self.mountFlags(volume)))
        }
        if monitor.newNamespaces.contains(.pid) {
            monitor.mounts.append(MountOperation(.filesystem(type: "proc", source: "proc", options: nil), target: "/proc",
                                                 scope: .host, flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)))
        }
        if monitor.newNamespaces.contains(.ipc) {
            let size = spec.linux.shmSize.map { "\($0)m" } ?? "64m"
            monitor.mounts.append(MountOperation(.filesystem(type: "tmpfs", source: "shm", options: "mode=1777,size=\(size)"),
                                                 target: "/dev/shm", scope: .host, flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC),
                                                 optional: true))
            monitor.mounts.append(MountOperation(.filesystem(type: "mqueue", source: "mqueue", options: nil),
                                                 target: "/dev/mqueue", scope: .host, flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC),
                                                 optional: true))
        }
        let streams = try standardStreams(sandbox: sandbox, owner: identity)
        monitor.standardOutput = streams.output
        monitor.standardError = streams.error
        return ContainerPlan(spec: spec, sandbox: sandbox, monitor: monitor, cgroup: nil, rootfs: nil, logs: streams.logs)
    }
}
