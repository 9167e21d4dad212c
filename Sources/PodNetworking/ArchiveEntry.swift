/// One entry of an archive as listed before extraction.
struct ArchiveEntry: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
        case hardLink(target: String)
        case other(String)
    }

    var name: String
    var kind: Kind
    var size: Int64
}
