import Foundation
import PodSystem

/// `python3` serving a directory over HTTP on 127.0.0.1 (port chosen by the kernel),
/// logging each request line to a file.
public final class LoopbackHTTPServer: Sendable {
    public let port: Int
    public let requestLog: String
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

    public init(root: String, work: String) async throws {
        let portFile = work + "/http.port"
        requestLog = work + "/http.requests"
        try Host.write(requestLog, "")
        background = try BackgroundProcess([Host.python, "-c", Self.script, root, portFile, requestLog],
                                           directory: work, log: work + "/http.log")
        try await waitUntil("the HTTP server's port") { Directory.exists(portFile) }
        guard let port = Int((try FileContents.read(portFile)).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            await background.stop()
            throw FixtureFailure("the HTTP server wrote no port")
        }
        self.port = port
    }

    /// Request lines seen so far (`GET /path`).
    public func requests() throws -> [String] {
        try FileContents.read(requestLog).split(separator: "\n").map(String.init)
    }

    public func stop() async { await background.stop() }
}
