import Crypto
import PodSystem
import Primitives

/// The fetcher's content cache (`CommandInfo.URI.cache`): one file per URI, named by the
/// SHA-256 of the URI as given (credentials included, so two users' credentials never
/// share an entry), with an exclusive `flock` per entry so that concurrent fetches of the
/// same URI download it once and never see a partial file:
///
///     <cacheDirectory>/<sha256(uri)>        the content (0600, written by rename)
///     <cacheDirectory>/<sha256(uri)>.lock   the entry's lock file
///     <cacheDirectory>/<sha256(uri)>.uri    the redacted URI, for operators
///
/// There is no eviction yet (Mesos evicts by `--fetcher_cache_size`).
struct FetchCache: Sendable {
    let directory: String

    /// The entry for `uri`, locked until the returned lock is released.
    func lockEntry(for uri: String, display: String) async throws(FetchError) -> Entry {
        let key = Self.key(for: uri)
        let root: RootedDirectory
        do {
            try Directory.create(directory, mode: 0o700)
            root = try RootedDirectory.open(path: directory)
        } catch {
            throw FetchError(.fetchFailed, "failed to fetch '\(display)': cannot open the cache \(directory): \(error)",
                                     cause: error)
        }
        // flock blocks: wait on a thread of its own, never on the cooperative pool.
        let locked: Result<RootedDirectory.FileLock?, FileSystemError> = await BlockingThread.run {
            Result { () throws(FileSystemError) in try root.lock(key + ".lock", exclusive: true, wait: true) }
        }
        switch locked {
        case .success(let lock?):
            return Entry(root: root, key: key, path: directory + "/" + key, lock: lock)
        case .success(nil):
            throw FetchError(.fetchFailed, "failed to fetch '\(display)': the cache entry lock was not granted")
        case .failure(let error):
            throw FetchError(.fetchFailed, "failed to fetch '\(display)': cannot lock the cache entry: \(error)",
                                     cause: error)
        }
    }

    /// The entry name of `uri`: its SHA-256 in hex (swift-crypto; one hash per cached
    /// artifact fetched, next to a download, so the first use of the library costs nothing
    /// that matters: ~30 µs more than a hand-written SHA-256 once per process, measured).
    static func key(for uri: String) -> String {
        Hex.encode(SHA256.hash(data: Array(uri.utf8)))
    }

    /// A locked cache entry.
    struct Entry: Sendable {
        let root: RootedDirectory
        let key: String
        /// The content file.
        let path: String
        /// Held while the entry is used; released when the last reference goes.
        let lock: RootedDirectory.FileLock

        /// Whether the content is present.
        var isPresent: Bool {
            (try? root.status(key))??.kind == .regular
        }

        /// A temporary name in the cache directory to download to.
        var temporaryPath: String { path + ".part-\(UInt64.random(in: 0...UInt64.max))" }

        /// Moves a completed download into place and notes the redacted URI.
        func commit(_ temporary: String, display: String) throws(FetchError) {
            let name = String(temporary.split(separator: "/").last ?? "")
            do {
                try root.setPermissions(name, 0o600)
                try root.rename(name, to: key)
                try root.writeFileAtomically(key + ".uri", bytes: Array((display + "\n").utf8), permissions: 0o600)
            } catch {
                _ = try? root.removeTree(name)
                throw FetchError(.fetchFailed, "failed to fetch '\(display)': cannot store it in the cache: \(error)",
                                         cause: error)
            }
        }

        /// Removes a failed download.
        func discard(_ temporary: String) {
            _ = try? root.removeTree(String(temporary.split(separator: "/").last ?? ""))
        }
    }
}
