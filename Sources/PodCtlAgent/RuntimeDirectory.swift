import Foundation
import PodCtlKit
import PodRuntime
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// The executors' runtime directory: one `pods/<executor id>/state.json` per pod
/// instance on this agent.
struct RuntimeDirectory: Sendable {
    let path: String

    var podsDirectory: String { path + "/pods" }

    /// Every readable pod instance, sorted by instance name. State files that cannot be
    /// read are reported in `problems` (a starting executor, or one from another version).
    func instances() throws(PodCtlError) -> (instances: [AgentPodInstance], problems: [String]) {
        guard Directory.exists(path) else { return ([], []) }
        guard access(path, R_OK | X_OK) == 0 else {
            throw PodCtlError(.api, "cannot read the runtime directory \(path): \(SystemError.message(for: errno)) (podctl agent needs root)")
        }
        var found: [AgentPodInstance] = []
        var problems: [String] = []
        for name in Directory.list(podsDirectory).sorted() {
            let file = podsDirectory + "/" + name + "/state.json"
            do {
                found.append(try AgentPodInstance.load(stateFile: file))
            } catch {
                problems.append(error.message)
            }
        }
        return (found.sorted { $0.name < $1.name }, problems)
    }

    /// The instance `query` names: an exact instance id, executor id or state directory
    /// name, else the only instance whose id or executor id starts with it.
    func instance(_ query: String) throws(PodCtlError) -> AgentPodInstance {
        let all = try instances().instances
        if let exact = all.first(where: { $0.matchesExactly(query) }) { return exact }
        let candidates = all.filter { $0.name.hasPrefix(query) || $0.snapshot.executorID.hasPrefix(query) }
        if candidates.count == 1, let only = candidates.first { return only }
        if candidates.isEmpty {
            let known = all.isEmpty ? "there are no pod instances in \(path)" : "known: " + all.map(\.name).joined(separator: ", ")
            throw PodCtlError(.api, "no pod instance '\(query)' on this agent (\(known))")
        }
        throw PodCtlError(.usage, "'\(query)' names more than one pod instance: " + candidates.map(\.name).joined(separator: ", "))
    }
}
