/// The archive formats the Mesos fetcher extracts, recognised by file name as Mesos does.
enum ArchiveKind: Sendable, Equatable {
    case tar
    case zip
    /// A single gzip-compressed file (`x.gz` → `x`).
    case gzip

    /// The kind for a file name, or nil when it is not an archive.
    init?(fileName: String) {
        let name = fileName.lowercased()
        let tarSuffixes = [".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz"]
        if tarSuffixes.contains(where: { name.hasSuffix($0) }) {
            self = .tar
        } else if name.hasSuffix(".zip") {
            self = .zip
        } else if name.hasSuffix(".gz"), name.count > 3 {
            self = .gzip
        } else {
            return nil
        }
    }
}
