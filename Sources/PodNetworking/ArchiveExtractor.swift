import PodSystem

/// Extracts an archive into an empty directory with the system's `tar`, `unzip` and
/// `gzip`, after checking its listing with ``ArchivePolicy``. The result is checked again
/// by ``SandboxTree`` before it is moved into a sandbox.
struct ArchiveExtractor: Sendable {
    let tarPath: String
    let unzipPath: String
    let shellPath: String
    let gzipPath: String
    let hostPath: String
    let maxEntries: Int
    let maxBytes: Int64
    let timeout: Duration

    /// Extracts `archive` (of `kind`, named `display` in messages) into `directory`.
    /// For a single `.gz` file the output is `directory/<name without .gz>`.
    func extract(_ archive: String, kind: ArchiveKind, outputName: String, into directory: String,
                 display: String) async throws(PodNetworkingError) {
        switch kind {
        case .tar:
            let listing = try await run(tarPath, ["tar", "--list", "--verbose", "--numeric-owner", "--quoting-style=c",
                                                  "--absolute-names", "-f", archive],
                                        display: display, step: "list", outputLimit: max(1 << 20, maxEntries * 512))
            try ArchivePolicy.check(try TarListing.parse(listing), archive: display, maxEntries: maxEntries, maxBytes: maxBytes)
            _ = try await run(tarPath, ["tar", "--extract", "--no-same-owner", "--no-same-permissions",
                                        "--delay-directory-restore", "-C", directory, "-f", archive],
                              display: display, step: "extract")
        case .zip:
            try ArchivePolicy.check(try ZipDirectory.entries(of: archive, display: display), archive: display,
                                    maxEntries: maxEntries, maxBytes: maxBytes)
            _ = try await run(unzipPath, ["unzip", "-o", "-q", "-d", directory, archive], display: display, step: "extract")
        case .gzip:
            let name = String(outputName.dropLast(3))
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw PodNetworkingError(.unsafeArchive, "\(display) has no usable name to decompress to")
            }
            let blocks = (maxBytes + 511) / 512 + 1
            let script = "ulimit -f \"$1\" || exit 97; exec \"$2\" -d -c -- \"$3\" > \"$4\""
            _ = try await run(shellPath, ["sh", "-c", script, "sh", "\(blocks)", gzipPath, archive, directory + "/" + name],
                              display: display, step: "decompress")
        }
    }

    private func run(_ path: String, _ arguments: [String], display: String, step: String,
                     outputLimit: Int = 1 << 20) async throws(PodNetworkingError) -> String {
        let output: Subprocess.Output
        do {
            output = try await Subprocess.run(path, arguments: arguments, environment: ["PATH=\(hostPath)", "LC_ALL=C"],
                                              outputLimit: outputLimit, timeout: timeout)
        } catch {
            throw PodNetworkingError(.fetchFailed, "cannot \(step) \(display): \(error)", cause: error)
        }
        if output.termination == .signaled(25) {  // SIGXFSZ: the decompressed file hit the limit.
            throw PodNetworkingError(.sizeLimitExceeded, "\(display) expands to more than the limit of \(maxBytes) bytes")
        }
        guard output.succeeded else {
            var detail = output.stderrText.trimmingWhitespaceAndNewlines()
            if detail.count > 1000 { detail = String(detail.prefix(1000)) + "…" }
            throw PodNetworkingError(.fetchFailed, "cannot \(step) \(display): \(arguments[0]) \(output.termination)"
                                     + (detail.isEmpty ? "" : ": \(detail)"))
        }
        if output.standardOutput.count >= outputLimit {
            throw PodNetworkingError(.sizeLimitExceeded, "\(display) has more than \(maxEntries) entries")
        }
        return output.stdoutText
    }
}
