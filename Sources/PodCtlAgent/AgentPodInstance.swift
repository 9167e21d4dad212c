import Foundation
import PodCtlKit
import PodRuntime
import PodSystem

/// One pod instance as its executor published it.
struct AgentPodInstance: Sendable {
    /// The state file it was read from.
    let stateFile: String
    let snapshot: PodStateSnapshot

    static func load(stateFile file: String) throws(PodCtlError) -> AgentPodInstance {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.bytes(file, limit: 16 << 20)
        } catch {
            throw PodCtlError(.api, "cannot read \(file): \(SystemError.message(for: error.errno))")
        }
        do {
            return AgentPodInstance(stateFile: file, snapshot: try JSONDecoder().decode(PodStateSnapshot.self, from: Data(bytes)))
        } catch {
            throw PodCtlError(.api, "\(file) is not a pod state file: \(error)")
        }
    }

    /// The same instance read again (for `logs -f`); nil once its state is gone.
    func reloaded() -> AgentPodInstance? {
        try? Self.load(stateFile: stateFile)
    }

    /// The Marathon instance id (`<pod>.instance-<uuid>`) for an executor id
    /// `instance-<pod>.<uuid>`; other executor ids are shown as they are.
    var name: String { Self.instanceName(executorID: snapshot.executorID) }

    static func instanceName(executorID: String) -> String {
        for prefix in ["instance-", "marathon-"] where executorID.hasPrefix(prefix) {
            let rest = executorID.dropFirst(prefix.count)
            guard let dot = rest.lastIndex(of: "."), dot != rest.startIndex else { continue }
            let uuid = rest[rest.index(after: dot)...]
            guard !uuid.isEmpty else { continue }
            return String(rest[..<dot]) + "." + prefix + uuid
        }
        return executorID
    }

    func matchesExactly(_ query: String) -> Bool {
        query == name || query == snapshot.executorID || query == PodConfiguration.safeName(snapshot.executorID)
    }

    /// Whether the executor that wrote the state still runs.
    var executorRunning: Bool { PodGarbageCollector.isAlive(snapshot.executorPID) }

    /// The container `query` names (its name or its task id).
    func container(_ query: String) throws(PodCtlError) -> PodStateSnapshot.Container {
        let containers = snapshot.containers
        if let match = containers.first(where: { $0.name == query }) ?? containers.first(where: { $0.taskID == query }) {
            return match
        }
        let suffixed = containers.filter { $0.taskID.hasSuffix("." + query) }
        if suffixed.count == 1, let only = suffixed.first { return only }
        let names = containers.map { $0.name.isEmpty ? $0.taskID : $0.name }
        throw PodCtlError(.api, "pod instance \(name) has no container '\(query)'" +
                          (names.isEmpty ? "" : " (its containers: \(names.joined(separator: ", ")))"))
    }

    /// A running container that can be entered, checked to still be the process the
    /// executor started (a stale state file could name a reused pid).
    func runningContainer(_ query: String) throws(PodCtlError) -> PodStateSnapshot.Container {
        let container = try container(query)
        guard container.running, container.initPID > 0 else {
            throw PodCtlError(.api, "container \(container.displayName) of \(name) is not running" +
                              (container.termination.map { " (\($0))" } ?? ""))
        }
        guard ProcFS.isContainerInit(container.initPID, executorPID: snapshot.executorPID) else {
            throw PodCtlError(.api, "container \(container.displayName) of \(name) is not running: its init process \(container.initPID) is gone" +
                              (executorRunning ? "" : " (the executor is gone too; 'podctl agent gc' cleans up)"))
        }
        return container
    }
}

extension PodStateSnapshot.Container {
    /// The name, or the task id for records without one.
    var displayName: String { name.isEmpty ? taskID : name }
}
