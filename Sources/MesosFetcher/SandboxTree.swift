import PodSystem

/// Operations on a freshly extracted tree before and while it joins a sandbox, all through
/// `RootedDirectory` (no path is followed through a symlink):
/// - ``verify(_:_:owner:)`` walks it once more: links must stay inside, no special files,
///   setuid/setgid bits are cleared (files are owned by root), ownership is handed to the
///   task's user when one is given;
/// - ``merge(_:from:into:)`` moves it into the sandbox, directories merged, files replaced.
enum SandboxTree {
    static func verify(_ root: RootedDirectory, _ relative: String = "", display: String,
                       owner: Fetcher.Owner?, depth: Int = 0) throws(FetchError) {
        guard depth < 128 else {
            throw FetchError(.unsafeArchive, "\(display) nests directories deeper than 128 levels")
        }
        let names: [String]
        do {
            names = try root.entries(relative)
        } catch {
            throw FetchError(.fetchFailed, "cannot read what \(display) extracted: \(error)", cause: error)
        }
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            let status: RootedDirectory.Status?
            var linkTarget: String?
            do {
                status = try root.status(path)
                if status?.kind == .symlink { linkTarget = try root.readSymlink(path) }
            } catch {
                throw FetchError(.fetchFailed, "cannot inspect what \(display) extracted ('\(path)'): \(error)", cause: error)
            }
            guard let status else { continue }
            switch status.kind {
            case .directory, .regular:
                break
            case .symlink:
                let target = linkTarget ?? ""
                guard ArchivePolicy.isContained(link: path, target: target) else {
                    throw FetchError(.unsafeArchive,
                                             "\(display) was refused: '\(path)' is a symlink to '\(target)', outside the archive")
                }
            default:
                throw FetchError(.unsafeArchive,
                                         "\(display) was refused: '\(path)' is not a regular file, directory or symlink")
            }
            do {
                if status.kind != .symlink, status.permissions & 0o6000 != 0 {
                    try root.setPermissions(path, status.permissions & 0o1777)
                }
                if let owner { try root.setOwner(path, uid: owner.uid, gid: owner.gid) }
            } catch {
                throw FetchError(.fetchFailed, "cannot prepare what \(display) extracted ('\(path)'): \(error)", cause: error)
            }
            if status.kind == .directory {
                try verify(root, path, display: display, owner: owner, depth: depth + 1)
            }
        }
    }

    /// Moves every entry of `source` (a directory below `sandbox`) to the same place below
    /// `destination` (also below `sandbox`): existing directories are merged, anything
    /// else is replaced, as `tar -x` over the sandbox would.
    static func merge(_ sandbox: RootedDirectory, from source: String, into destination: String = "",
                      display: String) throws(FetchError) {
        do {
            try mergeEntries(sandbox, from: source, into: destination)
        } catch {
            throw FetchError(.fetchFailed, "cannot move what \(display) extracted into the sandbox: \(error)", cause: error)
        }
    }

    private static func mergeEntries(_ sandbox: RootedDirectory, from source: String, into destination: String)
        throws(FileSystemError) {
        for name in try sandbox.entries(source) {
            let from = source + "/" + name
            let to = destination.isEmpty ? name : destination + "/" + name
            let incoming = try sandbox.status(from)
            let existing = try sandbox.status(to)
            if incoming?.kind == .directory, existing?.kind == .directory {
                try mergeEntries(sandbox, from: from, into: to)
                continue
            }
            if existing != nil { try sandbox.removeTree(to) }
            try sandbox.rename(from, to: to)
        }
    }
}
