import Logging
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// Fetches `CommandInfo.uris` (Marathon `artifacts`) into a task's sandbox before the task
/// starts, with the Mesos fetcher's semantics:
/// - the file lands at `output_file` (relative to the sandbox; parents created) or else at
///   the URI's last path component;
/// - `executable`: mode 0755, never extracted; otherwise `extract` unpacks `.tar`,
///   `.tar.gz`/`.tgz`, `.tar.bz2`/`.tbz2`, `.tar.xz`/`.txz` and `.zip` into the sandbox (and
///   gunzips a lone `.gz`), keeping the archive next to its contents — except when it came
///   from the cache, where only the contents are placed;
/// - `cache`: the content is kept per URI in the cache directory and reused.
///
/// Unlike Mesos, which runs its fetcher as the task user, this runs as root; so archives
/// are read here, never by `tar` or `unzip` (``ArchiveExtractor``: the image store's tar
/// reader, a zip reader, every entry judged by ``ArchivePolicy`` and written by
/// ``ArchiveWriter`` through `RootedDirectory`), the result is checked again before it joins
/// the sandbox (nothing outside it, no devices, no setuid bits), local files must be
/// readable by ``Owner``, and everything placed is chowned to ``Owner``. Errors name the URI
/// with credentials hidden.
public struct Fetcher: Sendable {
    /// The user and group fetched files are given to (the task's user).
    public struct Owner: Sendable, Equatable {
        /// The user id.
        public var uid: UInt32
        /// The group id.
        public var gid: UInt32

        /// An owner.
        public init(uid: UInt32, gid: UInt32) {
            self.uid = uid
            self.gid = gid
        }
    }

    /// Limits and tools.
    public struct Configuration: Sendable {
        /// The largest download or local file accepted.
        public var maxDownloadBytes: Int64
        /// The most an archive may expand to.
        public var maxExtractedBytes: Int64
        /// The most entries an archive may have.
        public var maxArchiveEntries: Int
        /// The longest one download may take.
        public var downloadTimeout: Duration
        /// A download receiving nothing for this long is abandoned (Mesos' stall timeout).
        public var stallTimeout: Duration
        /// The longest an extraction may take.
        public var extractTimeout: Duration
        /// Where `curl`, `sh`, and for compressed tar archives `bzip2`, `xz` and `zstd`, are
        /// looked up.
        public var hostPath: String
        /// Extra environment for curl (`https_proxy`, `no_proxy`, …).
        public var curlEnvironment: [String]

        /// Defaults: 4 GiB downloads, 16 GiB / 200,000 entries extracted, 1 h per download,
        /// 60 s stall timeout.
        public init(maxDownloadBytes: Int64 = 4 << 30, maxExtractedBytes: Int64 = 16 << 30,
                    maxArchiveEntries: Int = 200_000, downloadTimeout: Duration = .seconds(3600),
                    stallTimeout: Duration = .seconds(60), extractTimeout: Duration = .seconds(3600),
                    hostPath: String = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    curlEnvironment: [String] = []) {
            self.maxDownloadBytes = maxDownloadBytes
            self.maxExtractedBytes = maxExtractedBytes
            self.maxArchiveEntries = maxArchiveEntries
            self.downloadTimeout = downloadTimeout
            self.stallTimeout = stallTimeout
            self.extractTimeout = extractTimeout
            self.hostPath = hostPath
            self.curlEnvironment = curlEnvironment
        }
    }

    /// What one fetch produced.
    public struct Outcome: Sendable, Equatable {
        /// The file placed in the sandbox; nil when a cached archive was only extracted.
        public var file: String?
        /// Whether an archive was extracted into the sandbox.
        public var extracted: Bool
        /// Whether the content came from the cache without downloading.
        public var cacheHit: Bool
    }

    /// One artifact (`CommandInfo.URI`).
    public struct Artifact: Sendable, Equatable {
        /// `value`: the URI or absolute path.
        public var uri: String
        /// `executable`: mode 0755, no extraction.
        public var executable: Bool
        /// `extract`: unpack a recognised archive into the sandbox.
        public var extract: Bool
        /// `cache`: reuse the content from the fetcher cache.
        public var cache: Bool
        /// `output_file`: the destination relative to the sandbox.
        public var outputFile: String?

        /// An artifact with Mesos' defaults (`extract` true, the rest false).
        public init(uri: String, executable: Bool = false, extract: Bool = true, cache: Bool = false, outputFile: String? = nil) {
            self.uri = uri
            self.executable = executable
            self.extract = extract
            self.cache = cache
            self.outputFile = outputFile
        }
    }

    /// The configuration.
    public let configuration: Configuration
    let logger: Logger

    /// Creates a fetcher.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "pod.fetcher")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Fetches every artifact in order; the first failure stops and is thrown (the task
    /// group then fails with its message).
    public func fetchAll(_ artifacts: [Artifact], into sandbox: String, cacheDirectory: String? = nil,
                         owner: Owner? = nil) async throws(FetchError) -> [Outcome] {
        var outcomes: [Outcome] = []
        for artifact in artifacts {
            outcomes.append(try await fetch(uri: artifact.uri, into: sandbox, executable: artifact.executable,
                                            extract: artifact.extract, cache: artifact.cache,
                                            outputFile: artifact.outputFile, cacheDirectory: cacheDirectory, owner: owner))
        }
        return outcomes
    }

