import Foundation
import MesosProtocol
import PodSystem

/// The agent's reservations and persistent volumes (Mesos 1.12, `Slave::applyOperation`,
/// `syncCheckpointedResources` in `mesos:src/slave/slave.cpp`, `getPersistentVolumePath` in
/// `mesos:src/slave/paths.cpp`): its checkpointed resources change only by the operations the
/// master applies, a volume's directory is made when the volume appears and deleted only
/// when DESTROY removes it, and executors get their volumes bind-mounted into their sandbox
/// (the `filesystem/linux` isolator).
extension LocalAgent {
    struct OperationFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// `<work_dir>/volumes/roles/<role>/<persistence id>`; a `/` of a hierarchical role is a space.
    public nonisolated func volumePath(role: String, persistenceID: String) -> String {
        configuration.workDirectory + "/volumes/roles/" + role.replacingOccurrences(of: "/", with: " ") + "/" + persistenceID
    }

    /// The agent's total resources: what it was started with, less what reservations took,
    /// plus the reservations and volumes themselves.
    func totalPool() -> ResourcePool {
        let configured = ResourceSet(configuration.resources())
        return ResourcePool(unreserved: configured - checkpointedResources.quantities) + checkpointedResources
    }

    /// The total as Mesos resources (post-refinement, unallocated).
    public func totalResources() -> [Mesos_V1_Resource] {
        totalPool().resources()
    }

    /// The reserved resources and volumes the agent keeps across restarts.
    public func reservedResources() -> [Mesos_V1_Resource] {
        checkpointedResources.resources()
    }

    /// Applies a RESERVE, UNRESERVE, CREATE or DESTROY the master accepted: new volumes get
    /// their directory first, then the new state is checkpointed (synced), then destroyed
    /// volumes' directories are deleted. On a failure nothing has changed.
    func apply(_ operation: Mesos_V1_Offer.Operation) throws(OperationFailure) {
        let conversions = OfferOperations.conversions(operation)
        let total: ResourcePool
        switch OfferOperations.apply(conversions, to: totalPool(), allocationRole: nil) {
        case .success(let pool): total = pool
        case .failure(let error): throw OperationFailure(description: error.message)
        }
        let after = total.filter(\.isReserved)
        let before = checkpointedResources
        let created = Set(after.volumes).subtracting(before.volumes)
        let destroyed = Set(before.volumes).subtracting(after.volumes)
        for volume in created {
            let path = volumePath(role: volume.role, persistenceID: volume.persistenceID ?? "")
            do {
                try Directory.create(path, mode: 0o755)
            } catch {
                throw OperationFailure(description: "Failed to create persistent volume directory '\(path)': \(error)")
            }
        }
        do {
            try saveResources(after)
        } catch {
            throw OperationFailure(description: "Failed to checkpoint the agent's resources: \(error)")
        }
        checkpointedResources = after
        for volume in destroyed {
            let path = volumePath(role: volume.role, persistenceID: volume.persistenceID ?? "")
            Directory.removeTree(path)
            logger.info("persistent volume destroyed", metadata: ["mesos.persistence_id": "\(volume.persistenceID ?? "")", "path": "\(path)"])
        }
        for volume in created {
            logger.info("persistent volume created", metadata: ["mesos.persistence_id": "\(volume.persistenceID ?? "")", "mesos.role": "\(volume.role)"])
        }
    }

    // MARK: Checkpoint

    /// `<work_dir>/meta/resources/resources.log`: the reserved resources and volumes, each a
    /// serialized `Resource` (post-refinement), in a `CheckpointLog` record.
    var resourcesCheckpoint: CheckpointLog {
        CheckpointLog(path: configuration.workDirectory + "/meta/resources/resources.log")
    }

