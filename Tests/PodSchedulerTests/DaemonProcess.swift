import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// One of our binaries as a child process, as an operator runs it: its output appended to
/// a log file, started again on the same arguments, killed with SIGKILL or stopped with
/// SIGTERM, and waited on with deadlines. `SchedulerDaemon` and `LocalClusterDaemon` are
/// built on it.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns the daemon, one call at a
    // time (the suites using daemons are serialized); the rest is immutable.
    let binary: String
    let logPath: String
    private var process: Process?
    let client = HTTPClient(eventLoopGroupProvider: .singleton)

    init(binary name: String, logPath: String) {
        binary = Self.binary(name)
        self.logPath = logPath
    }

    /// A built product (next to the test bundle, or in `.build/debug`).
    static func binary(_ name: String) -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/debug/\(name)"
    }

    /// A new directory under the temporary directory.
    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A port nothing listens on right now (bound to 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw ClusterFailure("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    var pid: pid_t? { process?.processIdentifier }
    var isRunning: Bool { process?.isRunning == true }

    /// Starts the binary with `arguments` (its output appended to the log) and waits until
    /// `ready` holds; it exiting first fails the wait.
    func start(_ arguments: [String], timeout: Duration = .seconds(30), ready: @escaping () async -> Bool) async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        let name = (binary as NSString).lastPathComponent
        try await wait("\(name) to be ready", timeout: timeout) {
            guard p.isRunning else { throw ClusterFailure("\(name) exited (\(p.terminationStatus)): \(self.logTail())") }
            return await ready()
        }
    }

    /// SIGKILL: nothing is flushed, nothing is shut down.
    func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// SIGTERM, as systemd stops it; SIGKILL if it has not exited within the deadline.
    /// Returns whether it exited on its own.
    @discardableResult
    func terminate(timeout: Duration = .seconds(20)) async -> Bool {
        guard let p = process else { return true }
        kill(p.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while p.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        let clean = !p.isRunning
        if !clean { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        process = nil
        return clean
    }

    func logTail(_ bytes: Int = 4000) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log)" }
        return String(decoding: data.suffix(bytes), as: UTF8.self)
    }

    /// Waits (deadline) for a condition; a throwing condition ends the wait at once.
    func wait(_ what: String, timeout: Duration = .seconds(60), interval: Duration = .milliseconds(100),
              _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !(try await condition()) {
            guard ContinuousClock.now < deadline else { throw ClusterFailure("timed out waiting for \(what); log:\n\(logTail())") }
            try await Task.sleep(for: interval)
        }
    }

    /// An HTTP request with a 10 s deadline; the body is read whole.
    func request(_ method: HTTPMethod, _ url: String, body: String? = nil, headers: [(String, String)] = [],
                 tlsConfiguration: TLSConfiguration? = nil) async throws -> HTTPAnswer {
        var req = HTTPClientRequest(url: url)
        req.method = method
        req.tlsConfiguration = tlsConfiguration
        for (name, value) in headers { req.headers.add(name: name, value: value) }
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(req, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
    }

    /// Stops the process (SIGTERM) if it runs and closes the HTTP client.
    func shutdown() async {
        await terminate()
        try? await client.shutdown()
    }

    /// Live pod-executor processes whose sandbox is below `directory` (an agent's work
    /// directory), one per executor: each container's monitor is a fork of the executor,
    /// with the same binary and directory, and is left out.
    static func executorPIDs(under directory: String) -> Set<pid_t> {
        var out: Set<pid_t> = []
        for pid in allPIDs() where isExecutorBinary(pid) {
            guard let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
                  cwd.hasPrefix(directory), let ppid = parent(pid), !isExecutorBinary(ppid) else { continue }
            out.insert(pid)
        }
        return out
    }

    /// The processes of the containers of these executors: descendants that are not
    /// pod-executor themselves.
    static func containerPIDs(of executors: Set<pid_t>) -> Set<pid_t> {
        var out: Set<pid_t> = []
        for pid in allPIDs() where !isExecutorBinary(pid) {
            var ancestor = parent(pid)
            while let a = ancestor, a > 1 {
                if executors.contains(a) {
                    out.insert(pid)
                    break
                }
                ancestor = parent(a)
            }
        }
        return out
    }

    private static func allPIDs() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
    }

    private static func isExecutorBinary(_ pid: pid_t) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))?.hasSuffix("/pod-executor") == true
    }

    private static func parent(_ pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// Kills executors a failed test left behind and collects what their pods left, as an
    /// operator would with no agent to destroy them.
    static func killLeftoverExecutors(under directory: String) {
        let leftovers = executorPIDs(under: directory)
        for pid in leftovers { kill(pid, SIGKILL) }
        guard !leftovers.isEmpty else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary("pod-executor"))
        p.arguments = ["--cleanup"]
        try? p.run()
        p.waitUntilExit()
    }
}

/// An HTTP answer read whole.
struct HTTPAnswer {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
    var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
}
