import PodSystem
#if canImport(Glibc)
import Glibc
#endif

extension Fetcher {
    /// One fetch in progress: the sandbox, its private staging directory and the destination.
    struct Job: Sendable {
        let fetcher: Fetcher
        let root: RootedDirectory
        let sandbox: String
        /// The staging directory's name in the sandbox (mode 0700, removed afterwards).
        let staging: String
        let display: String
        let destination: (path: String, components: [String])
        let owner: Owner?

        var stagingPath: String { sandbox + "/" + staging }

        /// Moves `staging/download` to the destination with its final mode and owner.
        /// Returns the placed file's path.
        func place(executable: Bool) throws(FetchError) -> String {
            let from = staging + "/download"
            var created: [String] = []
            do {
                for count in 1..<max(1, destination.components.count) {
                    let parent = destination.components.prefix(count).joined(separator: "/")
                    if try root.status(parent) == nil { created.append(parent) }
                }
                if try root.status(destination.path)?.kind == .directory {
                    throw FetchError(.fetchFailed, "failed to fetch '\(display)': '\(destination.path)' is a directory in the sandbox")
                }
                try root.setPermissions(from, executable ? 0o755 : 0o644)
                if let owner { try root.setOwner(from, uid: owner.uid, gid: owner.gid) }
                try root.rename(from, to: destination.path)
                if let owner {
                    for parent in created { try root.setOwner(parent, uid: owner.uid, gid: owner.gid) }
                }
            } catch let error as FetchError {
                throw error
            } catch {
                throw FetchError(.fetchFailed,
                                         "failed to fetch '\(display)': cannot place it at '\(destination.path)' in the sandbox: \(error)",
                                         cause: error)
            }
            return sandbox + "/" + destination.path
        }

        /// Extracts `archive` into the staging directory, checks the result and merges it into
        /// the sandbox. With `keepArchive` the archive itself is placed at the destination first
        /// (Mesos downloads into the sandbox and extracts next to it).
        func extract(_ archive: String, kind: ArchiveKind, keepArchive: Bool = false) async throws(FetchError) {
            let tree = staging + "/root"
            let extracted: RootedDirectory
            do {
                try root.makeDirectory(tree, permissions: 0o700, createParents: false, replaceExisting: false)
                extracted = try root.openDirectory(tree)
            } catch {
                throw FetchError(.fetchFailed, "failed to fetch '\(display)': cannot prepare the sandbox: \(error)", cause: error)
            }
            do throws(FetchError) {
                let extractor = ArchiveExtractor(fetcher: fetcher, display: "archive '\(display)'")
                try await extractor.extract(archive, kind: kind, outputName: destination.components.last ?? "", into: extracted,
                                            scratch: stagingPath + "/decompressed")
                try SandboxTree.verify(extracted, display: "archive '\(display)'", owner: owner)
                if keepArchive { _ = try place(executable: false) }
                try SandboxTree.merge(root, from: tree, display: "archive '\(display)'")
            } catch {
                var failed = error
                if !failed.message.contains(display) { failed.message = "failed to fetch '\(display)': " + failed.message }
                throw failed
            }
        }
    }

    /// Copies a local file (a regular file no larger than the download limit, readable by
    /// `owner` when one is given) to the new file `destination`.
    func copyLocal(_ source: String, to destination: String, display: String, owner: Owner?) throws(FetchError) {
        func fail(_ reason: String, _ code: FetchError.Code = .fetchFailed) -> FetchError {
            FetchError(code, "failed to fetch '\(display)': \(reason)")
        }
        let input = open(source, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard input >= 0 else { throw fail(SystemError.last("open", source).description) }
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0 else { throw fail(SystemError.last("fstat", source).description) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw fail("it is not a regular file") }
        guard Int64(st.st_size) <= configuration.maxDownloadBytes else {
            throw fail("larger than the limit of \(configuration.maxDownloadBytes) bytes", .sizeLimitExceeded)
        }
        if let owner, owner.uid != 0 {
            // Mesos fetches as the task user; as root we check the file's mode for that user.
            let mode = UInt32(st.st_mode)
            let readable = (st.st_uid == owner.uid && mode & 0o400 != 0) || (st.st_gid == owner.gid && mode & 0o040 != 0)
                || mode & 0o004 != 0
            guard readable else { throw fail("the task user \(owner.uid) may not read it") }
        }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw fail(SystemError.last("open", destination).description) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail(SystemError.last("read", source).description)
            }
            if count == 0 { break }
            total += Int64(count)
            guard total <= configuration.maxDownloadBytes else {
                throw fail("larger than the limit of \(configuration.maxDownloadBytes) bytes", .sizeLimitExceeded)
            }
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw fail(SystemError.last("write", destination).description)
                }
                offset += written
            }
        }
    }
}
