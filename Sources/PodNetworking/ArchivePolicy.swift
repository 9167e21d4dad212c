/// Checks archive entries before anything is written: no absolute names, no `..`, no
/// links leading outside, no devices or FIFOs, and limits on count and total size.
enum ArchivePolicy {
    static func check(_ entries: [ArchiveEntry], archive: String, maxEntries: Int, maxBytes: Int64) throws(PodNetworkingError) {
        guard entries.count <= maxEntries else {
            throw PodNetworkingError(.sizeLimitExceeded, "\(archive) has more than \(maxEntries) entries")
        }
        var total: Int64 = 0
        for entry in entries {
            func refuse(_ reason: String) -> PodNetworkingError {
                PodNetworkingError(.unsafeArchive, "\(archive) was refused: entry '\(entry.name)' \(reason)")
            }
            guard !entry.name.isEmpty else { throw refuse("has an empty name") }
            guard !entry.name.hasPrefix("/") else { throw refuse("has an absolute path") }
            guard !components(entry.name).contains("..") else { throw refuse("contains '..'") }
            switch entry.kind {
            case .file, .directory:
                break
            case .symlink(let target):
                guard isContained(link: entry.name, target: target) else {
                    throw refuse("is a symlink to '\(target)', outside the archive")
                }
            case .hardLink(let target):
                guard !target.hasPrefix("/"), !components(target).contains("..") else {
                    throw refuse("is a hard link to '\(target)', outside the archive")
                }
            case .other(let type):
                throw refuse("is a \(type), which is not allowed in a sandbox")
            }
            total += max(0, entry.size)
            guard total <= maxBytes else {
                throw PodNetworkingError(.sizeLimitExceeded, "\(archive) expands to more than the limit of \(maxBytes) bytes")
            }
        }
    }

    /// Path components, splitting on `/` and also `\` (which some unzip versions treat as one).
    static func components(_ path: String) -> [Substring] {
        path.split(whereSeparator: { $0 == "/" || $0 == "\\" })
    }

    /// Whether a relative symlink at `link` pointing to `target` stays inside the root when
    /// resolved lexically from the link's directory.
    static func isContained(link: String, target: String) -> Bool {
        guard !target.isEmpty, !target.hasPrefix("/") else { return false }
        var depth = max(0, components(link).filter { $0 != "." }.count - 1)
        for component in components(target) {
            if component == "." { continue }
            if component == ".." {
                depth -= 1
                if depth < 0 { return false }
            } else {
                depth += 1
            }
        }
        return true
    }
}
