/// One member of a tar stream after PAX and GNU long-name records have been folded in.
public struct TarEntry: Sendable, Equatable {
    /// The member type.
    public enum Kind: Sendable, Equatable {
        case regular, hardLink, symlink, characterDevice, blockDevice, directory, fifo
    }

    /// The member type.
    public var kind: Kind
    /// The name as stored (not yet normalised), decoded as UTF-8.
    public var path: String
    /// Link target for symlinks and hard links.
    public var linkName: String
    /// Permission bits including setuid/setgid/sticky (`mode & 0o7777`).
    public var mode: UInt32
    /// Owner and group ids.
    public var uid: UInt32
    public var gid: UInt32
    /// Content length; non-zero only for regular files.
    public var size: Int64
    /// The modification time.
    public var modificationSeconds: Int64
    public var modificationNanoseconds: Int64
    /// Device numbers of device nodes.
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    /// `SCHILY.xattr.*` records, in archive order.
    public var extendedAttributes: [ExtendedAttribute]

    /// One `SCHILY.xattr.*` record.
    public struct ExtendedAttribute: Sendable, Equatable {
        /// The attribute's name (`user.x`, `security.capability`).
        public var name: String
        /// Its value.
        public var value: [UInt8]
    }
}

/// Limits that keep the tar reader bounded on hostile input.
public struct TarLimits: Sendable {
    /// Largest single PAX extended header.
    public var maxPaxHeaderBytes = 1 << 20
    /// Largest GNU long name / long link record.
    public var maxLongNameBytes = 8192
    /// Largest regular file.
    public var maxEntrySize: Int64 = 1 << 40
    /// Most entries in one layer.
    public var maxEntries = 2_000_000
    /// Most extended attributes on one entry, and their total size.
    public var maxExtendedAttributes = 128
    /// Their total size on one entry.
    public var maxExtendedAttributeBytes = 1 << 20

    /// The defaults, or other caps.
    public init(maxPaxHeaderBytes: Int = 1 << 20, maxLongNameBytes: Int = 8192, maxEntrySize: Int64 = 1 << 40,
                maxEntries: Int = 2_000_000, maxExtendedAttributes: Int = 128, maxExtendedAttributeBytes: Int = 1 << 20) {
        self.maxPaxHeaderBytes = maxPaxHeaderBytes
        self.maxLongNameBytes = maxLongNameBytes
        self.maxEntrySize = maxEntrySize
        self.maxEntries = maxEntries
        self.maxExtendedAttributes = maxExtendedAttributes
        self.maxExtendedAttributeBytes = maxExtendedAttributeBytes
    }
}
