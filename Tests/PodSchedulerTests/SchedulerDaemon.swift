import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import Testing

/// The real `pod-scheduler` binary as a child process on free loopback ports and its own
/// work directory: what an operator runs, so it can be killed with SIGKILL and started again
/// on the same state. Without a cluster it runs its embedded master and agent; with one it
/// is a framework of that `LocalClusterDaemon` (`--master http://…`).
final class SchedulerDaemon: Sendable {
    let workDirectory: String
    let httpPort: Int
    let masterPort: Int
    let agentPort: Int
    /// The HTTPS listener's port (used when `httpsCA` is given).
    let httpsPort: Int
    let extraArguments: [String]
    /// When set, the daemon's own requests go over HTTPS (`--https-port`) trusting this CA.
    let httpsCA: String?
    /// The shared local cluster this scheduler is a framework of (nil: embedded).
    let cluster: LocalClusterDaemon?
    /// `--master` when it is not the cluster's URL (`zk://…`).
    let master: String?
    let process: DaemonProcess
    private let frameworkIDCache = Mutex<String?>(nil)

    var logPath: String { process.logPath }
    var base: String { httpsCA == nil ? "http://127.0.0.1:\(httpPort)" : "https://127.0.0.1:\(httpsPort)" }
    var pid: pid_t? { process.pid }
    /// The `host:port` others reach its API at (the HTTPS one with `--disable-http`).
    var hostPort: String { "127.0.0.1:\(extraArguments.contains("--disable-http") ? httpsPort : httpPort)" }

    init(extraArguments: [String] = [], cluster: LocalClusterDaemon? = nil, master: String? = nil, httpsCA: String? = nil) throws {
        workDirectory = try DaemonProcess.temporaryDirectory("sched-daemon")
        httpPort = try DaemonProcess.freePort()
        masterPort = cluster == nil ? try DaemonProcess.freePort() : 0
        agentPort = cluster == nil ? try DaemonProcess.freePort() : 0
        httpsPort = try DaemonProcess.freePort()
        self.httpsCA = httpsCA
        self.extraArguments = extraArguments
        self.cluster = cluster
        self.master = master
        process = DaemonProcess(binary: "pod-scheduler", logPath: workDirectory + "/scheduler.log")
    }

    static func binary(_ name: String) -> String { DaemonProcess.binary(name) }

    /// Starts the binary (again, on the same work directory and ports) and waits for /ping
    /// and, on a shared cluster, for its framework id (stored, or given by the master; with
    /// `--zk`, a follower asks the leader) unless `frameworkID` is false.
    func start(timeout: Duration = .seconds(30), frameworkID: Bool = true) async throws {
        var listeners = extraArguments.contains("--disable-http") ? [] : ["--http-port", "\(httpPort)"]
        if httpsCA != nil { listeners += ["--https-port", "\(httpsPort)"] }
        var arguments = ["--work-dir", workDirectory] + listeners + ["--executor", Self.binary("pod-executor"), "--log-level", "info"]
        if let cluster {
            arguments += ["--master", master ?? cluster.masterURL]
        } else {
            arguments += ["--local-master-port", "\(masterPort)", "--local-agent-port", "\(agentPort)", "--local-cpus", "8",
                          "--local-mem", "8192", "--cni-config-dir", workDirectory + "/cni"]
        }
        try await process.start(arguments + extraArguments, timeout: timeout) { [self] in
            guard (try? await self.request(.GET, "/ping").status) == 200 else { return false }
            if self.cluster == nil || !frameworkID { return true }
            return (try? await self.currentFrameworkID()) != nil
        }
    }

    /// SIGKILL: nothing is flushed, nothing is shut down.
    func kill9() { process.kill9() }

    /// SIGTERM, as systemd stops it; SIGKILL if it has not exited within the deadline.
    func terminate(timeout: Duration = .seconds(20)) async { await process.terminate(timeout: timeout) }

    /// SIGHUP (the HTTPS certificate and key are read again).
    func hangUp() { signal(SIGHUP) }

    /// Sends `signal` (SIGSTOP freezes the process, SIGCONT resumes it).
    func signal(_ signal: Int32) {
        guard let pid = process.pid else { return }
        kill(pid, signal)
    }

    /// The whole log so far.
    var log: String {
        FileManager.default.contents(atPath: logPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// How many lines of the log contain `text`.
    func logLines(containing text: String) -> Int {
        log.split(separator: "\n").filter { $0.contains(text) }.count
    }

    typealias Response = HTTPAnswer

    func request(_ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> Response {
        try await process.request(method, base + path, body: body, headers: headers, tlsConfiguration: try httpsCA.map(Self.trusting))
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
    func events(query: String = "", headers: [(String, String)] = [], timeout: Duration = .seconds(30),
                whileOpen: @escaping @Sendable () async throws -> Void, until done: (String) -> Bool) async throws -> String {
        var req = HTTPClientRequest(url: base + "/v2/events" + query)
        req.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { req.headers.add(name: name, value: value) }
        let seconds = Int64(timeout.components.seconds)
        let response = try await process.client.execute(req, timeout: .seconds(seconds))
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

    /// Live pod-executor processes of this scheduler: under its work directory (embedded
    /// agent), or its framework's sandboxes on the shared cluster's agent.
    func executorPIDs() -> Set<pid_t> {
        guard let cluster else { return DaemonProcess.executorPIDs(under: workDirectory) }
        guard let id = frameworkID else { return [] }
        return DaemonProcess.executorPIDs(under: cluster.agentDirectory).filter { pid in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"))?.contains("/frameworks/\(id)/") == true
        }
    }

    /// The framework id the scheduler has stored (nil before its first subscription).
    private var frameworkID: String? {
        frameworkIDCache.withLock { $0 }
    }

    /// Reads and remembers the framework id from `/v2/info`.
    @discardableResult
    func currentFrameworkID() async throws -> String? {
        let id = try await request(.GET, "/v2/info").object["frameworkId"] as? String
        if let id { frameworkIDCache.withLock { $0 = id } }
        return id
    }

    func logTail(_ bytes: Int = 4000) -> String { process.logTail(bytes) }

    /// Waits (deadline) for a condition; a throwing condition ends the wait at once.
    func wait(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        try await process.wait(what, timeout: timeout, condition)
    }

    /// Deletes every pod, waits for their executors to go, stops the daemon and removes
    /// its work directory. Leftover executors (a failed test) are killed.
    func tearDown() async {
        if process.isRunning, let r = try? await request(.GET, "/v2/pods"), let pods = r.json as? [[String: Any]] {
            _ = try? await currentFrameworkID()
            for pod in pods {
                if let id = pod["id"] as? String { _ = try? await request(.DELETE, "/v2/pods\(id)?force=true") }
            }
            try? await wait("executors to exit", timeout: .seconds(30)) { self.executorPIDs().isEmpty }
        }
        await process.shutdown()
        if cluster == nil { DaemonProcess.killLeftoverExecutors(under: workDirectory) }
        try? FileManager.default.removeItem(atPath: workDirectory)
    }
}
