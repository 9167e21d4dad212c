#if canImport(Glibc)
import Glibc
#endif

/// A control group, on cgroup v1 (one directory per controller hierarchy, as on these
/// hybrid machines) or v2 (one unified directory, as on modern agents).
public struct Cgroup: Sendable, Equatable {
    public enum Version: String, Sendable { case v1, v2 }

    public let version: Version
    /// v1: directory per controller (`cpu`, `cpuacct`, `memory`, `pids`);
    /// v2: one entry keyed `unified`.
    public let directories: [String: String]

    public init(version: Version, directories: [String: String]) {
        self.version = version
        self.directories = directories
    }

    /// The controllers a container cgroup uses on v1.
    static let v1Controllers = ["cpu", "cpuacct", "memory", "pids", "freezer"]

    /// Where this process's cgroups live.
    public static func ofCurrentProcess() throws(SystemError) -> Cgroup {
        let layout = try CgroupLayout.detect()
        return try layout.cgroup(ofPID: getpid())
    }

    /// The `cgroup.procs` file of every hierarchy: writing a pid there moves the process.
    public var procsFiles: [String] {
        // v1 lists each hierarchy once even when controllers share a mount (cpu,cpuacct).
        Array(Set(directories.values)).sorted().map { $0 + "/cgroup.procs" }
    }

    /// The files a new, still single-threaded process writes "0" to in order to move
    /// itself into this cgroup before it execs. On v1 that is `tasks`: moving the calling
    /// thread skips the global threadgroup lock that a `cgroup.procs` write takes (an RCU
    /// grace period, 1.5–16 ms per start on these machines against 0.2 ms for `tasks`), and
    /// a process of one thread is moved whole. On v2 it is `cgroup.procs` (`cgroup.threads`
    /// needs threaded cgroups).
    public var joinFiles: [String] {
        let file = version == .v1 ? "/tasks" : "/cgroup.procs"
        return Array(Set(directories.values)).sorted().map { $0 + file }
    }

