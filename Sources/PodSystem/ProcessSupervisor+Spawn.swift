import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// C memory for one spawn call, freed when the call returns (the cloned child has its
/// own copy of the address space by then).
private final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    func string(_ s: String?) -> UnsafePointer<CChar>? {
        guard let s else { return nil }
        guard let p = strdup(s) else { return nil }
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let p = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// A NULL-terminated `char *const[]`.
    func stringVector(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: values.count + 1)
        for (i, v) in values.enumerated() {
            let s = strdup(v)
            if let s { blocks.append(UnsafeMutableRawPointer(s)) }
            p[i] = s
        }
        p[values.count] = nil
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    deinit {
        for b in blocks { free(b) }
    }
}

extension ProcessSupervisor {
    /// Starts a container monitor for `spec`. The returned process reports when the
    /// workload has been exec'd (`started()`) and how it ended (`waitForExit()`).
    /// Descriptors in the spec's standard streams are closed in this process.
    public func spawn(_ spec: MonitorSpec) async throws -> ManagedProcess {
        try checkUsable()
        var opened: [Int32] = []
        var ownedStdio: [Int32] = []
        for stream in [spec.standardInput, spec.standardOutput, spec.standardError] {
            if case .fileDescriptor(let fd) = stream { ownedStdio.append(fd) }
        }
        defer { for fd in Set(ownedStdio) { close(fd) } }
        func open(_ path: String, _ flags: Int32) throws(SystemError) -> Int32 {
            let fd = Glibc.open(path, flags | O_CLOEXEC)
            guard fd >= 0 else { throw SystemError.last("open", path) }
            opened.append(fd)
            return fd
        }
        do {
            let devNull = try open("/dev/null", O_RDWR)
            func fd(_ stream: StandardStream) -> Int32 {
                if case .fileDescriptor(let f) = stream { return f }
                return devNull
            }
            let netnsFD = try spec.networkNamespacePath.map { path throws(SystemError) in try open(path, O_RDONLY) } ?? -1
            var cgroupFDs: [Int32] = []
            for path in spec.cgroupJoinFiles { cgroupFDs.append(try open(path, O_WRONLY)) }
            var joins: [cpod_nsfd] = []
            if let target = spec.joinNamespacesOf {
                for (ns, name) in NamespaceSet.joinOrder where spec.joinNamespaces.contains(ns) {
                    let nsfd = try open("/proc/\(target)/ns/\(name)", O_RDONLY)
                    joins.append(cpod_nsfd(fd: nsfd, nstype: ns.rawValue))
                }
            }
            var pipeFDs: [Int32] = [-1, -1]
            guard cpod_pipe_cloexec(&pipeFDs) == 0 else { throw SystemError.last("pipe2", "monitor reports") }
            opened.append(pipeFDs[1])
            let reportRead = pipeFDs[0]

            let arena = CArena()
            var c = cpod_spec()
            c.clone_flags = spec.joinNamespacesOf == nil ? spec.newNamespaces.rawValue : 0
            c.netns_fd = netnsFD
            c.join_ns = UnsafePointer(arena.array(joins))
            c.n_join_ns = Int32(joins.count)
            c.cgroup_join_fds = UnsafePointer(arena.array(cgroupFDs))
            c.n_cgroup_join_fds = Int32(cgroupFDs.count)
            Self.describeFilesystem(&c, spec, arena)
            Self.confine(&c, spec, arena)
            c.exec_file = arena.string(spec.executable)
            if let host = spec.hostExecutable {
                c.has_exec_fd = 1
                c.exec_fd = try open(host, O_RDONLY)
            }
            c.argv = UnsafePointer(arena.stringVector(spec.arguments))
            c.envp = UnsafePointer(arena.stringVector(spec.environment))
            c.stdin_fd = fd(spec.standardInput)
            c.stdout_fd = fd(spec.standardOutput)
            c.stderr_fd = fd(spec.standardError)
            c.set_controlling_tty = spec.controllingTerminal ? 1 : 0
            c.status_fd = pipeFDs[1]
            c.lifeline_fd = spec.lifeline ? lifelineReadFD : -1

            let request = SpawnRequest(spec: c, arena: arena)
            let result = await onSupervisorThread { request.run() }
            guard result.pid > 0 else {
                close(reportRead)
                throw SystemError("clone", spec.executable, errno: result.errno, detail: result.message)
            }
            let signalFD = dup(result.pidfd)
            let process = ManagedProcess(pid: result.pid, signalFD: signalFD, reports: true)
            for fd in opened { close(fd) }
            opened.removeAll()
            watchReports(fd: reportRead, process: process)
            watchPidFD(result.pidfd, process: process)
            return process
        } catch {
            for fd in opened { close(fd) }
            throw error
        }
    }

