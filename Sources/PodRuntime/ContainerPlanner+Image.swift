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

    /// Builds the plan of an image container: pull, rootfs, identity, command, mounts, logs,
    /// each a step that returns what the next ones use.
    func plan(_ planner: ContainerPlanner, _ spec: ContainerSpec, seccomp: SeccompProgram?) async throws -> ContainerPlan {
        guard let image = spec.image else { throw PodRuntimeError(.invalidSpec, "container \(spec.name) has no image") }
        let pulled = try await pull(image, for: spec, holder: planner.configuration.executorID + "/" + spec.containerID)
        let sandbox = try planner.makeSandbox(spec)
        let layout = try RootfsLayout(podSandbox: planner.configuration.sandbox, spec: spec)
        let rootfsMount = try assemble(layout, layers: pulled.layerDirectories, spec: spec)
        let identity = try Self.identity(spec, image: image, pulled: pulled)
        if identity.uid != 0 { FileOwnership.change(sandbox, uid: identity.uid, gid: identity.gid) }
        let owner = UserDatabase.Identity(uid: identity.uid, gid: identity.gid, supplementaryGroups: [], home: "/", name: "")
        let inContainerSandbox = planner.configuration.containerSandboxPath
        let command = try Self.command(spec, config: pulled.config, identity: identity, sandboxInContainer: inContainerSandbox)

        var monitor = MonitorSpec(executable: command.executable, arguments: command.arguments, environment: command.environment)
        monitor.newNamespaces = ContainerPlanner.namespaces(spec.linux)
        monitor.networkNamespacePath = planner.networkNamespacePath
        monitor.rootfs = layout.rootfs
        if case .container = planner.configuration.network { monitor.hostname = planner.configuration.hostname }
        monitor.uid = identity.uid
        monitor.gid = identity.gid
        monitor.supplementaryGroups = identity.supplementaryGroups
        monitor.workingDirectory = workingDirectory(command.workingDirectory, layout: layout) ?? inContainerSandbox
        monitor.capabilities = try ContainerPlanner.capabilities(spec.linux)
        monitor.seccomp = seccomp
        monitor.resourceLimits = spec.resourceLimits
        monitor.mounts = (rootfsMount.map { [$0] } ?? [])
            + Self.systemMounts(shmSize: spec.linux.shmSize)
            + Self.sharedMounts(sandbox: sandbox, sandboxInContainer: inContainerSandbox, podEtc: podEtc)
            + (try Self.volumeMounts(spec, planner: planner, sandbox: sandbox, sandboxInContainer: inContainerSandbox, owner: owner))
        monitor.postMounts = Self.confinementMounts
        let streams = try planner.standardStreams(sandbox: sandbox, owner: owner)
        monitor.standardOutput = streams.output
        monitor.standardError = streams.error
        let description = "\(pulled.reference)@\(pulled.manifestDigest)"
        return ContainerPlan(spec: spec, sandbox: sandbox, monitor: monitor, cgroup: nil,
                             rootfs: .init(rootfsDirectory: layout.rootfs, scratchDirectory: layout.base, imageDescription: description,
                                           reference: pulled.reference.description, manifestDigest: "\(pulled.manifestDigest)",
                                           configDigest: "\(pulled.configDigest)"),
                             logs: streams.logs)
    }

    /// The image, pulled (or found in the store) with the pod's pull secret, and recorded as
    /// used by `holder` until ``release(_:_:executorID:)``.
    private func pull(_ image: ContainerSpec.ImageSpec, for spec: ContainerSpec, holder: String) async throws -> PulledImage {
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
        do { try await store.retain(pulled, holder: holder) } catch {
            throw PodRuntimeError(.image, "cannot record the use of \(image.reference): \(error.message)")
        }
        return pulled
    }

    /// The root filesystem: an overlay over the layers (top first) with upper and work
    /// directories beside it, returned as the mount to make; or, without overlayfs, the
    /// layers copied into the rootfs directory (no mount). lowerdir uses short relative
    /// names (links/N) so that many layers fit in a page of mount options.
    private func assemble(_ layout: RootfsLayout, layers: [String], spec: ContainerSpec) throws -> MountOperation? {
        guard overlaySupported else {
            do {
                try copyRootfs(layers: layers, into: try RootedDirectory.open(path: layout.rootfs))
            } catch {
                throw PodRuntimeError(.image, "cannot assemble the rootfs of \(spec.name) by copying: \(error)")
            }
            return nil
        }
        for (i, layer) in layers.enumerated() {
            let link = layout.links + "/\(i)"
            unlink(link)
            guard symlink(layer, link) == 0 else {
                throw PodRuntimeError(.system, "cannot link layer \(i) of \(spec.name)", underlying: SystemError.last("symlink", link))
            }
        }
        let lower = (0..<layers.count).reversed().map { "\($0)" }.joined(separator: ":")
        return MountOperation(.filesystem(type: "overlay", source: "overlay",
                                          options: "lowerdir=\(lower),upperdir=\(layout.upper),workdir=\(layout.work)"),
                              target: layout.rootfs, scope: .host, workingDirectory: layout.links)
    }

    /// The task's user, else the image's USER (resolved in the image's own /etc/passwd and
    /// /etc/group), else root — uid 0 even when the image has no /etc/passwd (FROM scratch
    /// images), as Docker does.
    private static func identity(_ spec: ContainerSpec, image: ContainerSpec.ImageSpec, pulled: PulledImage) throws -> ResolvedUser {
        let userText = spec.user ?? pulled.config.user.flatMap { $0.isEmpty ? nil : $0 } ?? ""
        do { return try ImageUser.resolve(userText, layerDirectories: pulled.layerDirectories) } catch {
            throw PodRuntimeError(.invalidSpec, "user '\(userText)' of \(spec.name) is not in image \(image.reference): \(error.message)")
        }
    }

    /// Command, environment and working directory: the image config merged with the task's
    /// as Mesos does, with a default PATH and the user's HOME when neither sets them.
    static func command(_ spec: ContainerSpec, config: ImageConfig, identity: ResolvedUser,
                        sandboxInContainer: String) throws -> ResolvedCommand {
        var taskEnvironment = spec.environment
        taskEnvironment.insert(("MESOS_SANDBOX", sandboxInContainer), at: 0)
        var command: ResolvedCommand
        do {
            command = try ImageCommand.resolve(config: config, shell: spec.command.shell, value: spec.command.value,
                                               arguments: spec.command.arguments, taskEnvironment: taskEnvironment)
        } catch {
            throw PodRuntimeError(.invalidSpec, "container \(spec.name): \(error.message)")
        }
        if !command.environment.contains(where: { $0.hasPrefix("PATH=") }) {
            command.environment.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        }
        if !command.environment.contains(where: { $0.hasPrefix("HOME=") }) {
            command.environment.append("HOME=\(identity.home ?? (identity.uid == 0 ? "/root" : "/"))")
        }
        return command
    }

    /// The image's absolute working directory, made in the upper layer (our own,
    /// symlink-free directory) so that it appears in the merged view, as Docker creates a
    /// missing WorkingDir; nil when the image has none (the sandbox is used).
    private func workingDirectory(_ directory: String?, layout: RootfsLayout) -> String? {
        guard let directory, directory.hasPrefix("/") else { return nil }
        if overlaySupported, let upper = try? RootedDirectory.open(path: layout.upper) {
            _ = try? upper.makeDirectory(String(directory.dropFirst()), permissions: 0o755, createParents: true)
        }
        return directory
    }

    /// After the container ended: its mounts died with its mount namespace; remove the
    /// scratch directories and release the image.
    func release(_ spec: ContainerSpec, _ rootfs: ContainerPlan.RootfsPlan, executorID: String) async {
        // The overlay lived in the container's mount namespace and is gone with it.
        Directory.removeTree(rootfs.scratchDirectory)
        try? await store.release(holder: executorID + "/" + spec.containerID)
    }
}
