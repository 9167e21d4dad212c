import Foundation
import ImageStore
import Logging
import PodNetworking
import PodSystem

/// Cleans up after executors that died without tearing their pod down (`kill -9`, a
/// crash, the agent destroying the container): leftover container processes and cgroups,
/// CNI attachments (IP allocations, veths, port mappings), network namespaces, the tmpfs of
/// secret volumes, rootfs scratch directories and image holds. Every pod-executor runs it at start-up; the
/// embedded agent runs it (`pod-executor --cleanup`) when an executor ends abnormally;
/// operators run it with `podctl agent gc`.
public struct PodGarbageCollector: Sendable {
    public var runtimeDirectory: String
    public var cniConfigDirectory: String
    public var cniPluginDirectories: [String]
    public var imageStore: ImageStore?
    public var logger: Logger
    /// CNI attachments without any pod state are only collected once this old (an
    /// executor may be between its ADD and its first state write).
    public var orphanGrace: TimeInterval = 120

    public init(runtimeDirectory: String, cniConfigDirectory: String, cniPluginDirectories: [String],
                imageStore: ImageStore?, logger: Logger) {
        self.runtimeDirectory = runtimeDirectory
        self.cniConfigDirectory = cniConfigDirectory
        self.cniPluginDirectories = cniPluginDirectories
        self.imageStore = imageStore
        self.logger = logger
    }

    /// A pod's executor holds an exclusive `flock` on the pod's state directory for as
    /// long as it runs (a lock on the directory itself: no file to create). The kernel drops
    /// the lock when the process dies (also by SIGKILL), so a held lock proves the pod alive
    /// without reading its state.
    ///
    /// Takes that lock for `executorID` and keeps it for the life of this process (the
    /// descriptor is never closed). False when another process keeps holding it for a
    /// second, or the directory cannot be made.
    @discardableResult
    public static func holdLivenessLock(runtimeDirectory: String, executorID: String) -> Bool {
        let directory = runtimeDirectory + "/pods/" + PodConfiguration.safeName(executorID)
        guard (try? Directory.create(directory, mode: 0o755)) != nil else { return false }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        // A collector probing this directory holds a shared lock for an instant: retry.
        for _ in 0..<100 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            guard errno == EWOULDBLOCK || errno == EINTR else { break }
            usleep(10_000)
        }
        close(fd)
        return false
    }

    /// Whether a live executor holds the liveness lock of a pod state directory.
    static func livenessLockHeld(_ directory: String) -> Bool {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        while flock(fd, LOCK_SH | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            return errno == EWOULDBLOCK
        }
        _ = flock(fd, LOCK_UN)
        return false
    }

    /// Whether the executor that wrote a pod state still runs (a live `pod-executor`
    /// process with that pid).
    public static func isAlive(_ pid: Int32?) -> Bool {
        guard let pid, pid > 0 else { return false }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        let cmdline = (try? FileContents.bytes("/proc/\(pid)/cmdline", limit: 4096)) ?? []
        return String(decoding: cmdline, as: UTF8.self).contains("pod-executor")
    }

    /// Collects every pod whose executor is gone, except `keep` (the caller's own).
    /// Returns the executor ids collected.
    @discardableResult
    public func collect(keep: String? = nil) async -> [String] {
        var collected: [String] = []
        let podsDirectory = runtimeDirectory + "/pods"
        var live = Set<String>()
        let cni = CNI(configuration: CNI.Configuration(configDirectory: cniConfigDirectory, pluginDirectories: cniPluginDirectories,
                                                       stateDirectory: runtimeDirectory + "/cni"), logger: logger)
        for name in Directory.list(podsDirectory) {
            let dir = podsDirectory + "/" + name
            // A running executor: nothing to read. (Executors older than the lock, or one
            // that could not take it, are told by their state's pid below.)
            if Self.livenessLockHeld(dir) {
                live.insert(name)
                continue
            }
            guard let bytes = try? FileContents.bytes(dir + "/state.json", limit: 16 << 20),
                  let state = try? JSONDecoder().decode(PodStateSnapshot.self, from: Data(bytes)) else {
                // No readable state: only remove it when it is old (a starting executor).
                if Self.age(of: dir) > orphanGrace { Directory.removeTree(dir) }
                continue
            }
            let safeID = PodConfiguration.safeName(state.executorID)
            if state.executorID == keep || Self.isAlive(state.executorPID) {
                live.insert(safeID)
                continue
            }
            logger.warning("cleaning up after a dead executor", metadata: ["mesos.executor_id": "\(state.executorID)"])
            for container in state.containers {
                for dir in container.cgroups {
                    // One directory per entry: killing reads its cgroup.procs, removal rmdirs it.
                    let cgroup = Cgroup(version: .v1, directories: ["dir": dir])
                    await cgroup.killAll(timeout: .seconds(5))
                    try? cgroup.remove()
                }
                if !container.containerID.isEmpty {
                    Directory.removeTree(state.sandbox + "/.rootfs/" + container.containerID)
                    try? await imageStore?.release(holder: state.executorID + "/" + container.containerID)
                }
            }
            do {
                try await cni.cleanup(containerID: safeID)
            } catch {
                logger.error("CNI cleanup failed", metadata: ["mesos.executor_id": "\(state.executorID)", "error": "\(error)"])
            }
            if let netns = state.networkNamespace { NetworkNamespace(path: netns).remove() }
            PodSecretFiles.remove(runtimeDirectory: runtimeDirectory, safeExecutorID: safeID)
            Directory.removeTree(dir)
            collected.append(state.executorID)
        }
        // Secret tmpfs mounts of executors that are gone (with or without a state file):
        // secrets do not outlive their pod.
        let keepSafe = keep.map(PodConfiguration.safeName)
        for name in Directory.list(PodSecretFiles.parent(runtimeDirectory: runtimeDirectory))
        where !live.contains(name) && name != keepSafe && !Self.livenessLockHeld(podsDirectory + "/" + name) {
            logger.warning("removing the secret volumes of a dead executor", metadata: ["pod.runtime_name": "\(name)"])
            PodSecretFiles.remove(runtimeDirectory: runtimeDirectory, safeExecutorID: name)
        }
        // Attachments of pods that left no state at all.
        for containerID in cni.containersWithAttachments() where !live.contains(containerID) {
            let record = runtimeDirectory + "/cni/containers/" + containerID
            guard Self.age(of: record) > orphanGrace else { continue }
            do {
                try await cni.cleanup(containerID: containerID)
                collected.append(containerID)
            } catch {
                logger.error("CNI cleanup of an orphan failed", metadata: ["cni.container_id": "\(containerID)", "error": "\(error)"])
            }
        }
        return collected
    }

    static func age(of path: String) -> TimeInterval {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let modified = attributes[.modificationDate] as? Date else { return .infinity }
        return Date().timeIntervalSince(modified)
    }
}
