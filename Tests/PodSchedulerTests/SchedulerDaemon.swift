import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// The real `pod-scheduler` binary as a child process, with its embedded master and agent
/// on free loopback ports and its own work directory: what an operator runs, so it can be
/// killed with SIGKILL and started again on the same state.
final class SchedulerDaemon: @unchecked Sendable {
    let workDirectory: String
    let httpPort: Int
    let masterPort: Int
    let agentPort: Int
    /// The HTTPS listener's port (used when `httpsCA` is given).
    let httpsPort: Int
    let extraArguments: [String]
    /// When set, the daemon's own requests go over HTTPS (`--https-port`) trusting this CA.
    let httpsCA: String?
    private var process: Process?
    private let client = HTTPClient(eventLoopGroupProvider: .singleton)

    var logPath: String { workDirectory + "/scheduler.log" }
    var base: String { httpsCA == nil ? "http://127.0.0.1:\(httpPort)" : "https://127.0.0.1:\(httpsPort)" }

    init(extraArguments: [String] = [], httpsCA: String? = nil) throws {
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sched-daemon-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        httpPort = try Self.freePort()
        masterPort = try Self.freePort()
        agentPort = try Self.freePort()
        httpsPort = try Self.freePort()
        self.extraArguments = extraArguments
        self.httpsCA = httpsCA
    }

    static func binary(_ name: String) -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/debug/\(name)"
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

    /// Starts the binary (again, on the same work directory and ports) and waits for /ping.
    func start(timeout: Duration = .seconds(30)) async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary("pod-scheduler"))
        var listeners = extraArguments.contains("--disable-http") ? [] : ["--http-port", "\(httpPort)"]
        if httpsCA != nil { listeners += ["--https-port", "\(httpsPort)"] }
        p.arguments = ["--work-dir", workDirectory] + listeners + [
                       "--local-master-port", "\(masterPort)", "--local-agent-port", "\(agentPort)",
                       "--executor", Self.binary("pod-executor"), "--local-cpus", "8", "--local-mem", "8192",
                       "--cni-config-dir", workDirectory + "/cni", "--log-level", "info"] + extraArguments
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        try await wait("pod-scheduler to answer /ping", timeout: timeout) { [self] in
            guard p.isRunning else { throw ClusterFailure("pod-scheduler exited: \(self.logTail())") }
            return (try? await self.request(.GET, "/ping").status) == 200
        }
    }

    var pid: pid_t? { process?.processIdentifier }

    /// SIGHUP (the HTTPS certificate and key are read again).
    func hangUp() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGHUP)
    }

    /// The whole log so far.
    var log: String {
        FileManager.default.contents(atPath: logPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// How many lines of the log contain `text`.
    func logLines(containing text: String) -> Int {
        log.split(separator: "\n").filter { $0.contains(text) }.count
    }

    /// SIGKILL: nothing is flushed, nothing is shut down.
    func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// SIGTERM, as systemd stops it; SIGKILL if it has not exited within the deadline.
    func terminate(timeout: Duration = .seconds(20)) async {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while p.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        process = nil
    }

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(_ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> Response {
        var req = HTTPClientRequest(url: base + path)
        req.tlsConfiguration = try httpsCA.map(Self.trusting)
        req.method = method
        for (name, value) in headers { req.headers.add(name: name, value: value) }
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(req, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Response(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
    }

    /// A client TLS configuration that trusts only the CA in `file`.
    static func trusting(_ file: String) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
        return configuration
    }

    /// Reads `GET /v2/events` (with `query`) until `done` holds for what arrived, or the
    /// deadline; `whileOpen` runs once the stream is open (its head received: the server
    /// has subscribed). Returns the text read.
    func events(query: String = "", timeout: Duration = .seconds(30), whileOpen: @escaping @Sendable () async throws -> Void,
                until done: (String) -> Bool) async throws -> String {
        var req = HTTPClientRequest(url: base + "/v2/events" + query)
        req.headers.add(name: "Accept", value: "text/event-stream")
        let seconds = Int64(timeout.components.seconds)
        let response = try await client.execute(req, timeout: .seconds(seconds))
        #expect(response.status.code == 200)
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        let worker = Task { try await whileOpen() }
        var text = ""
        let deadline = ContinuousClock.now.advanced(by: timeout)
        for try await buffer in response.body {
            text += String(buffer: buffer)
            if done(text) || ContinuousClock.now > deadline { break }
        }
        try await worker.value
        return text
    }

    /// `GET /v2/pods/{id}::status` as a dictionary (empty when the pod is unknown).
    func status(_ id: String) async throws -> [String: Any] {
        let r = try await request(.GET, "/v2/pods\(id)::status")
        return r.status == 200 ? r.object : [:]
    }

    /// Live pod-executor processes of this daemon's agent: their sandbox is under the work
    /// directory and their parent is not a pod-executor (each container's monitor is a
    /// fork of the executor, with the same binary and directory).
    func executorPIDs() -> Set<pid_t> {
        func isExecutorBinary(_ pid: pid_t) -> Bool {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))?.hasSuffix("/pod-executor") == true
        }
        func parent(_ pid: pid_t) -> pid_t? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 ? pid_t(fields[1]) : nil
        }
        var out: Set<pid_t> = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), isExecutorBinary(pid),
                  let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
                  cwd.hasPrefix(workDirectory),
                  let ppid = parent(pid), !isExecutorBinary(ppid) else { continue }
            out.insert(pid)
        }
        return out
    }

    func logTail(_ bytes: Int = 4000) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log)" }
        return String(decoding: data.suffix(bytes), as: UTF8.self)
    }

    /// Waits (deadline) for a condition, checked every `poll`; a throwing condition ends the
    /// wait at once.
    func wait(_ what: String, timeout: Duration = .seconds(60), poll: Duration = .milliseconds(100),
              _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !(try await condition()) {
            guard ContinuousClock.now < deadline else { throw ClusterFailure("timed out waiting for \(what); log:\n\(logTail())") }
            try await Task.sleep(for: poll)
        }
    }

    /// Deletes every pod, waits for their executors to go, stops the daemon and removes
    /// its work directory. Leftover executors (a failed test) are killed.
    func tearDown() async {
        if process != nil, let r = try? await request(.GET, "/v2/pods"), let pods = r.json as? [[String: Any]] {
            for pod in pods {
                if let id = pod["id"] as? String { _ = try? await request(.DELETE, "/v2/pods\(id)?force=true") }
            }
            try? await wait("executors to exit", timeout: .seconds(30)) { self.executorPIDs().isEmpty }
        }
        await terminate()
        let leftovers = executorPIDs()
        for pid in leftovers { kill(pid, SIGKILL) }
        if !leftovers.isEmpty {
            // Their pods have no agent to destroy them now: collect them as an operator would.
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.binary("pod-executor"))
            p.arguments = ["--cleanup"]
            try? p.run()
            p.waitUntilExit()
        }
        try? await client.shutdown()
        try? FileManager.default.removeItem(atPath: workDirectory)
    }
}
