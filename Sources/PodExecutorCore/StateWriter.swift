import Foundation
import Logging
import PodRuntime
import PodSystem

/// Publishes the pod's runtime state as `state.json` for `podctl agent`, written
/// atomically and readable by root only (it holds the containers' environments). Writes
/// are skipped when nothing changed. No fsync: the file describes processes, mounts and
/// cgroups, which a machine crash ends too; an executor crash leaves it whole (rename).
/// It was an fsync at every status update, 3 % of an executor's CPU in the scheduler
/// benchmark and a disk flush on the launch path.
///
/// The first file is written once the pod has a container or a network namespace: before
/// that there is nothing on the machine to show or to clean up (`podctl agent ps` lists the
/// pod's directory among the unreadable ones, as it did for any starting executor). The
/// subscription and TASK_STARTING had each written one: two of the three files of a launch.
actor StateWriter {
    let directory: String
    let logger: Logger
    private var last: PodStateSnapshot?
    private var disabled = false

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    func publish(_ snapshot: PodStateSnapshot) {
        guard !disabled else { return }
        guard last != nil || !snapshot.containers.isEmpty || snapshot.networkNamespace != nil else { return }
        var comparable = snapshot
        comparable.updatedAt = last?.updatedAt
        guard comparable != last else { return }
        last = snapshot
        do {
            try Directory.create(directory, mode: 0o755)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(snapshot)
            try FileContents.writeAtomically(directory + "/state.json", Array(data), mode: 0o600, durable: false)
        } catch {
            // The pod runs fine without it; podctl will say the state is missing.
            logger.warning("cannot publish runtime state", metadata: ["path": "\(directory)", "error": "\(error)"])
            disabled = true
        }
    }

    func remove() {
        Directory.removeTree(directory)
    }
}
