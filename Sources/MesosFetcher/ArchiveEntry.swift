/// One entry of an archive, as its reader found it, before it is judged and written.
struct ArchiveEntry: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
        case hardLink(target: String)
        /// Anything else (a device, a FIFO, a zip symlink), named for the refusal message.
        case other(String)
    }

    /// The name as stored.
    var name: String
    var kind: Kind
    /// The content length a file declares (0 for other kinds; nil when unknown, as for the
    /// file inside a lone `.gz`).
    var size: Int64?
    /// Permission bits as stored (nil: the archive has none, as a zip made on Windows).
    var mode: UInt32? = nil
    /// The modification time, when the archive has one.
    var modificationSeconds: Int64? = nil
    var modificationNanoseconds: Int64 = 0
}
