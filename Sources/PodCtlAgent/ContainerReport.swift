import Foundation
import PodRuntime
import PodSystem

/// One container as `agent ps --json` and `agent inspect --json` show it: the executor's
/// record plus what the kernel says now (processes, cgroup memory and CPU).
struct ContainerReport: Codable, Sendable, Equatable {
    var name: String
    var taskID: String
    var containerID: String
    /// The last task state the executor sent (`TASK_RUNNING`, …).
    var state: String?
    var running: Bool
    /// Health: `healthy`, `unhealthy`, `unknown` (checked, no result yet) or nil (no check).
    var health: String?
    var healthCheck: String?
    var lastHealthResult: String?
    /// Host pid of the container's init, and of its processes (init's children).
    var initPID: Int32?
    var pids: [Int32]
    /// Processes in the container's cgroup.
    var processCount: Int?
    var startedAt: Double?
    var uptimeSeconds: Double?
    var finishedAt: Double?
    var termination: String?
    var memoryBytes: UInt64?
    var memoryLimitBytes: UInt64?
    var cpuSeconds: Double?
    var sandbox: String
    var rootfs: String?
    var image: String?
    var imageManifestDigest: String?
    var imageConfigDigest: String?
    var cgroupVersion: String?
    var cgroups: [String: String]
    var mounts: [PodStateSnapshot.Mount]
    var command: [String]?
    var workingDirectory: String?
    var user: String?
    var namespaces: [String]?
    var capabilities: [String]?
    var seccomp: String?
    /// `NAME=value` without secrets; the names of secret variables are in `secretVariables`.
    var environment: [String]?
    var secretVariables: [String]?

    init(_ c: PodStateSnapshot.Container, executorPID: Int32?, now: Double) {
        name = c.displayName
        taskID = c.taskID
        containerID = c.containerID
        state = c.state
        healthCheck = c.healthCheckDefinition?.summary
        lastHealthResult = c.healthCheck
        switch (c.healthy, c.healthCheckDefinition != nil || c.healthCheck != nil) {
        case (true?, _): health = "healthy"
        case (false?, _): health = "unhealthy"
        case (nil, true): health = "unknown"
        case (nil, false): health = nil
        }
        let alive = c.running && ProcFS.isContainerInit(c.initPID, executorPID: executorPID)
        running = alive
        initPID = c.initPID > 0 ? c.initPID : nil
        pids = alive ? ProcFS.children(of: c.initPID) : []
        startedAt = c.startedAt > 0 ? c.startedAt : nil
        uptimeSeconds = alive && c.startedAt > 0 ? max(0, now - c.startedAt) : nil
        finishedAt = c.finishedAt
        termination = c.termination ?? (c.running && !alive ? "init process gone" : nil)
        sandbox = c.sandbox
        rootfs = c.rootfs
        image = c.imageReference ?? c.image
        imageManifestDigest = c.imageManifestDigest
        imageConfigDigest = c.imageConfigDigest
        cgroupVersion = c.cgroupVersion
        let cgroup = Self.cgroup(c)
        cgroups = cgroup?.directories ?? [:]
        mounts = c.mounts ?? []
        if alive, let cgroup {
            processCount = cgroup.processes().count
            memoryBytes = cgroup.memoryUsage()
            memoryLimitBytes = cgroup.memoryLimit()
            cpuSeconds = cgroup.cpuUsageNanoseconds().map { Double($0) / 1e9 }
        }
        if let p = c.process {
            command = p.arguments
            workingDirectory = p.workingDirectory
            user = "uid=\(p.uid) gid=\(p.gid)" + (p.supplementaryGroups.isEmpty ? "" : " groups=" + p.supplementaryGroups.map(String.init).joined(separator: ","))
            namespaces = p.namespaces
            capabilities = Capabilities.names(p.capabilities.bounding)
            seccomp = p.seccompUnconfined ? "unconfined" : (p.seccompProfile ?? "default")
            environment = p.environment
            secretVariables = p.redactedEnvironment
        }
    }

    /// The container's cgroup, when the executor created one.
    static func cgroup(_ c: PodStateSnapshot.Container) -> Cgroup? {
        if let version = c.cgroupVersion.flatMap(Cgroup.Version.init(rawValue:)), let controllers = c.cgroupControllers {
            return Cgroup(version: version, directories: controllers)
        }
        guard !c.cgroups.isEmpty else { return nil }
        // Older records list directories only: name them by their hierarchy's mount.
        guard let layout = try? CgroupLayout.detect() else { return nil }
        var dirs: [String: String] = [:]
        for dir in c.cgroups {
            for (controller, mount) in layout.mountPoints where dir.hasPrefix(mount + "/") { dirs[controller] = dir }
        }
        return dirs.isEmpty ? nil : Cgroup(version: layout.version, directories: dirs)
    }
}