    /// Creates (or reuses) a child cgroup `name` in every hierarchy.
    public func child(_ name: String) throws(SystemError) -> Cgroup {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw SystemError("cgroup child", name, errno: EINVAL, detail: "invalid cgroup name")
        }
        var dirs: [String: String] = [:]
        for (controller, dir) in directories {
            let path = dir + "/" + name
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw SystemError.last("mkdir", path)
            }
            dirs[controller] = path
        }
        return Cgroup(version: version, directories: dirs)
    }

    /// The cgroup named `name` below this one, without creating it.
    public func existingChild(_ name: String) -> Cgroup {
        Cgroup(version: version, directories: directories.mapValues { $0 + "/" + name })
    }

    /// The names of the cgroups directly below this one, in any of its hierarchies.
    public func childNames() -> Set<String> {
        var names = Set<String>()
        for dir in Set(directories.values) {
            for child in Directory.subdirectories(dir) {
                names.insert(String(child.split(separator: "/").last ?? ""))
            }
        }
        names.remove("")
        return names
    }

    /// Seconds since the cgroup was created or last had a child added or removed (the
    /// newest change time of its directories); nil when none exists.
    public func secondsSinceChange() -> Double? {
        var newest: Double?
        for dir in Set(directories.values) {
            var info = stat()
            guard stat(dir, &info) == 0 else { continue }
            let changed = Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9
            newest = max(newest ?? changed, changed)
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return newest.map { Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - $0 }
    }

    /// Whether the cgroup directories exist.
    public var exists: Bool {
        directories.values.allSatisfy { access($0, F_OK) == 0 }
    }

    // MARK: Limits

    /// Applies a CPU share: v1 `cpu.shares` (1024 per CPU) and a CFS quota of `cpus`
    /// CPUs per 100 ms period (Mesos with `--cgroups_enable_cfs`); v2 `cpu.weight` and
    /// `cpu.max`.
    public func setCPU(_ cpus: Double, hardLimit: Bool = true) throws(SystemError) {
        let limits = CgroupValues.cpu(cpus, hardLimit: hardLimit)
        switch version {
        case .v1:
            guard let dir = directories["cpu"] else { return }
            try write(limits.v1Shares, to: dir + "/cpu.shares")
            // Each write of a CFS bandwidth file walks every task group of the machine in
            // the kernel (tg_set_bandwidth), so a value the cgroup already has (a new one
            // has the default period and no quota) is not written again.
            for (file, value) in [("cpu.cfs_period_us", "\(limits.periodMicros)"), ("cpu.cfs_quota_us", limits.v1Quota)] {
                let current = (try? read(dir + "/" + file))?.split(whereSeparator: \.isWhitespace).first
                if current.map(String.init) != value { try write(value, to: dir + "/" + file) }
            }
        case .v2:
            guard let dir = directories["unified"] else { return }
            try writeIfPresent(limits.v2Weight, to: dir + "/cpu.weight")
            try writeIfPresent(limits.v2Max, to: dir + "/cpu.max")
        }
    }

    /// Applies a memory limit in bytes (v1 `memory.limit_in_bytes`, v2 `memory.max`,
    /// with swap disabled for the container on v2).
    public func setMemory(limitBytes: UInt64?) throws(SystemError) {
        switch version {
        case .v1:
            guard let dir = directories["memory"] else { return }
            try write(limitBytes.map { "\($0)" } ?? "-1", to: dir + "/memory.limit_in_bytes")
        case .v2:
            guard let dir = directories["unified"] else { return }
            try writeIfPresent(limitBytes.map { "\($0)" } ?? "max", to: dir + "/memory.max")
            if limitBytes != nil { try writeIfPresent("0", to: dir + "/memory.swap.max") }
        }
    }

    /// Limits the number of tasks.
    public func setPidsMax(_ max: Int?) throws(SystemError) {
        let value = max.map { "\($0)" } ?? "max"
        switch version {
        case .v1:
            if let dir = directories["pids"] { try writeIfPresent(value, to: dir + "/pids.max") }
        case .v2:
            if let dir = directories["unified"] { try writeIfPresent(value, to: dir + "/pids.max") }
        }
    }

    // MARK: Observations

    /// How many times the kernel's OOM killer killed a process in this cgroup.
    public func oomKillCount() -> Int {
        switch version {
        case .v1:
            guard let dir = directories["memory"], let text = try? read(dir + "/memory.oom_control") else { return 0 }
            return CgroupValues.keyedValue("oom_kill", in: text).map(Int.init) ?? 0
        case .v2:
            guard let dir = directories["unified"], let text = try? read(dir + "/memory.events") else { return 0 }
            return CgroupValues.keyedValue("oom_kill", in: text).map(Int.init) ?? 0
        }
    }

    /// Current memory use in bytes.
    public func memoryUsage() -> UInt64? {
        let file: String
        switch version {
        case .v1: file = (directories["memory"] ?? "") + "/memory.usage_in_bytes"
        case .v2: file = (directories["unified"] ?? "") + "/memory.current"
        }
        return (try? read(file)).flatMap { UInt64($0.trimmingWhitespace()) }
    }

    /// Memory limit in bytes, nil when unlimited.
    public func memoryLimit() -> UInt64? {
        let file: String
        switch version {
        case .v1: file = (directories["memory"] ?? "") + "/memory.limit_in_bytes"
        case .v2: file = (directories["unified"] ?? "") + "/memory.max"
        }
        guard let text = try? read(file), let v = UInt64(text.trimmingWhitespace()), v < (UInt64(1) << 62) else { return nil }
        return v
    }

    /// CPU time used, in nanoseconds.
    public func cpuUsageNanoseconds() -> UInt64? {
        switch version {
        case .v1:
            guard let dir = directories["cpuacct"], let text = try? read(dir + "/cpuacct.usage") else { return nil }
            return UInt64(text.trimmingWhitespace())
        case .v2:
            guard let dir = directories["unified"], let text = try? read(dir + "/cpu.stat") else { return nil }
            return CgroupValues.keyedValue("usage_usec", in: text).map { $0 * 1000 }
        }
    }

    /// Pids of the processes in the cgroup (union over hierarchies).
    public func processes() -> [Int32] {
        var pids = Set<Int32>()
        for file in procsFiles {
            guard let text = try? read(file) else { continue }
            for line in text.split(separator: "\n") {
                if let p = Int32(line) { pids.insert(p) }
            }
        }
        return pids.sorted()
    }

    /// Pids in the cgroup and every cgroup below it (v1 lists a child's processes only in
    /// the child).
    public func processesInTree() -> [Int32] {
        var pids = Set<Int32>()
        for dir in Set(directories.values) {
            var stack = [dir]
            while let current = stack.popLast() {
                if let text = try? read(current + "/cgroup.procs") {
                    for line in text.split(separator: "\n") {
                        if let p = Int32(line) { pids.insert(p) }
                    }
                }
                stack.append(contentsOf: Directory.subdirectories(current))
            }
        }
        return pids.sorted()
    }

    // MARK: Teardown

    /// SIGKILLs everything in the cgroup (v2 `cgroup.kill`; v1 freezes, kills, thaws so no
    /// process can fork away in between) and waits until it is empty or the deadline passes.
    public func killAll(timeout: Duration = .seconds(5)) async {
        // A container whose init has exited is usually empty already: nothing to freeze.
        if processesInTree().isEmpty { return }
        switch version {
        case .v2:
            if let dir = directories["unified"], (try? writeIfPresent("1", to: dir + "/cgroup.kill")) != nil {
                break
            }
            for pid in processesInTree() { kill(pid, SIGKILL) }
        case .v1:
            // Freezing a cgroup freezes its descendants too.
            let freezer = directories["freezer"]
            if let freezer { try? write("FROZEN", to: freezer + "/freezer.state") }
            for pid in processesInTree() { kill(pid, SIGKILL) }
            if let freezer { try? write("THAWED", to: freezer + "/freezer.state") }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var left = processesInTree()
        while !left.isEmpty && clock.now < deadline {
            for pid in left { kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(5))
            left = processesInTree()
        }
    }

    /// Removes the cgroup directories (they must be empty of processes).
    public func remove() throws(SystemError) {
        for dir in Set(directories.values) {
            // Child cgroups first (a container may have created some).
            removeTree(dir)
            if rmdir(dir) != 0 && errno != ENOENT {
                throw SystemError.last("rmdir", dir)
            }
        }
    }

    private func removeTree(_ dir: String) {
        for child in Directory.subdirectories(dir) {
            removeTree(child)
            rmdir(child)
        }
    }

    // MARK: File helpers

    func write(_ value: String, to path: String) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw SystemError("write \(value)", path, errno: n < 0 ? errno : EIO) }
    }

    private func writeIfPresent(_ value: String, to path: String) throws(SystemError) {
        guard access(path, F_OK) == 0 else { return }
        try write(value, to: path)
    }

    func read(_ path: String) throws(SystemError) -> String {
        try FileContents.read(path, limit: 1 << 20)
    }
}

