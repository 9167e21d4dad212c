import ImageStore
import PodSystem
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Extracts an archive into an empty directory: tar streams with the image store's
/// ``TarReader``, zip members with ``ZipArchive``, a lone `.gz` with zlib, every entry written
/// by ``ArchiveWriter``. Compression of a tar archive is recognised by its first bytes, as
/// GNU tar does: gzip is inflated here; bzip2, xz and zstd are decompressed by the host's
/// tool into a scratch file first (only decompressed: nothing of the archive is written by
/// another program). The result is checked again by ``SandboxTree`` before it is moved into a
/// sandbox.
struct ArchiveExtractor: Sendable {
    let fetcher: Fetcher
    /// The archive as messages name it (`archive 'https://…/a.tar.gz'`).
    let display: String

    private var configuration: Fetcher.Configuration { fetcher.configuration }

    /// Extracts `archive` (of `kind`) into `tree`. For a single `.gz` file the output is
    /// `<outputName without .gz>`. `scratch` is a path for a decompressed copy (in the
    /// fetcher's staging directory).
    func extract(_ archive: String, kind: ArchiveKind, outputName: String, into tree: RootedDirectory,
                 scratch: String) async throws(FetchError) {
        let policy = ArchivePolicy(archive: display, maxEntries: configuration.maxArchiveEntries,
                                   maxBytes: configuration.maxExtractedBytes)
        let deadline = ContinuousClock.now + configuration.extractTimeout
        var source = archive
        var compression = Compression.none
        switch kind {
        case .tar:
            compression = try Compression(ofFile: archive, display: display)
            if let tool = compression.tool {
                try await decompress(archive, with: tool, to: scratch)
                source = scratch
                compression = .none
            }
        case .zip:
            break
        case .gzip:
            let name = String(outputName.dropLast(3))
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw FetchError(.unsafeArchive, "\(display) has no usable name to decompress to")
            }
            compression = .gzip
        }
        let input = source, gzipName = String(outputName.dropLast(3)), display = self.display, gzip = compression == .gzip
        // File work that blocks, on a thread of its own rather than the cooperative pool.
        let outcome: Result<Void, FetchError> = await BlockingThread.run {
            Result { () throws(FetchError) in
                let writer = ArchiveWriter(root: tree, policy: policy)
                switch kind {
                case .tar: try Self.readTar(input, gzip: gzip, into: writer, deadline: deadline, display: display)
                case .zip: try ZipArchive(path: input, display: display).extract(into: writer, deadline: deadline)
                case .gzip: try Self.gunzip(input, name: gzipName, into: writer, deadline: deadline, display: display)
                }
                try writer.finish()
            }
        }
        try outcome.get()
    }

    /// A tar stream (gzip-compressed or not) through the image store's reader.
    static func readTar(_ path: String, gzip: Bool, into writer: ArchiveWriter, deadline: ContinuousClock.Instant,
                        display: String) throws(FetchError) {
        let sink = TarEntries(writer)
        var reader = TarReader(limits: TarLimits(maxEntrySize: writer.policy.maxBytes, maxEntries: Int.max))
        let inflater = gzip ? try inflater(.gzip, display: display) : nil
        do {
            try ArchiveFile.read(path, deadline: deadline, display: display) { chunk in
                if let inflater {
                    try inflater.inflate(chunk) { (out) throws(ImageStoreError) in try reader.feed(out, into: sink) }
                } else {
                    try reader.feed(chunk, into: sink)
                }
            }
            try inflater?.finish()
            try reader.finish()
        } catch {
            throw sink.failure ?? translate(error, display: display, format: "tar")
        }
    }

    /// A lone `.gz` file, decompressed to `name`.
    static func gunzip(_ path: String, name: String, into writer: ArchiveWriter, deadline: ContinuousClock.Instant,
                       display: String) throws(FetchError) {
        let inflater = try inflater(.gzip, display: display)
        try writer.begin(ArchiveEntry(name: name, kind: .file, size: nil))
        var failure: FetchError?
        do {
            try ArchiveFile.read(path, deadline: deadline, display: display) { chunk in
                try inflater.inflate(chunk) { (out) throws(ImageStoreError) in
                    do throws(FetchError) { try writer.write(out) } catch {
                        failure = error
                        throw ImageStoreError(.policy, error.message)
                    }
                }
            }
            try inflater.finish()
        } catch {
            throw failure ?? translate(error, display: display, format: "gzip")
        }
        try writer.end()
    }

    static func inflater(_ format: GzipInflater.Format, display: String) throws(FetchError) -> GzipInflater {
        do {
            return try GzipInflater(format: format)
        } catch {
            throw FetchError(.fetchFailed, "cannot extract \(display): \(error.message)", cause: error)
        }
    }

    /// What the image store's reader or inflater refused, as a fetch error.
    static func translate(_ error: any Error, display: String, format: String) -> FetchError {
        if let error = error as? FetchError { return error }
        if let error = error as? ImageStoreError, error.code == .sizeLimit {
            return FetchError(.sizeLimitExceeded, "\(display) is too large: \(error.message)", cause: error)
        }
        let reason = (error as? ImageStoreError)?.message ?? "\(error)"
        return FetchError(.fetchFailed, "\(display) is not a readable \(format) archive: \(reason)", cause: error)
    }

    /// Decompresses with a host tool into `output`, within the size limit (`ulimit -f`).
    private func decompress(_ archive: String, with tool: String, to output: String) async throws(FetchError) {
        let toolPath = try fetcher.tool(tool, for: display)
        let shell = try fetcher.tool("sh", for: display)
        let blocks = (configuration.maxExtractedBytes + 511) / 512 + 1
        let script = "ulimit -f \"$1\" || exit 97; exec \"$2\" -d -c -- \"$3\" > \"$4\""
        let result: Subprocess.Output
        do {
            result = try await Subprocess.run(shell, arguments: ["sh", "-c", script, "sh", "\(blocks)", toolPath, archive, output],
                                              environment: ["PATH=\(configuration.hostPath)", "LC_ALL=C"],
                                              outputLimit: 1 << 16, timeout: configuration.extractTimeout)
        } catch {
            throw FetchError(.fetchFailed, "cannot decompress \(display): \(error)", cause: error)
        }
        if result.termination == .signaled(SIGXFSZ) {
            throw FetchError(.sizeLimitExceeded, "\(display) expands to more than the limit of \(configuration.maxExtractedBytes) bytes")
        }
        guard result.succeeded else {
            var detail = result.stderrText.trimmingWhitespaceAndNewlines()
            if detail.count > 1000 { detail = String(detail.prefix(1000)) + "…" }
            throw FetchError(.fetchFailed, "cannot decompress \(display): \(tool) \(result.termination)"
                             + (detail.isEmpty ? "" : ": \(detail)"))
        }
    }
}

