import PodSystem
#if canImport(Glibc)
import Glibc
#endif
import PodTestFixtures
import Testing

struct CgroupValueTests {
    @Test("cpu values: shares, CFS quota and the v2 encodings")
    func cpuValues() {
        let half = CgroupValues.cpu(0.5, hardLimit: true)
        #expect(half.v1Shares == "512")
        #expect(half.v1Quota == "50000")
        #expect(half.v2Max == "50000 100000")
        let tiny = CgroupValues.cpu(0.001, hardLimit: true)
        #expect(tiny.v1Shares == "2")
        #expect(tiny.v1Quota == "1000", "the kernel's minimum quota is 1 ms")
        let soft = CgroupValues.cpu(2, hardLimit: false)
        #expect(soft.v1Quota == "-1")
        #expect(soft.v2Max == "max 100000")
        #expect(CgroupValues.cpu(1, hardLimit: true).v2Weight == "39")
    }

    @Test("keyed files: memory.events and memory.oom_control")
    func keyedValues() {
        #expect(CgroupValues.keyedValue("oom_kill", in: "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n") == 2)
        #expect(CgroupValues.keyedValue("oom_kill", in: "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n") == 1)
        #expect(CgroupValues.keyedValue("oom_kill", in: "") == nil)
    }

    @Test("layout detection: hybrid machines use v1, unified ones v2")
    func detection() throws {
        let hybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
        let v1 = try CgroupLayout.detect(mountinfo: hybrid)
        #expect(v1.version == .v1)
        #expect(v1.mountPoints["memory"] == "/sys/fs/cgroup/memory")
        let unified = "30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
        let v2 = try CgroupLayout.detect(mountinfo: unified)
        #expect(v2.version == .v2)
        let group = try v2.cgroup(ofPID: 1, procCgroup: "0::/system.slice/mesos-agent.service\n")
        #expect(group.directories["unified"] == "/sys/fs/cgroup/system.slice/mesos-agent.service")
        let g1 = try v1.cgroup(ofPID: 1, procCgroup: "4:memory:/mesos/abc\n1:cpu:/mesos/abc\n0::/\n")
        #expect(g1.directories["memory"] == "/sys/fs/cgroup/memory/mesos/abc")
        #expect(g1.procsFiles.contains("/sys/fs/cgroup/cpu/mesos/abc/cgroup.procs"))
        // A new process joins through v1 `tasks` (no threadgroup lock), v2 `cgroup.procs`.
        #expect(g1.joinFiles == ["/sys/fs/cgroup/cpu/mesos/abc/tasks", "/sys/fs/cgroup/memory/mesos/abc/tasks"])
        #expect(group.joinFiles == ["/sys/fs/cgroup/system.slice/mesos-agent.service/cgroup.procs"])
    }
}

/// CPU limits as the kernel holds them after `setCPU`, in a cgroup the test creates.
@Suite(.enabled(if: isRoot(), "needs root: creates a cgroup"))
struct CgroupCPULimitTests {
    func value(_ cgroup: Cgroup, _ controller: String, _ file: String) -> String? {
        guard let dir = cgroup.directories[controller],
              let text = try? FileContents.read(dir + "/" + file) else { return nil }
        return text.split(separator: "\n").first.map(String.init)
    }

    @Test("hard and soft CPU limits, set again and changed, reach the kernel's files")
    func cpuLimits() throws {
        let cgroup = try Cgroup.ofCurrentProcess().child("cpu-limits-test-\(getpid())")
        defer { try? cgroup.remove() }
        try cgroup.setCPU(0.5, hardLimit: true)
        switch cgroup.version {
        case .v1:
            #expect(value(cgroup, "cpu", "cpu.cfs_quota_us") == "50000")
            #expect(value(cgroup, "cpu", "cpu.cfs_period_us") == "100000")
            #expect(value(cgroup, "cpu", "cpu.shares") == "512")
            try cgroup.setCPU(0.5, hardLimit: true)
            #expect(value(cgroup, "cpu", "cpu.cfs_quota_us") == "50000")
            try cgroup.setCPU(2, hardLimit: false)
            #expect(value(cgroup, "cpu", "cpu.cfs_quota_us") == "-1", "a soft limit leaves no quota behind")
            #expect(value(cgroup, "cpu", "cpu.shares") == "2048")
            try cgroup.setCPU(0.25, hardLimit: true)
            #expect(value(cgroup, "cpu", "cpu.cfs_quota_us") == "25000")
        case .v2:
            #expect(value(cgroup, "unified", "cpu.max") == "50000 100000")
            try cgroup.setCPU(2, hardLimit: false)
            #expect(value(cgroup, "unified", "cpu.max") == "max 100000")
        }
    }
}