/// Values written to cgroup files, computed without touching the kernel.
public enum CgroupValues {
    public struct CPU: Equatable, Sendable {
        public var v1Shares: String
        public var v1Quota: String
        public var periodMicros: Int
        public var v2Weight: String
        public var v2Max: String
    }

    /// cpus → shares (1024 per CPU, at least 2), CFS quota per 100 ms period (at least
    /// 1 ms, as the kernel requires), v2 weight (shares mapped to 1…10000 as systemd and
    /// crun do) and `cpu.max` (`"quota period"` or `"max period"`).
    public static func cpu(_ cpus: Double, hardLimit: Bool) -> CPU {
        let period = 100_000
        let shares = max(2, Int((cpus * 1024).rounded()))
        let quota = max(1000, Int((cpus * Double(period)).rounded()))
        let weight = 1 + ((shares - 2) * 9999) / 262142
        return CPU(v1Shares: "\(shares)", v1Quota: hardLimit ? "\(quota)" : "-1", periodMicros: period,
                   v2Weight: "\(min(10000, max(1, weight)))", v2Max: hardLimit ? "\(quota) \(period)" : "max \(period)")
    }

    /// Reads `key value` lines (memory.events, memory.oom_control, cpu.stat).
    public static func keyedValue(_ key: String, in text: String) -> UInt64? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 && parts[0] == key { return UInt64(parts[1]) }
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
