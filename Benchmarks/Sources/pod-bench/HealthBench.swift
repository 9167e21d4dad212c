import Foundation
import Logging
import NIOPosix
import PodRuntime
import PodSystem

/// Health checks against a container's endpoint inside the pod's network namespace:
/// pod-executor's in-process probes versus forking a helper per check the way Mesos does
/// (`curl`, a TCP connect helper, entered into the namespace), measured as CPU time; and a
/// COMMAND check versus `nsenter … sh -c` of the same command, measured as wall time.
enum HealthBench {
    static func run(checks: Int, commandChecks: Int, tcpConnect: String) async throws {
        let base = "/tmp/pod-bench-health-\(getpid())"
        try Directory.create(base, mode: 0o755)
        defer {
            // The pod's netns directory becomes a mount point (as `ip netns` makes it).
            umount2(base + "/netns", Int32(MNT_DETACH))
            try? FileManager.default.removeItem(atPath: base)
        }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let parent = try? Cgroup.ofCurrentProcess().child("pod-bench-\(getpid())")
        var config = PodConfiguration(executorID: "bench-health", sandbox: base + "/sandbox", runtimeDirectory: base + "/run",
                                      networkNamespaceDirectory: base + "/netns", network: .container(networks: []),
                                      hostname: "bench", cgroupParent: parent)
        config.defaultUser = "root"
        try Directory.create(config.sandbox, mode: 0o755)
        let pod = Pod(configuration: config, logger: logger)
        let server = ContainerSpec(taskID: "web", name: "web", containerID: "web",
                                   command: .init(shell: true, value: "mkdir -p www && echo ok > www/index.html && exec busybox httpd -f -p 127.0.0.1:8080 -h www"))
        let launched = await pod.launch([server])
        if case .failure(let error)? = launched["web"] { throw BenchFailure("server launch failed: \(error)") }
        do {
            try await measure(pod: pod, checks: checks, commandChecks: commandChecks, tcpConnect: tcpConnect)
        } catch {
            await pod.destroy()
            throw error
        }
        await pod.destroy()
        try? parent?.remove()
    }

    static func measure(pod: Pod, checks: Int, commandChecks: Int, tcpConnect: String) async throws {
        let prober = HealthProber(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        guard let netns = await pod.networkNamespacePath, let container = await pod.runningContainer("web") else {
            throw BenchFailure("no pod network namespace")
        }
        try await waitUntil("the server to answer") {
            await prober.probe(.http(scheme: "http", port: 8080, path: "/", ipv6: false), pod: pod, taskID: "web", timeout: .seconds(1)).healthy
        }

        func ours(_ kind: ProbeKind, _ n: Int) async throws -> (cpu: Double, wall: Double) {
            let cpu0 = CPUTime.ownMS()
            let start = ContinuousClock.now
            for _ in 0..<n {
                let r = await prober.probe(kind, pod: pod, taskID: "web", timeout: .seconds(5))
                guard r.healthy else { throw BenchFailure("probe failed: \(r.detail)") }
            }
            return (CPUTime.ownMS() - cpu0, Clock.ms(ContinuousClock.now - start))
        }
        func forked(_ argv: [String], _ n: Int) async throws -> (cpu: Double, wall: Double) {
            let own0 = CPUTime.ownMS()
            let children0 = CPUTime.childrenMS()
            let start = ContinuousClock.now
            for _ in 0..<n {
                let out = try await Subprocess.run(argv[0], arguments: argv, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], timeout: .seconds(5))
                guard out.succeeded else { throw BenchFailure("\(argv.joined(separator: " ")) failed: \(out.stderrText)") }
            }
            let wall = Clock.ms(ContinuousClock.now - start)
            return ((CPUTime.ownMS() - own0) + (CPUTime.childrenMS() - children0), wall)
        }

        let http = try await ours(.http(scheme: "http", port: 8080, path: "/", ipv6: false), checks)
        let curl = try await forked(["/usr/bin/nsenter", "--net=\(netns)", "curl", "-s", "-S", "-L", "-k", "-o", "/dev/null",
                                     "-w", "%{http_code}", "http://127.0.0.1:8080/"], checks)
        let tcp = try await ours(.tcp(port: 8080, ipv6: false), checks)
        let helper = try await forked(["/usr/bin/nsenter", "--net=\(netns)", tcpConnect, "127.0.0.1", "8080"], checks)

        // COMMAND: wall time of one check (process start in the container, wait for exit),
        // alternating with nsenter so that both see the same machine load.
        var command = Samples()
        var nsenter = Samples()
        let pid = container.initPID
        for _ in 0..<commandChecks {
            command.add(try await Clock.time {
                let r = await prober.probe(.command(shell: true, value: "true", arguments: [], environment: []), pod: pod, taskID: "web",
                                           timeout: .seconds(5))
                guard r.healthy else { throw BenchFailure("command probe failed: \(r.detail)") }
            })
            nsenter.add(try await Clock.time {
                let out = try await Subprocess.run("/usr/bin/nsenter", arguments: ["nsenter", "-t", "\(pid)", "-m", "-u", "-i", "-n", "-p",
                                                                                  "--", "/bin/sh", "-c", "true"],
                                                   environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], timeout: .seconds(5))
                guard out.succeeded else { throw BenchFailure("nsenter failed: \(out.stderrText)") }
            })
        }

        print("\n### Health checks: CPU time per 1000 checks against a container endpoint in the pod's network namespace (\(checks) checks each)\n")
        var report = Report(["check", "pod-executor CPU ms / 1000", "fork per check (as Mesos) CPU ms / 1000", "ratio", "wall ms / check (ours vs fork)"])
        report.printHeader()
        let k = 1000 / Double(checks)
        report.row("HTTP GET /", fmt(http.cpu * k), fmt(curl.cpu * k) + " (nsenter + curl)", fmt(curl.cpu / http.cpu) + "×",
                   fmt(http.wall / Double(checks), 2) + " vs " + fmt(curl.wall / Double(checks), 2))
        report.row("TCP connect", fmt(tcp.cpu * k), fmt(helper.cpu * k) + " (nsenter + tcp-connect)", fmt(helper.cpu / tcp.cpu) + "×",
                   fmt(tcp.wall / Double(checks), 2) + " vs " + fmt(helper.wall / Double(checks), 2))
        print("\n### COMMAND check `true` in the container: wall time per check (\(commandChecks) checks)\n")
        var c = Report(["what", "median ms", "p99 ms", "ratio to nsenter (median)"])
        c.printHeader()
        c.row("pod-executor command check (join namespaces, cgroup, identity, seccomp; exec; wait)", fmt(command.median, 2), fmt(command.p99, 2),
              fmt(command.median / nsenter.median, 2) + "×")
        c.row("nsenter -t PID -m -u -i -n -p -- sh -c true", fmt(nsenter.median, 2), fmt(nsenter.p99, 2), "1.00×")
    }
}
