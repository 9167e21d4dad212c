import Foundation
import PodSystem

/// Sample statistics, in milliseconds unless said otherwise.
struct Samples {
    var values: [Double] = []

    mutating func add(_ value: Double) { values.append(value) }

    var count: Int { values.count }

    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        // Nearest rank.
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }

    var median: Double { percentile(50) }
    var p99: Double { percentile(99) }
    var min: Double { values.min() ?? .nan }
    var max: Double { values.max() ?? .nan }
}

enum Clock {
    static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// Runs `body` and returns its wall time in milliseconds.
    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        return ms(ContinuousClock.now - start)
    }
}

/// CPU time (user + system) of this process or of its waited-for children, in ms.
enum CPUTime {
    static func ownMS() -> Double { read(RUSAGE_SELF) }
    static func childrenMS() -> Double { read(RUSAGE_CHILDREN) }

    private static func read(_ who: __rusage_who) -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(who.rawValue), &usage)
        func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }
}

/// One result line, printed as a Markdown table row and collected for the summary.
struct Report {
    private(set) var rows: [[String]] = []
    let header: [String]

    init(_ header: [String]) { self.header = header }

    mutating func row(_ cells: String...) {
        rows.append(cells)
        print("| " + cells.joined(separator: " | ") + " |")
        fflush(nil)
    }

    func printHeader() {
        print("| " + header.joined(separator: " | ") + " |")
        print("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
    }
}

func fmt(_ value: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs a shell command line (bash -c), failing loudly with its output.
@discardableResult
func sh(_ command: String, timeout: Duration = .seconds(600)) async throws -> String {
    let output = try await Subprocess.run("/bin/bash", arguments: ["bash", "-c", command],
                                          environment: ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" },
                                          timeout: timeout)
    guard output.succeeded else {
        throw BenchFailure("`\(command)` failed (\(output.termination)): \(output.stderrText.suffix(2000))")
    }
    return output.stdoutText
}

/// Resident and proportional set size of a process, in KiB.
func memory(of pid: Int32) -> (rss: Int, pss: Int)? {
    func field(_ text: String, _ name: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(name + ":") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }
    guard let status = try? FileContents.read("/proc/\(pid)/status"), let rss = field(status, "VmRSS") else { return nil }
    let pss = (try? FileContents.read("/proc/\(pid)/smaps_rollup")).flatMap { field($0, "Pss") } ?? rss
    return (rss, pss)
}

/// Waits for `condition` with a deadline, polling every millisecond.
func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !(await condition()) {
        guard ContinuousClock.now < deadline else { throw BenchFailure("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// Runs a bash script where crun works on this machine: crun refuses the cgroup v1/v2
/// hybrid layout, so on hybrid hosts the script runs in a private mount namespace without
/// the unified mount (the setup is outside what the script times).
func crunScript(_ script: String, timeout: Duration = .seconds(900)) async throws -> String {
    let hybrid = (try? FileContents.read("/proc/self/mountinfo"))?.contains(" /sys/fs/cgroup/unified ") ?? false
    let body = (hybrid ? "umount /sys/fs/cgroup/unified || exit 1\n" : "") + script
    return try await sh("unshare -m bash -c \(shellQuote(body))", timeout: timeout)
}

func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// Parses lines of microseconds printed by a timing script into milliseconds.
func samples(from output: String) -> Samples {
    var s = Samples()
    for line in output.split(separator: "\n") { if let v = Double(line.trimmingCharacters(in: .whitespaces)) { s.add(v / 1000) } }
    return s
}

/// A minimal busybox root filesystem (static busybox and the applets a bench needs).
func makeBusyboxRootfs(_ dir: String) async throws {
    try await sh("""
        set -e; mkdir -p \(dir)/bin \(dir)/proc \(dir)/sys \(dir)/dev \(dir)/tmp \(dir)/etc
        cp /bin/busybox \(dir)/bin/busybox
        for a in sh true sleep cat httpd; do ln -sf busybox \(dir)/bin/$a; done
        echo 'root:x:0:0:root:/:/bin/sh' > \(dir)/etc/passwd; echo 'root:x:0:' > \(dir)/etc/group
        """)
}