    /// Fetches one URI into the sandbox directory `sandbox`.
    public func fetch(uri: String, into sandbox: String, executable: Bool = false, extract: Bool = true,
                      cache: Bool = false, outputFile: String? = nil, cacheDirectory: String? = nil,
                      owner: Owner? = nil) async throws(FetchError) -> Outcome {
        let parsed = try FetchURI(uri)
        let display = parsed.redacted
        let destination = try Self.destination(outputFile: outputFile, uri: parsed)
        let root: RootedDirectory
        do {
            root = try RootedDirectory.open(path: sandbox)
        } catch {
            throw FetchError(.fetchFailed, "failed to fetch '\(display)': cannot open the sandbox \(sandbox): \(error)",
                                     cause: error)
        }
        let staging = ".fetch-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        do {
            try root.makeDirectory(staging, permissions: 0o700, createParents: false, replaceExisting: false)
        } catch {
            throw FetchError(.fetchFailed, "failed to fetch '\(display)': cannot prepare the sandbox: \(error)", cause: error)
        }
        defer { _ = try? root.removeTree(staging) }
        let job = Job(fetcher: self, root: root, sandbox: sandbox, staging: staging, display: display,
                      destination: destination, owner: owner)
        let kind = extract && !executable ? ArchiveKind(fileName: destination.components.last ?? "") : nil
        var outcome: Outcome
        if cache {
            guard let cacheDirectory, cacheDirectory.hasPrefix("/") else {
                throw FetchError(.fetchFailed, "failed to fetch '\(display)': caching was asked for but no cache directory is configured")
            }
            let entry = try await FetchCache(directory: cacheDirectory).lockEntry(for: uri, display: display)
            let hit = entry.isPresent
            if !hit {
                let temporary = entry.temporaryPath
                do throws(FetchError) {
                    try await obtain(parsed, to: temporary, owner: owner)
                    try entry.commit(temporary, display: display)
                } catch {
                    entry.discard(temporary)
                    throw error
                }
            }
            if let kind {
                try await job.extract(entry.path, kind: kind)
                outcome = Outcome(file: nil, extracted: true, cacheHit: hit)
            } else {
                try copyLocal(entry.path, to: job.stagingPath + "/download", display: display, owner: nil)
                outcome = Outcome(file: try job.place(executable: executable), extracted: false, cacheHit: hit)
            }
            withExtendedLifetime(entry.lock) {}
        } else {
            try await obtain(parsed, to: job.stagingPath + "/download", owner: owner)
            if let kind {
                try await job.extract(job.stagingPath + "/download", kind: kind, keepArchive: true)
                outcome = Outcome(file: sandbox + "/" + destination.path, extracted: true, cacheHit: false)
            } else {
                outcome = Outcome(file: try job.place(executable: executable), extracted: false, cacheHit: false)
            }
        }
        if extract, !executable, kind == nil {
            logger.debug("artifact is not an archive, copied instead of extracted", metadata: ["fetch.uri": "\(display)"])
        }
        logger.info("artifact fetched", metadata: ["fetch.uri": "\(display)", "fetch.cache_hit": "\(outcome.cacheHit)",
                                                   "fetch.extracted": "\(outcome.extracted)"])
        return outcome
    }

    /// Downloads or copies the content to `path` (a new file).
    func obtain(_ uri: FetchURI, to path: String, owner: Owner?) async throws(FetchError) {
        switch uri.source {
        case .http(let url):
            let downloader = HTTPDownloader(curlPath: try tool("curl", for: uri.redacted), shellPath: try tool("sh", for: uri.redacted),
                                            environment: ["PATH=\(configuration.hostPath)"] + configuration.curlEnvironment,
                                            maxBytes: configuration.maxDownloadBytes, timeout: configuration.downloadTimeout,
                                            stallTimeout: configuration.stallTimeout)
            try await downloader.download(url: url, redacted: uri.redacted, to: path)
        case .local(let source):
            try copyLocal(source, to: path, display: uri.redacted, owner: owner)
        }
    }

    /// A host tool by name from ``Configuration/hostPath``.
    func tool(_ name: String, for display: String) throws(FetchError) -> String {
        for directory in configuration.hostPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw FetchError(.fetchFailed, "failed to fetch '\(display)': '\(name)' is not installed (searched \(configuration.hostPath))")
    }

    /// Where the file goes in the sandbox: `output_file` (relative, no `..`) or the URI's
    /// file name.
    static func destination(outputFile: String?, uri: FetchURI) throws(FetchError) -> (path: String, components: [String]) {
        guard let outputFile else {
            guard let name = uri.basename else {
                throw FetchError(.fetchFailed, "failed to fetch '\(uri.redacted)': the URI names no file; set output_file")
            }
            return (name, [name])
        }
        guard !outputFile.isEmpty, !outputFile.hasPrefix("/") else {
            throw FetchError(.invalidArgument,
                                     "failed to fetch '\(uri.redacted)': output_file '\(outputFile)' must be a path relative to the sandbox")
        }
        let components: [String]
        do {
            components = try RootedDirectory.components(of: outputFile)
        } catch {
            throw FetchError(.invalidArgument,
                                     "failed to fetch '\(uri.redacted)': output_file '\(outputFile)' may not contain '..'", cause: error)
        }
        guard !components.isEmpty, !outputFile.hasSuffix("/") else {
            throw FetchError(.invalidArgument, "failed to fetch '\(uri.redacted)': output_file '\(outputFile)' names no file")
        }
        return (components.joined(separator: "/"), components)
    }
}
