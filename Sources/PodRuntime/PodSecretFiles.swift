import PodSystem

/// The files of a pod's secret volumes: a tmpfs of the pod's own (its root 0700, root's)
/// at `<runtime dir>/secrets/<executor id>`, one file per container and mount (0400, the
/// container's user's), bind-mounted read-only into the container. Nothing of it touches a
/// disk; it is unmounted when the pod is torn down, or by the garbage collector when the
/// executor died.
struct PodSecretFiles: Sendable {
    /// The tmpfs's directory.
    let directory: String

    /// `<runtime dir>/secrets`.
    static func parent(runtimeDirectory: String) -> String { runtimeDirectory + "/secrets" }

    /// Mounts the pod's tmpfs, sized for `bytes` of secrets in `files` files.
    static func mount(configuration: PodConfiguration, bytes: Int, files: Int) throws -> PodSecretFiles {
        // Every file takes at least a page; the rest leaves room for a relaunch's files.
        let size = max(1 << 20, 2 * (bytes + files * 4096))
        do {
            let path = try Tmpfs.mount(in: parent(runtimeDirectory: configuration.runtimeDirectory),
                                       name: PodConfiguration.safeName(configuration.executorID), mode: 0o700, sizeBytes: size)
            return PodSecretFiles(directory: path)
        } catch {
            throw PodRuntimeError(.volume, "cannot mount the tmpfs of the pod's secret volumes", underlying: error)
        }
    }

    /// Writes one container's copy of a secret for the mount at `containerPath`; returns its path.
    func write(_ bytes: [UInt8], containerID: String, containerPath: String, owner: UserDatabase.Identity) throws -> String {
        let name = containerID + "." + PodConfiguration.safeName(containerPath)
        do {
            return try Tmpfs.writeFile(bytes, directory: directory, name: name, mode: 0o400, uid: owner.uid, gid: owner.gid)
        } catch {
            throw PodRuntimeError(.volume, "cannot write the secret volume at \(containerPath)", underlying: error)
        }
    }

    /// Unmounts the tmpfs and removes its directory.
    func remove() {
        Tmpfs.remove(directory)
    }

    /// Unmounts the tmpfs of a pod whose executor is gone.
    static func remove(runtimeDirectory: String, safeExecutorID: String) {
        Tmpfs.remove(parent(runtimeDirectory: runtimeDirectory) + "/" + safeExecutorID)
    }
}
