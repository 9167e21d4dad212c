/// Judges archive entries before anything is written: no absolute names, no `..`, no links
/// leading outside, no devices or FIFOs, and limits on count and total size. ``admit(_:)``
/// is called once per entry as the archive is read; ``ArchiveWriter`` calls ``count(_:)``
/// for every content byte it writes, so a size an archive declares cannot be exceeded either.
struct ArchivePolicy: Sendable {
    /// The archive as messages name it (`archive 'https://…/a.tar.gz'`).
    let archive: String
    let maxEntries: Int
    let maxBytes: Int64
    private(set) var entries = 0
    private(set) var declaredBytes: Int64 = 0
    private(set) var writtenBytes: Int64 = 0

    init(archive: String, maxEntries: Int, maxBytes: Int64) {
        self.archive = archive
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    /// Checks a whole listing at once.
    static func check(_ entries: [ArchiveEntry], archive: String, maxEntries: Int, maxBytes: Int64) throws(FetchError) {
        var policy = ArchivePolicy(archive: archive, maxEntries: maxEntries, maxBytes: maxBytes)
        for entry in entries { try policy.admit(entry) }
    }

    /// Admits the next entry, or says why it is refused.
    mutating func admit(_ entry: ArchiveEntry) throws(FetchError) {
        entries += 1
        guard entries <= maxEntries else {
            throw FetchError(.sizeLimitExceeded, "\(archive) has more than \(maxEntries) entries")
        }
        func refuse(_ reason: String) -> FetchError {
            FetchError(.unsafeArchive, "\(archive) was refused: entry '\(entry.name)' \(reason)")
        }
        guard !entry.name.isEmpty else { throw refuse("has an empty name") }
        guard !entry.name.hasPrefix("/") else { throw refuse("has an absolute path") }
        guard !Self.components(entry.name).contains("..") else { throw refuse("contains '..'") }
        switch entry.kind {
        case .file, .directory:
            break
        case .symlink(let target):
            guard Self.isContained(link: entry.name, target: target) else {
                throw refuse("is a symlink to '\(target)', outside the archive")
            }
        case .hardLink(let target):
            guard !target.isEmpty, !target.hasPrefix("/"), !Self.components(target).contains("..") else {
                throw refuse("is a hard link to '\(target)', outside the archive")
            }
        case .other(let type):
            throw refuse("is a \(type), which is not allowed in a sandbox")
        }
        declaredBytes += max(0, entry.size ?? 0)
        guard declaredBytes <= maxBytes else { throw tooLarge }
    }

    /// Counts content bytes as they are written.
    mutating func count(_ bytes: Int) throws(FetchError) {
        writtenBytes += Int64(bytes)
        guard writtenBytes <= maxBytes else { throw tooLarge }
    }

    private var tooLarge: FetchError {
        FetchError(.sizeLimitExceeded, "\(archive) expands to more than the limit of \(maxBytes) bytes")
    }

    /// Path components, splitting on `/` and also `\` (which some unzip versions treat as one).
    static func components(_ path: String) -> [Substring] {
        path.split(whereSeparator: { $0 == "/" || $0 == "\\" })
    }

    /// Whether a relative symlink at `link` pointing to `target` stays inside the root when
    /// resolved lexically from the link's directory. (The writer never writes through a
    /// symlink, so the link's directory is where its name says.)
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
