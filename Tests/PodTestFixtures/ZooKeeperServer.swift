import Foundation
import Logging
import PodSystem
import Primitives
import Synchronization
import ZooKeeper

/// A real ZooKeeper server (Debian's `zookeeper` package) on 127.0.0.1 at a free port with a
/// temporary data directory, run by `scripts/fixtures/zookeeper-server.sh`. It can be stopped
/// (the JVM is killed, as in a crash) and started again on the same port and data. Sessions
/// made with `connect` reach it through a `TCPProxy` of their own, so a test can cut one
/// session off (`partition`/`heal`) or expire it (`expire`). The script kills the server and
/// removes its directory when the test process is gone, so a crashed test leaves nothing
/// behind.
public final class ZooKeeperServer: Sendable {
    /// The server's jar of the `zookeeper` package.
    public static let jar = "/usr/share/java/zookeeper.jar"
    /// Why server tests skip when `isInstalled` is false.
    public static let skipReason = "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"

    /// Whether the package and a Java runtime are there.
    public static var isInstalled: Bool {
        FileManager.default.isReadableFile(atPath: jar)
            && ["/usr/bin/java", "/usr/local/bin/java"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The directory with `zoo.cfg`, `data/` and `server.log`.
    public let directory: String
    public let port: Int
    /// `127.0.0.1:port`, for `ZooKeeperSession.Configuration(servers:)`.
    public var servers: String { "127.0.0.1:\(port)" }

    private struct State {
        var process: ManagedProcess?
        var startups: [Duration] = []
        /// The proxy of each session made by `connect`, by session id.
        var proxies: [Int64: TCPProxy] = [:]
        /// The sessions a test partitioned.
        var partitioned: Set<Int64> = []
    }
    private let state = Mutex(State())

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/fixtures/zookeeper-server.sh").path

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    /// Starts a new server and waits until it serves (`srvr` reports its mode), at most
    /// `timeout`.
    public static func start(timeout: Duration = .seconds(30)) async throws -> ZooKeeperServer {
        guard isInstalled else { throw FixtureFailure(skipReason) }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zookeeper-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let server = ZooKeeperServer(directory: directory, port: try freePort())
        do {
            try await server.start(timeout: timeout)
        } catch {
            await server.destroy()
            throw error
        }
        return server
    }

    /// Runs `body` with a new server, then stops it and removes its data, whatever happens.
    public static func with<T>(_ body: (ZooKeeperServer) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let result = try await body(server)
            await server.destroy()
            return result
        } catch {
            await server.destroy()
            throw error
        }
    }

    private actor Holder {
        var value: Result<ZooKeeperServer, any Error>?
        func get() async -> Result<ZooKeeperServer, any Error> {
            if let value { return value }
            let made: Result<ZooKeeperServer, any Error>
            do { made = .success(try await ZooKeeperServer.start()) } catch { made = .failure(error) }
            value = made
            return made
        }
    }
    private static let holder = Holder()

    /// One server for the tests that do not stop it, started on first use; it goes with the
    /// test process. Tests share it through paths of their own.
    public static func shared() async throws -> ZooKeeperServer {
        try await holder.get().get()
    }

    /// How long each start took until the server served.
    public var startupTimes: [Duration] { state.withLock { $0.startups } }

    /// Starts the server (again: same port, same data) and waits until it serves. The
    /// sessions' proxies let clients through only then: a ZooKeeper server that is still
    /// starting may take a reconnecting session's handshake and not answer it, and the client
    /// would wait two thirds of its session timeout before it tries again.
    public func start(timeout: Duration = .seconds(30)) async throws {
        guard state.withLock({ $0.process == nil }) else { throw FixtureFailure("the ZooKeeper server runs already") }
        let log = directory + "/server.log"
        let began = ContinuousClock.now
        let process = try Subprocess.spawnDetached("/bin/bash", arguments: ["bash", Self.script, directory, "\(port)", "\(getpid())"],
                                                   environment: ["PATH=/usr/local/bin:/usr/bin:/bin"],
                                                   workingDirectory: directory, standardOutput: log, standardError: log)
        state.withLock { $0.process = process }
        let deadline = began.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if process.termination != nil { break }
            if let answer = try? await command("srvr", timeout: .milliseconds(500)), answer.contains("Mode: ") {
                let took = ContinuousClock.now - began
                let proxies = state.withLock { s in
                    s.startups.append(took)
                    return s.proxies.filter { !s.partitioned.contains($0.key) }.map(\.value)
                }
                for proxy in proxies { proxy.heal() }
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        await stop()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw FixtureFailure("the ZooKeeper server on port \(port) did not answer within \(timeout): \(output.suffix(2000))")
    }

    /// Kills the server (as in a crash) and waits until it is gone. The data stays.
    public func stop() async {
        let (process, proxies) = state.withLock { s in
            defer { s.process = nil }
            return (s.process, Array(s.proxies.values))
        }
        guard let process else { return }
        for proxy in proxies { proxy.cut() }
        _ = process.signal(SIGTERM)
        _ = await process.waitForExit()
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing is answered, as with a
    /// hung server. `resume` lets it go on.
    public func pause() throws {
        guard let process = state.withLock({ $0.process }) else { throw FixtureFailure("the ZooKeeper server is not running") }
        // The script leads its own process group, with the JVM in it.
        guard kill(-process.pid, SIGSTOP) == 0 else { throw FixtureFailure("SIGSTOP: errno \(errno)") }
    }

    public func resume() throws {
        guard let process = state.withLock({ $0.process }) else { throw FixtureFailure("the ZooKeeper server is not running") }
        guard kill(-process.pid, SIGCONT) == 0 else { throw FixtureFailure("SIGCONT: errno \(errno)") }
    }

    /// Stops the server and its proxies and removes its directory.
    public func destroy() async {
        let proxies = state.withLock { s in
            defer { s.proxies.removeAll() }
            return Array(s.proxies.values)
        }
        for proxy in proxies { proxy.close() }
        await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A connected session that reaches the server through a proxy of its own, so that the
    /// test can `partition` or `expire` it.
    public func connect(credentials: ZooKeeperCredentials? = nil, sessionTimeout: Duration = .seconds(10),
                        logger: Logger = Logger(label: "zookeeper")) async throws -> ZooKeeperSession {
        let proxy = try TCPProxy(to: port)
        let session: ZooKeeperSession
        do {
            session = try await ZooKeeperSession.connect(.init(servers: "127.0.0.1:\(proxy.port)", sessionTimeout: sessionTimeout,
                                                               credentials: credentials, logger: logger))
        } catch {
            proxy.close()
            throw error
        }
        guard let id = session.identity?.id else { throw FixtureFailure("a connected session without an id") }
        state.withLock { $0.proxies[id] = proxy }
        return session
    }

    private func proxy(of session: ZooKeeperSession) throws -> TCPProxy {
        guard let id = session.identity?.id, let proxy = state.withLock({ $0.proxies[id] }) else {
            throw FixtureFailure("the session was not made by ZooKeeperServer.connect")
        }
        return proxy
    }

    /// Cuts `session` (made by `connect`) off the server until `heal`: its connection drops and
    /// it cannot reconnect. The server expires it after its session timeout.
    public func partition(_ session: ZooKeeperSession) throws {
        let proxy = try proxy(of: session)
        if let id = session.identity?.id { state.withLock { _ = $0.partitioned.insert(id) } }
        proxy.cut()
    }

    /// Lets `session` reach the server again.
    public func heal(_ session: ZooKeeperSession) throws {
        let proxy = try proxy(of: session)
        let running = state.withLock { s in
            if let id = session.identity?.id { s.partitioned.remove(id) }
            return s.process != nil
        }
        if running { proxy.heal() }
    }

    /// Expires `session` (made by `connect`) as a long partition would, and waits until it
    /// reports `.expired`: it is cut off the server, a second client attaches to the same
    /// session (id and password) directly and closes it, which ends the session on the server;
    /// then the first client may reconnect, and the server tells it that its session expired.
    public func expire(_ session: ZooKeeperSession, timeout: Duration = .seconds(20)) async throws {
        let proxy = try proxy(of: session)
        guard let identity = session.identity else { throw FixtureFailure("the session has no identity yet") }
        // Subscribed before the cut: its owner may close the session as soon as it expires
        // (a detector starting a new one), and a later subscription would only see `closed`.
        let updates = session.stateUpdates()
        proxy.cut()
        var logger = Logger(label: "zookeeper.fixture")
        logger.logLevel = .warning
        let intruder = try await ZooKeeperSession.connect(.init(servers: servers, resume: identity, logger: logger))
        await intruder.close()
        proxy.heal()
        let reached = try await withDeadline(timeout, "session \(identity) to expire") {
            for await state in updates where state.isFinal { return state }
            return session.state
        }
        guard reached == .expired else { throw FixtureFailure("session \(identity) ended \(reached), not expired") }
    }

    /// The answer to a four-letter command (`ruok`, `srvr`, `cons`, `wchp`, `wchc`, `stat`).
    public func command(_ word: String, timeout: Duration = .seconds(5)) async throws -> String {
        let fd = try await BlockingThread.tcpConnect(networkNamespace: nil, ip: "127.0.0.1", port: port, timeout: timeout)
        let bytes: [UInt8]? = await BlockingThread.run {
            defer { close(fd) }
            let micros = max(timeout.components.seconds * 1_000_000 + timeout.components.attoseconds / 1_000_000_000_000, 1000)
            var tv = timeval(tv_sec: Int(micros / 1_000_000), tv_usec: Int(micros % 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let request = Array(word.utf8)
            guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
            var answer: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 { return nil }
                if n == 0 { return answer }
                answer += buffer[0..<n]
            }
        }
        guard let bytes else { throw FixtureFailure("four-letter command \(word) failed") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The data and exists watches on the server (`wchp`; ZooKeeper does not list child
    /// watches): each watched path with the ids of the sessions watching it.
    public func watchesByPath() async throws -> [String: Set<Int64>] {
        var watches: [String: Set<Int64>] = [:]
        var current: String?
        for line in try await command("wchp").split(separator: "\n") {
            if line.hasPrefix("/") {
                current = String(line)
                watches[String(line), default: []] = []
            } else if let path = current {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("0x"), let id = UInt64(trimmed.dropFirst(2), radix: 16) {
                    watches[path, default: []].insert(Int64(bitPattern: id))
                }
            }
        }
        return watches
    }

    /// A TCP port nothing listens on right now (bound to 0 on 127.0.0.1, then released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw FixtureFailure("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
