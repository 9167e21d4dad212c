import PodSystem

/// Writes the entries of one archive below an empty directory, each after ``ArchivePolicy``
/// admitted it, and only through `RootedDirectory`: the one path by which a fetched archive
/// (tar, zip or a lone `.gz`) reaches the disk.
///
/// - Names are relative without `..` (the policy), `.` and empty components are dropped.
/// - Parents are walked without following symlinks: an entry below a symlink of the archive
///   is refused, never written through (GNU tar would follow it).
/// - A hard link must name an entry this archive wrote before (not a directory).
/// - Nothing but files, directories and contained symlinks is made.
/// - Ownership is the fetcher's (root) and permissions are the archive's less group and
///   other write and setuid/setgid, as `tar --no-same-owner --no-same-permissions` with a
///   umask of 022 extracts; modification times are kept, directories' last (deepest first).
///
/// The tree is walked once more by ``SandboxTree`` before it joins the sandbox.
final class ArchiveWriter {
    private let root: RootedDirectory
    private(set) var policy: ArchivePolicy
    private var written: Set<String> = []
    private var directoryTimes: [String: (seconds: Int64, nanoseconds: Int64)] = [:]
    private var file: RootedDirectory.File?
    private var current: (path: String, entry: ArchiveEntry, written: Int64)?

    init(root: RootedDirectory, policy: ArchivePolicy) {
        self.root = root
        self.policy = policy
    }

    /// Starts an entry; for a file, ``write(_:)`` calls with its content and ``end()`` follow.
    func begin(_ entry: ArchiveEntry) throws(FetchError) {
        try policy.admit(entry)
        let path = ArchivePolicy.components(entry.name).filter { $0 != "." }.joined(separator: "/")
        if path.isEmpty {
            guard entry.kind == .directory else { throw refuse(entry.name, "names the archive's root") }
            return
        }
        do {
            switch entry.kind {
            case .directory:
                try root.makeDirectory(path, permissions: Self.permissions(entry.mode, default: 0o755))
                if let seconds = entry.modificationSeconds { directoryTimes[path] = (seconds, entry.modificationNanoseconds) }
            case .file:
                directoryTimes.removeValue(forKey: path)
                file = try root.createFile(path)
                current = (path, entry, 0)
            case .symlink(let target):
                directoryTimes.removeValue(forKey: path)
                try root.makeSymlink(path, target: target)
                try setTimes(path, entry)
            case .hardLink(let target):
                let existing = ArchivePolicy.components(target).filter { $0 != "." }.joined(separator: "/")
                guard written.contains(existing) else { throw refuse(entry.name, "is a hard link to '\(target)', which is not an earlier entry") }
                directoryTimes.removeValue(forKey: path)
                try root.makeHardLink(path, to: existing)
            case .other(let type):
                throw refuse(entry.name, "is a \(type), which is not allowed in a sandbox")
            }
        } catch let error as FetchError {
            throw error
        } catch {
            throw translate(error, name: entry.name)
        }
        written.insert(path)
    }

    /// Content of the current file.
    func write(_ bytes: UnsafeRawBufferPointer) throws(FetchError) {
        guard let file, var current else { return }
        current.written += Int64(bytes.count)
        self.current = current
        if let declared = current.entry.size, current.written > declared {
            throw FetchError(.unsafeArchive, "\(policy.archive) was refused: entry '\(current.entry.name)' holds more than the \(declared) bytes it declares")
        }
        try policy.count(bytes.count)
        do {
            try file.write(bytes)
        } catch {
            throw translate(error, name: current.entry.name)
        }
    }

    /// Ends the current file: its permissions and time.
    func end() throws(FetchError) {
        guard let file, let current else { return }
        self.file = nil
        self.current = nil
        do throws(FileSystemError) {
            try file.setPermissions(Self.permissions(current.entry.mode, default: 0o644))
            if let seconds = current.entry.modificationSeconds {
                try file.setTimes(accessSeconds: seconds, accessNanoseconds: current.entry.modificationNanoseconds,
                                  modificationSeconds: seconds, modificationNanoseconds: current.entry.modificationNanoseconds)
            }
            try file.close()
        } catch {
            throw translate(error, name: current.entry.name)
        }
        written.insert(current.path)
    }

    /// Sets the directories' times, deepest first, once nothing more is written into them.
    func finish() throws(FetchError) {
        for (path, time) in directoryTimes.sorted(by: { $0.key.count > $1.key.count }) {
            do {
                guard try root.status(path)?.kind == .directory else { continue }
                try root.setTimes(path, accessSeconds: time.seconds, accessNanoseconds: time.nanoseconds,
                                  modificationSeconds: time.seconds, modificationNanoseconds: time.nanoseconds)
            } catch {
                throw translate(error, name: path)
            }
        }
    }

    /// The archive's permission bits less group/other write and setuid/setgid.
    static func permissions(_ mode: UInt32?, default fallback: UInt32) -> UInt32 {
        guard let mode, mode & 0o777 != 0 else { return fallback }
        return mode & 0o1777 & ~0o022
    }

    private func setTimes(_ path: String, _ entry: ArchiveEntry) throws(FileSystemError) {
        guard let seconds = entry.modificationSeconds else { return }
        try root.setTimes(path, accessSeconds: seconds, accessNanoseconds: entry.modificationNanoseconds,
                          modificationSeconds: seconds, modificationNanoseconds: entry.modificationNanoseconds)
    }

    private func refuse(_ name: String, _ reason: String) -> FetchError {
        FetchError(.unsafeArchive, "\(policy.archive) was refused: entry '\(name)' \(reason)")
    }

    private func translate(_ error: any Error, name: String) -> FetchError {
        if let error = error as? FileSystemError {
            if error.crossesSymlinkOrNonDirectory {
                return refuse(name, "would be written through a symlink or below a file")
            }
            if error.syscall == "linkat", error.isPermissionDenied {
                return refuse(name, "is a hard link to a directory")
            }
        }
        return FetchError(.fetchFailed, "cannot extract \(policy.archive): '\(name)': \(error)", cause: error)
    }
}
