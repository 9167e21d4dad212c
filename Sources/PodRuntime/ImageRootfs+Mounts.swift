import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// Where an image container's root filesystem is assembled: below the pod sandbox's
/// `.rootfs/<container id>`, the merged `rootfs`, overlay's `upper` and `work`, and `links`
/// (short names of the layers for overlay's lowerdir).
struct RootfsLayout: Equatable {
    let base: String
    var rootfs: String { base + "/rootfs" }
    var upper: String { base + "/upper" }
    var work: String { base + "/work" }
    var links: String { base + "/links" }

    /// Makes the directories.
    init(podSandbox: String, spec: ContainerSpec) throws {
        base = podSandbox + "/.rootfs/" + spec.containerID
        do {
            for dir in [rootfs, upper, work, links] { try Directory.create(dir, mode: 0o755) }
        } catch {
            throw PodRuntimeError(.system, "cannot prepare the rootfs of \(spec.name)", underlying: error)
        }
    }
}

/// The mount table of an image container, as data. Targets are inside the rootfs,
/// resolved with RESOLVE_IN_ROOT by the monitor, in this order.
extension ImageRootfs {
    private static let nosuid = UInt(MS_NOSUID), nodev = UInt(MS_NODEV), noexec = UInt(MS_NOEXEC)
    private static let strictAtime = UInt(1 << 24) // MS_STRICTATIME

    /// The container's own filesystems: /proc, a minimal /dev (its devices bound from the
    /// host, pts, shm, mqueue and the usual links), a read-only /sys.
    static func systemMounts(shmSize: Int?) -> [MountOperation] {
        func fs(_ type: String, _ source: String, _ target: String, _ flags: UInt, _ options: String? = nil,
                optional: Bool = false) -> MountOperation {
            MountOperation(.filesystem(type: type, source: source, options: options), target: target, scope: .rootfs,
                           flags: flags, optional: optional)
        }
        let devices = ["null", "zero", "full", "random", "urandom", "tty"].map {
            MountOperation(.device(hostPath: "/dev/" + $0), target: "/dev/" + $0, scope: .rootfs, targetIsFile: true)
        }
        let links = [("/dev/ptmx", "pts/ptmx"), ("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"),
                     ("/dev/stdout", "/proc/self/fd/1"), ("/dev/stderr", "/proc/self/fd/2")].map {
            MountOperation(.symlink(destination: $0.1), target: $0.0, scope: .rootfs)
        }
        return [fs("proc", "proc", "/proc", nosuid | nodev | noexec),
                fs("tmpfs", "tmpfs", "/dev", nosuid | strictAtime, "mode=755,size=65536k")]
            + devices
            + [fs("devpts", "devpts", "/dev/pts", nosuid | noexec, "newinstance,ptmxmode=0666,mode=0620,gid=5", optional: true),
               fs("tmpfs", "shm", "/dev/shm", nosuid | nodev | noexec, "mode=1777,size=\(shmSize.map { "\($0)m" } ?? "64m")"),
               fs("mqueue", "mqueue", "/dev/mqueue", nosuid | nodev | noexec, optional: true)]
            + links
            + [fs("sysfs", "sysfs", "/sys", nosuid | nodev | noexec | UInt(MS_RDONLY))]
    }

    /// The container sandbox at its in-container path, and the pod's /etc files (hosts,
    /// resolv.conf, hostname) in name order.
    static func sharedMounts(sandbox: String, sandboxInContainer: String, podEtc: [String: String]) -> [MountOperation] {
        [MountOperation(.bind(source: sandbox, recursive: false), target: sandboxInContainer, scope: .rootfs)]
            + podEtc.sorted(by: { $0.key < $1.key }).map { file, source in
                MountOperation(.bind(source: source, recursive: false), target: "/etc/" + file, scope: .rootfs,
                               targetIsFile: true, optional: true)
            }
    }

    /// The pod's volumes (their host directories made and owned by `owner` as needed; secret
    /// files read-only, nosuid, nodev, noexec); a relative container path is below the sandbox.
    static func volumeMounts(_ spec: ContainerSpec, planner: ContainerPlanner, sandbox: String, sandboxInContainer: String,
                             owner: UserDatabase.Identity) throws -> [MountOperation] {
        try spec.volumes.map { volume in
            let source = try planner.volumeSource(volume, containerSandbox: sandbox, owner: owner)
            let target: String
            if volume.containerPath.hasPrefix("/") {
                target = volume.containerPath
            } else {
                guard ContainerPlanner.isSafeRelativePath(volume.containerPath) else {
                    throw PodRuntimeError(.volume, "mount path '\(volume.containerPath)' must not contain '..'")
                }
                target = sandboxInContainer + "/" + volume.containerPath
            }
            return MountOperation(.bind(source: source, recursive: !volume.isSecret), target: target, scope: .rootfs,
                                  flags: ContainerPlanner.mountFlags(volume))
        }
    }

    /// Masked and read-only paths, as Docker and Mesos do, made inside the container after
    /// its mounts; absent ones are skipped (this kernel has no /proc/sysrq-trigger).
    static let confinementMounts: [MountOperation] =
        ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
         "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"].map {
            MountOperation(.mask, target: $0, scope: .container, optional: true)
        }
        + ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"].map {
            MountOperation(.readOnly, target: $0, scope: .container, optional: true)
        }
}