    /// The workload's filesystem view in `c`: rootfs, mounts before and after pivot_root,
    /// hostname, working directory.
    private static func describeFilesystem(_ c: inout cpod_spec, _ spec: MonitorSpec, _ arena: CArena) {
        let mounts = spec.mounts.map { cMount($0, arena) }
        let postMounts = spec.postMounts.map { cMount($0, arena) }
        c.rootfs = arena.string(spec.rootfs)
        c.mounts = UnsafePointer(arena.array(mounts))
        c.n_mounts = Int32(mounts.count)
        c.post_mounts = UnsafePointer(arena.array(postMounts))
        c.n_post_mounts = Int32(postMounts.count)
        c.hostname = arena.string(spec.hostname)
        c.cwd = arena.string(spec.workingDirectory)
    }

    /// The monitor's confinement of the workload in `c`: identity, capabilities,
    /// no_new_privs, seccomp, resource limits, OOM score (arrays kept alive by `arena`).
    private static func confine(_ c: inout cpod_spec, _ spec: MonitorSpec, _ arena: CArena) {
        c.uid = spec.uid
        c.gid = spec.gid
        c.groups = UnsafePointer(arena.array(spec.supplementaryGroups))
        c.n_groups = Int32(spec.supplementaryGroups.count)
        c.cap_bounding = spec.capabilities.bounding
        c.cap_effective = spec.capabilities.effective
        c.cap_permitted = spec.capabilities.permitted
        c.cap_inheritable = spec.capabilities.inheritable
        c.cap_ambient = spec.capabilities.ambient
        c.keep_all_caps = spec.keepAllCapabilities ? 1 : 0
        c.no_new_privs = spec.noNewPrivileges ? 1 : 0
        if let seccomp = spec.seccomp, !seccomp.instructions.isEmpty {
            c.seccomp_filter = UnsafeRawPointer(arena.array(seccomp.instructions))
            c.seccomp_filter_len = UInt16(clamping: seccomp.instructions.count)
        }
        let limits = spec.resourceLimits.map { cpod_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) }
        c.rlimits = UnsafePointer(arena.array(limits))
        c.n_rlimits = Int32(limits.count)
        if let adj = spec.oomScoreAdjust {
            c.oom_score_adj_set = 1
            c.oom_score_adj = adj
        }
    }

    private static func cMount(_ m: MountOperation, _ arena: CArena) -> cpod_mount {
        var c = cpod_mount()
        c.target = arena.string(m.target)
        switch m.scope {
        case .host: c.scope = Int32(CPOD_TARGET_HOST.rawValue)
        case .rootfs: c.scope = Int32(CPOD_TARGET_ROOTFS.rawValue)
        case .container: c.scope = Int32(CPOD_TARGET_CONTAINER.rawValue)
        }
        c.flags = m.flags
        c.chdir_before = arena.string(m.workingDirectory)
        c.target_is_file = m.targetIsFile ? 1 : 0
        c.optional = m.optional ? 1 : 0
        switch m.kind {
        case let .filesystem(type, source, options):
            c.kind = Int32(CPOD_MOUNT_FS.rawValue)
            c.fstype = arena.string(type)
            c.source = arena.string(source)
            c.data = arena.string(options)
        case let .bind(source, recursive):
            c.kind = Int32(CPOD_MOUNT_BIND.rawValue)
            c.source = arena.string(source)
            if recursive { c.flags |= UInt(MS_REC) }
        case .mask:
            c.kind = Int32(CPOD_MOUNT_MASK.rawValue)
        case .readOnly:
            c.kind = Int32(CPOD_MOUNT_READONLY.rawValue)
        case .symlink(let destination):
            c.kind = Int32(CPOD_MOUNT_SYMLINK.rawValue)
            c.source = arena.string(destination)
        case .device(let hostPath):
            c.kind = Int32(CPOD_MOUNT_DEVICE.rawValue)
            c.source = arena.string(hostPath)
        }
        return c
    }
}

/// The parts of a spawn handed to the supervisor thread.
private struct SpawnRequest: @unchecked Sendable {
    // Safe: the C structure and its arena are only touched by the supervisor thread
    // while the awaiting caller is suspended; the arena outlives the call.
    var spec: cpod_spec
    let arena: CArena

    struct Result: Sendable {
        var pid: Int32
        var pidfd: Int32
        var errno: Int32
        var message: String
    }

    func run() -> Result {
        var pidfd: Int32 = -1
        var buffer = [CChar](repeating: 0, count: 256)
        var copy = spec
        let pid = cpod_spawn(&copy, &pidfd, &buffer, buffer.count)
        let e = Glibc.errno
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        withExtendedLifetime(arena) {}
        return Result(pid: pid, pidfd: pidfd, errno: pid > 0 ? 0 : e, message: message)
    }
}
