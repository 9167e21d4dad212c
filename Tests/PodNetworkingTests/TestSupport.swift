import Foundation
import PodSystem
import Primitives
import Synchronization
import Testing
@testable import PodNetworking
#if canImport(Glibc)
import Glibc
#endif

/// Shared helpers: temporary directories, host commands, loopback servers.
enum TestSupport {
    static let isRoot = geteuid() == 0
    static let pluginDirectory = "/usr/lib/cni"
    static let hostPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    static let python = "/usr/bin/python3"

    /// A fresh directory below /tmp, removed by the caller with `Directory.removeTree`.
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = "/tmp/podnet-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Directory.create(path, mode: 0o755)
        return path
    }

    /// Runs a host command and returns its output; throws when it fails.
    @discardableResult
    static func run(_ arguments: [String], input: String = "", allowFailure: Bool = false) async throws -> Subprocess.Output {
        let binary = arguments[0].hasPrefix("/") ? arguments[0] : (locate(arguments[0]) ?? arguments[0])
        let output = try await Subprocess.run(binary, arguments: arguments, environment: ["PATH=\(hostPath)", "LC_ALL=C"],
                                              input: Array(input.utf8), timeout: .seconds(60))
        if !allowFailure && !output.succeeded {
            throw TestFailure("\(arguments.joined(separator: " ")) \(output.termination): \(output.stderrText)")
        }
        return output
    }

    static func locate(_ name: String) -> String? {
        hostPath.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    static func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        try FileContents.writeAtomically(path, Array(text.utf8), mode: mode)
    }

    /// Waits until `condition` holds or the deadline passes.
    static func waitUntil(_ what: String, timeout: Duration = .seconds(15),
                          _ condition: () async -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(20)
        while clock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(250))
        }
        throw TestFailure("timed out waiting for \(what)")
    }

    /// An HTTP/1.0 GET over TCP from inside a namespace (nil: the host's); returns the
    /// response text.
    static func httpGet(namespace: String?, ip: String, port: Int, path: String = "/") async throws -> String {
        let fd = try await BlockingThread.tcpConnect(networkNamespace: namespace, ip: ip, port: port, timeout: .seconds(5))
        return await BlockingThread.run {
            defer { close(fd) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let request = Array("GET \(path) HTTP/1.0\r\nHost: \(ip)\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            var response: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                response += buffer[0..<n]
            }
            return String(decoding: response, as: UTF8.self)
        }
    }

    /// Tries to connect until it works.
    static func waitForListener(namespace: String?, ip: String, port: Int) async throws {
        try await waitUntil("a listener on \(ip):\(port)") {
            guard let fd = try? await BlockingThread.tcpConnect(networkNamespace: namespace, ip: ip, port: port,
                                                                timeout: .milliseconds(500)) else { return false }
            close(fd)
            return true
        }
    }
}

/// The error `body` throws, or nil.
func capturedError(_ body: () async throws(PodNetworkingError) -> Void) async -> PodNetworkingError? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A process started for a test and killed at the end.
final class BackgroundProcess: Sendable {
    let process: ManagedProcess

    init(_ arguments: [String], directory: String, log: String) throws {
        process = try Subprocess.spawnDetached(arguments[0], arguments: arguments,
                                               environment: ["PATH=\(TestSupport.hostPath)", "PYTHONUNBUFFERED=1"],
                                               workingDirectory: directory, standardOutput: log, standardError: log)
    }

    func stop() async {
        _ = process.signal(SIGKILL)
        _ = await process.waitForExit()
    }
}

/// `python3` serving a directory over HTTP on 127.0.0.1 (port chosen by the kernel),
/// logging each request line to a file.
final class LoopbackHTTPServer: Sendable {
    let port: Int
    let requestLog: String
    private let background: BackgroundProcess

    static let script = """
    import functools, http.server, os, sys
    root, port_file, log_file = sys.argv[1:4]
    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            # /stream/<n>: n bytes without Content-Length (the body ends when the connection does).
            if self.path.startswith("/stream/"):
                self.send_response(200)
                self.end_headers()
                remaining = int(self.path.split("/")[2])
                while remaining > 0:
                    chunk = min(remaining, 65536)
                    self.wfile.write(b"s" * chunk)
                    remaining -= chunk
                return
            super().do_GET()
        def log_message(self, fmt, *args):
            with open(log_file, "a") as f:
                f.write(self.command + " " + self.path + "\\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()
    """

    init(root: String, work: String) async throws {
        let portFile = work + "/http.port"
        requestLog = work + "/http.requests"
        try TestSupport.write(requestLog, "")
        background = try BackgroundProcess([TestSupport.python, "-c", Self.script, root, portFile, requestLog],
                                           directory: work, log: work + "/http.log")
        try await TestSupport.waitUntil("the HTTP server's port") { Directory.exists(portFile) }
        guard let port = Int((try FileContents.read(portFile)).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            await background.stop()
            throw TestFailure("the HTTP server wrote no port")
        }
        self.port = port
    }

    /// Request lines seen so far (`GET /path`).
    func requests() throws -> [String] {
        try FileContents.read(requestLog).split(separator: "\n").map(String.init)
    }

    func stop() async { await background.stop() }
}
