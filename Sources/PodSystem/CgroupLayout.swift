#if canImport(Glibc)
import Glibc
#endif

/// How cgroups are mounted on this machine: v1 (a hierarchy per controller, possibly
/// next to an empty v2 mount: "hybrid") or v2 (unified).
public struct CgroupLayout: Sendable, Equatable {
    public let version: Cgroup.Version
    /// v1: mount point per controller; v2: `unified` → the cgroup2 mount point.
    public let mountPoints: [String: String]

    /// Reads `/proc/self/mountinfo`. v2 is chosen only when a cgroup2 mount carries
    /// controllers (a hybrid machine's `/sys/fs/cgroup/unified` has none).
    public static func detect(mountinfo: String? = nil) throws(SystemError) -> CgroupLayout {
        let text: String
        if let mountinfo { text = mountinfo } else { text = try FileContents.read("/proc/self/mountinfo") }
        var v1: [String: String] = [:]
        var v2: String?
        for line in text.split(separator: "\n") {
            // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            let tokens = line.split(separator: " ")
            guard let dash = tokens.firstIndex(of: "-") else { continue }
            let left = tokens[..<dash]
            let right = Array(tokens[(dash + 1)...])
            guard left.count >= 5, right.count >= 3 else { continue }
            let mountPoint = unescape(String(left[left.startIndex + 4]))
            switch right[0] {
            case "cgroup2":
                if v2 == nil || mountPoint == "/sys/fs/cgroup" { v2 = mountPoint }
            case "cgroup":
                for option in right[2].split(separator: ",") where Cgroup.v1Controllers.contains(String(option)) {
                    v1[String(option)] = mountPoint
                }
            default:
                continue
            }
        }
        // A hybrid machine mounts an (almost) empty cgroup2 next to the v1 hierarchies:
        // use v2 only when the memory controller is not on v1.
        if let v2, v1["memory"] == nil || (v1.isEmpty && hasControllers(v2, mountinfo: mountinfo)) {
            return CgroupLayout(version: .v2, mountPoints: ["unified": v2])
        }
        guard !v1.isEmpty else {
            throw SystemError("detect cgroups", "/proc/self/mountinfo", errno: ENOENT, detail: "no cgroup v1 or v2 mount found")
        }
        return CgroupLayout(version: .v1, mountPoints: v1)
    }

    private static func hasControllers(_ mountPoint: String, mountinfo: String?) -> Bool {
        // When a mountinfo text was injected (tests) trust the v1 mounts instead.
        guard mountinfo == nil else { return false }
        guard let text = try? FileContents.read(mountPoint + "/cgroup.controllers") else { return false }
        return !text.trimmingWhitespace().isEmpty
    }

    /// The cgroup of a process, from `/proc/<pid>/cgroup`.
    public func cgroup(ofPID pid: Int32, procCgroup: String? = nil) throws(SystemError) -> Cgroup {
        let text: String
        if let procCgroup { text = procCgroup } else { text = try FileContents.read("/proc/\(pid)/cgroup") }
        var dirs: [String: String] = [:]
        for line in text.split(separator: "\n") {
            // hierarchy-id:controller-list:path
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            switch version {
            case .v2:
                if parts[0] == "0" && parts[1].isEmpty, let mount = mountPoints["unified"] {
                    dirs["unified"] = Self.join(mount, path)
                }
            case .v1:
                for controller in parts[1].split(separator: ",") {
                    if let mount = mountPoints[String(controller)] {
                        dirs[String(controller)] = Self.join(mount, path)
                    }
                }
            }
        }
        guard !dirs.isEmpty else {
            throw SystemError("find cgroup", "/proc/\(pid)/cgroup", errno: ENOENT, detail: "process is in no \(version.rawValue) cgroup")
        }
        return Cgroup(version: version, directories: dirs)
    }

    static func join(_ mount: String, _ path: String) -> String {
        path == "/" ? mount : mount + path
    }

    private static func unescape(_ s: String) -> String {
        // mountinfo escapes space, tab, newline and backslash as \ooo (three octal digits).
        guard s.contains("\\") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count,
               let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Cgroup {
    /// Prepares this process's cgroup to hold container cgroups below it.
    ///
    /// v1 needs nothing. v2 forbids processes in a cgroup whose controllers are enabled
    /// for children ("no internal processes"), so the process moves into a leaf named
    /// `leafName` first, then enables cpu, memory and pids for its children (as far as the
    /// parent delegates them). Returns the cgroup that container cgroups go under and the
    /// controllers that could not be enabled.
    public func prepareForChildren(leafName: String = "executor") throws(SystemError) -> (parent: Cgroup, missing: [String]) {
        guard version == .v2, let dir = directories["unified"] else { return (self, []) }
        let available = (try? FileContents.read(dir + "/cgroup.controllers"))?.trimmingWhitespace().split(separator: " ").map(String.init) ?? []
        let wanted = ["cpu", "memory", "pids"]
        let enabled = (try? FileContents.read(dir + "/cgroup.subtree_control"))?.trimmingWhitespace().split(separator: " ").map(String.init) ?? []
        let toEnable = wanted.filter { available.contains($0) && !enabled.contains($0) }
        if !toEnable.isEmpty {
            let procs = (try? FileContents.read(dir + "/cgroup.procs"))?.split(separator: "\n") ?? []
            if !procs.isEmpty && dir != Cgroup.v2Root(dir) {
                let leaf = try child(leafName)
                // Move every process of this cgroup (normally just us) into the leaf.
                for pid in procs { try? leaf.write(String(pid), to: (leaf.directories["unified"] ?? "") + "/cgroup.procs") }
            }
            try write(toEnable.map { "+" + $0 }.joined(separator: " "), to: dir + "/cgroup.subtree_control")
        }
        let missing = wanted.filter { !available.contains($0) }
        return (self, missing)
    }

    private static func v2Root(_ dir: String) -> String {
        (try? CgroupLayout.detect())?.mountPoints["unified"] ?? "/sys/fs/cgroup"
    }
}
