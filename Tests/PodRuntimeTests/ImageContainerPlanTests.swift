import Glibc
import ImageStore
@testable import PodRuntime
import PodSystem
import Testing

/// The parts of an image container's plan that are data: its mount table, its command and
/// environment. No image, no namespaces, no root.
@Suite("image container plan: the mount table and the command as data")
struct ImageContainerPlanTests {
    @Test("system mounts: /proc, /dev and its devices, pts, shm of the asked size, mqueue, the /dev links, a read-only /sys, in that order")
    func systemMounts() {
        let mounts = ImageRootfs.systemMounts(shmSize: 128)
        #expect(mounts.map(\.target) == ["/proc", "/dev", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                         "/dev/tty", "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/ptmx", "/dev/fd", "/dev/stdin",
                                         "/dev/stdout", "/dev/stderr", "/sys"])
        let allInRootfs = mounts.allSatisfy { $0.scope == .rootfs }
        #expect(allInRootfs)
        let shm = mounts.first { $0.target == "/dev/shm" }
        #expect(shm?.kind == .filesystem(type: "tmpfs", source: "shm", options: "mode=1777,size=128m"))
        #expect(ImageRootfs.systemMounts(shmSize: nil).first { $0.target == "/dev/shm" }?.kind
                == .filesystem(type: "tmpfs", source: "shm", options: "mode=1777,size=64m"), "Docker's 64 MiB by default")
        let sys = mounts.last
        #expect(sys.map { $0.flags & UInt(MS_RDONLY) != 0 } == true, "/sys is read-only")
        #expect(mounts.filter(\.optional).map(\.target) == ["/dev/pts", "/dev/mqueue"], "only what a kernel may lack is optional")
        #expect(mounts.first { $0.target == "/dev/ptmx" }?.kind == .symlink(destination: "pts/ptmx"))
        let devices = mounts.filter { if case .device = $0.kind { true } else { false } }
        #expect(devices.count == 6)
        let devicesAreFiles = devices.allSatisfy { $0.targetIsFile }
        #expect(devicesAreFiles)
    }

    @Test("the sandbox at its in-container path, then the pod's /etc files by name; masks and read-only paths after the mounts")
    func sharedAndConfinement() {
        let shared = ImageRootfs.sharedMounts(sandbox: "/s/c1", sandboxInContainer: "/mnt/mesos/sandbox",
                                              podEtc: ["resolv.conf": "/p/resolv.conf", "hosts": "/p/hosts"])
        #expect(shared == [
            MountOperation(.bind(source: "/s/c1", recursive: false), target: "/mnt/mesos/sandbox", scope: .rootfs),
            MountOperation(.bind(source: "/p/hosts", recursive: false), target: "/etc/hosts", scope: .rootfs, targetIsFile: true, optional: true),
            MountOperation(.bind(source: "/p/resolv.conf", recursive: false), target: "/etc/resolv.conf", scope: .rootfs,
                           targetIsFile: true, optional: true),
        ])
        let confinement = ImageRootfs.confinementMounts
        let allContainerOptional = confinement.allSatisfy { $0.scope == .container && $0.optional }
        #expect(allContainerOptional)
        #expect(confinement.filter { $0.kind == .mask }.map(\.target).contains("/proc/kcore"))
        #expect(confinement.filter { $0.kind == .readOnly }.map(\.target) == ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
                                                                              "/proc/sys", "/proc/sysrq-trigger"])
    }

    static func spec(_ command: ContainerSpec.Command, environment: [(String, String)] = []) -> ContainerSpec {
        ContainerSpec(taskID: "t", name: "c", containerID: "id", command: command, environment: environment,
                      image: .init(reference: "busybox"))
    }

    @Test("command: the image's entrypoint and cmd with the task's environment over the image's, MESOS_SANDBOX first, PATH and HOME filled in")
    func command() throws {
        let config = ImageConfig(entrypoint: ["/bin/app"], cmd: ["--serve"], env: ["MODE=image", "KEEP=1"], workingDir: "/srv")
        let root = try ImageUser.resolve("", layerDirectories: [])
        let resolved = try ImageRootfs.command(Self.spec(.init(shell: false, value: nil), environment: [("MODE", "task")]),
                                               config: config, identity: root, sandboxInContainer: "/mnt/mesos/sandbox")
        #expect(resolved.executable == "/bin/app")
        #expect(resolved.arguments == ["/bin/app", "--serve"])
        #expect(resolved.environment.contains("MODE=task"))
        #expect(!resolved.environment.contains("MODE=image"))
        #expect(resolved.environment.contains("KEEP=1"))
        #expect(resolved.environment.contains("MESOS_SANDBOX=/mnt/mesos/sandbox"))
        #expect(resolved.environment.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
        #expect(resolved.environment.contains("HOME=/root"), "root without a passwd entry lives in /root")
        #expect(resolved.workingDirectory == "/srv")

        let user = try ImageUser.resolve("1234", layerDirectories: [])
        let own = try ImageRootfs.command(Self.spec(.init(shell: true, value: "echo hi"), environment: [("PATH", "/opt/bin")]),
                                          config: ImageConfig(), identity: user, sandboxInContainer: "/mnt/mesos/sandbox")
        #expect(own.arguments == ["/bin/sh", "-c", "echo hi"])
        #expect(own.environment.filter { $0.hasPrefix("PATH=") } == ["PATH=/opt/bin"], "the task's PATH is kept")
        #expect(own.environment.contains("HOME=/"), "a uid without a passwd entry gets /")
    }
}