    private func saveResources(_ pool: ResourcePool) throws {
        var writer = BinaryWriter()
        writer.bytes.append(1)
        let list = pool.resources()
        writer.varint(UInt64(list.count))
        for r in list { writer.data(try r.serializedData()) }
        try Directory.create(configuration.workDirectory + "/meta/resources")
        try resourcesCheckpoint.save(writer.bytes, fresh: true)
    }

    /// Reads the checkpointed reservations and volumes at start (a missing checkpoint: none).
    /// They must fit in the configured resources, as Mesos' agent refuses to start otherwise.
    func recoverResources() throws(OperationFailure) {
        let bytes: [UInt8]?
        do {
            bytes = try resourcesCheckpoint.latest()
        } catch {
            throw OperationFailure(description: "Cannot read the checkpointed resources \(resourcesCheckpoint.path): \(error)")
        }
        guard let bytes else { return }
        var pool = ResourcePool()
        do {
            var reader = BinaryReader(bytes: bytes)
            guard try reader.byte() == 1 else { throw OperationFailure(description: "unknown version") }
            for _ in 0..<(try reader.count()) {
                pool.add(try Mesos_V1_Resource(serializedBytes: Array(try reader.data())))
            }
        } catch {
            throw OperationFailure(description: "The checkpointed resources \(resourcesCheckpoint.path) are unreadable: \(error)")
        }
        let configured = ResourceSet(configuration.resources())
        guard configured.contains(pool.quantities) else {
            throw OperationFailure(description: "Checkpointed resources \(pool.text()) are incompatible with agent resources \(configured)")
        }
        checkpointedResources = pool
        for volume in pool.volumes {
            // `syncCheckpointedResources`: a volume's directory exists while the volume does.
            try? Directory.create(volumePath(role: volume.role, persistenceID: volume.persistenceID ?? ""), mode: 0o755)
        }
        if !pool.isEmpty {
            logger.info("recovered reserved resources", metadata: ["mesos.resources": "\(pool.text())"])
        }
    }

    // MARK: Mounting volumes into sandboxes

    /// The persistent volumes among `resources`, with where each goes in `sandbox`.
    func volumeMounts(_ resources: [Mesos_V1_Resource]) -> [(source: String, name: String, readOnly: Bool)] {
        var seen = Set<String>()
        var out: [(String, String, Bool)] = []
        for (slot, _) in ResourcePool(resources).slots where slot.isVolume {
            guard let disk = slot.disk, let id = slot.persistenceID else { continue }
            let name = disk.volume.containerPath
            // Both Mesos isolators skip (with a warning) a container path that is not one component.
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                logger.warning("persistent volume not mounted: its container path is not one path component",
                               metadata: ["mesos.persistence_id": "\(id)", "container_path": "\(name)"])
                continue
            }
            guard seen.insert(name).inserted else { continue }
            out.append((volumePath(role: slot.role, persistenceID: id), name, disk.volume.mode == .ro))
        }
        return out
    }

    /// Bind-mounts the volumes among `resources` at `<sandbox>/<container_path>`.
    func mountVolumes(_ resources: [Mesos_V1_Resource], sandbox: String) throws {
        for mount in volumeMounts(resources) {
            try BindMount.mount(mount.source, in: sandbox, name: mount.name, readOnly: mount.readOnly)
            logger.info("persistent volume mounted", metadata: ["source": "\(mount.source)", "target": "\(sandbox)/\(mount.name)"])
        }
    }

    /// Unmounts the volumes an executor (its own resources and its tasks') has in its sandbox.
    func unmountVolumes(_ key: ExecutorKey) {
        guard let record = executors[key] else { return }
        let resources = record.info.resources + record.tasks.values.flatMap(\.info.resources)
        for mount in volumeMounts(resources) {
            BindMount.unmount(record.directory + "/" + mount.name)
        }
    }

    /// Unmounts whatever is mounted below a sandbox nobody runs in any more (an orphan's).
    func unmountEverything(under sandbox: String) {
        for path in BindMount.mountPoints(under: sandbox) { BindMount.unmount(path) }
    }
}
