/// One member of a tar stream after PAX and GNU long-name records have been folded in.
struct TarEntry: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case regular, hardLink, symlink, characterDevice, blockDevice, directory, fifo
    }

    var kind: Kind
    /// The name as stored (not yet normalised), decoded as UTF-8.
    var path: String
    /// Link target for symlinks and hard links.
    var linkName: String
    /// Permission bits including setuid/setgid/sticky (`mode & 0o7777`).
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    /// Content length; non-zero only for regular files.
    var size: Int64
    var modificationSeconds: Int64
    var modificationNanoseconds: Int64
    var deviceMajor: UInt32
    var deviceMinor: UInt32
    /// `SCHILY.xattr.*` records, in archive order.
    var extendedAttributes: [ExtendedAttribute]

    struct ExtendedAttribute: Sendable, Equatable {
        var name: String
        var value: [UInt8]
    }
}

/// Limits that keep the tar reader bounded on hostile input.
struct TarLimits: Sendable {
    /// Largest single PAX extended header.
    var maxPaxHeaderBytes = 1 << 20
    /// Largest GNU long name / long link record.
    var maxLongNameBytes = 8192
    /// Largest regular file.
    var maxEntrySize: Int64 = 1 << 40
    /// Most entries in one layer.
    var maxEntries = 2_000_000
    /// Most extended attributes on one entry, and their total size.
    var maxExtendedAttributes = 128
    var maxExtendedAttributeBytes = 1 << 20
}
