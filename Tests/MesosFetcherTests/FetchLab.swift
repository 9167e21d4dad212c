import Foundation
import PodSystem
import PodTestFixtures
import Testing
@testable import MesosFetcher
#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP server over a directory of test artifacts, sandboxes and a cache,
/// all in one temporary tree that is removed at the end.
final class FetchLab {
    let root: String
    let site: String
    let cache: String
    let server: LoopbackHTTPServer
    private var sandboxCount = 0

    init(server: LoopbackHTTPServer, root: String) {
        self.root = root
        self.site = root + "/site"
        self.cache = root + "/cache"
        self.server = server
    }

    var base: String { "http://127.0.0.1:\(server.port)" }

    /// A new empty sandbox.
    func sandbox() throws -> String {
        sandboxCount += 1
        let path = root + "/sandbox-\(sandboxCount)"
        try Directory.create(path, mode: 0o755)
        return path
    }

    /// Builds `site/<name>` with a Python snippet (`archive` is its path).
    func pythonArchive(_ name: String, _ code: String) async throws {
        try await Host.run([Host.python, "-c", "import sys, tarfile, zipfile, io, os\narchive = sys.argv[1]\n" + code,
                                   site + "/" + name])
    }

    func requests(_ path: String) throws -> Int {
        try server.requests().filter { $0 == "GET \(path)" }.count
    }

    static func mode(_ path: String) -> UInt32? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return UInt32(st.st_mode) & 0o7777
    }

    static func owner(_ path: String) -> UInt32? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_uid
    }

    /// Entries of a sandbox other than the fetcher's leftovers (there must be none of those).
    static func entries(_ path: String) -> [String] { Directory.list(path) }
}

func withFetchLab(_ body: (FetchLab) async throws -> Void) async throws {
    let root = try Host.temporaryDirectory("fetch")
    defer { Directory.removeTree(root) }
    try Directory.create(root + "/site")
    let server = try await LoopbackHTTPServer(root: root + "/site", work: root)
    let lab = FetchLab(server: server, root: root)
    do {
        try await body(lab)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