/// How a tar archive is compressed, by its first bytes.
enum Compression: Equatable {
    case none, gzip, bzip2, xz, zstd

    /// The host tool that decompresses it, when it is not done here.
    var tool: String? {
        switch self {
        case .none, .gzip: nil
        case .bzip2: "bzip2"
        case .xz: "xz"
        case .zstd: "zstd"
        }
    }

    init(magic bytes: [UInt8]) {
        if bytes.starts(with: [0x1F, 0x8B]) {
            self = .gzip
        } else if bytes.starts(with: Array("BZh".utf8)) {
            self = .bzip2
        } else if bytes.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            self = .xz
        } else if bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
            self = .zstd
        } else {
            self = .none
        }
    }

    init(ofFile path: String, display: String) throws(FetchError) {
        self.init(magic: try ArchiveFile.prefix(path, count: 6, display: display))
    }
}

/// The tar adapter: the image store's reader calls it, it calls the writer. A refusal of the
/// writer is kept (the reader only passes an `ImageStoreError` on).
private final class TarEntries: TarEntrySink {
    let writer: ArchiveWriter
    private(set) var failure: FetchError?

    init(_ writer: ArchiveWriter) { self.writer = writer }

    func begin(_ entry: TarEntry) throws(ImageStoreError) {
        let kind: ArchiveEntry.Kind
        switch entry.kind {
        case .regular: kind = .file
        case .directory: kind = .directory
        case .symlink: kind = .symlink(target: entry.linkName)
        case .hardLink: kind = .hardLink(target: entry.linkName)
        case .characterDevice: kind = .other("character device")
        case .blockDevice: kind = .other("block device")
        case .fifo: kind = .other("FIFO")
        }
        try forward { () throws(FetchError) in
            try writer.begin(ArchiveEntry(name: entry.path, kind: kind, size: kind == .file ? entry.size : 0, mode: entry.mode,
                                          modificationSeconds: entry.modificationSeconds,
                                          modificationNanoseconds: entry.modificationNanoseconds))
        }
    }

    func data(_ bytes: UnsafeRawBufferPointer) throws(ImageStoreError) {
        try forward { () throws(FetchError) in try writer.write(bytes) }
    }

    func end() throws(ImageStoreError) {
        try forward { () throws(FetchError) in try writer.end() }
    }

    private func forward(_ body: () throws(FetchError) -> Void) throws(ImageStoreError) {
        do {
            try body()
        } catch {
            failure = error
            throw ImageStoreError(.policy, error.message)
        }
    }
}
