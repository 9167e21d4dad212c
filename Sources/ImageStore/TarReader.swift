/// Receives the members of a tar stream from ``TarReader``.
public protocol TarEntrySink: AnyObject {
    /// A new member starts; for regular files `data` calls with exactly `entry.size` bytes follow.
    func begin(_ entry: TarEntry) throws(ImageStoreError)
    /// Content of the current regular file.
    func data(_ bytes: UnsafeRawBufferPointer) throws(ImageStoreError)
    /// The current member is complete.
    func end() throws(ImageStoreError)
}

/// A push-based, bounded tar reader for ustar, PAX and GNU archives, written for hostile input:
/// every length is checked before it is trusted, the header checksum is verified, metadata
/// records are capped, and sparse or unknown member types are refused rather than guessed.
///
/// Feed it the uncompressed stream in arbitrary chunks; bytes after the end-of-archive marker
/// are ignored (the caller keeps hashing them for the diff_id).
///
/// Image layers (``LayerUnpacker``) and the Mesos fetcher's archives are read with it: one tar
/// parser to trust with hostile input.
public struct TarReader {
    private enum State {
        /// Collecting a 512-byte header block.
        case header
        /// Streaming `remaining` content bytes of the current member to the sink.
        case content(remaining: Int64, padding: Int)
        /// Collecting a metadata record (PAX or GNU long name) of `size` bytes.
        case metadata(kind: UInt8, size: Int, padding: Int)
        /// Skipping padding after content or metadata.
        case padding(remaining: Int)
        /// After the end-of-archive marker.
        case finished
    }

    /// The limits it holds the stream to.
    public let limits: TarLimits
    private var state: State = .header
    private var block: [UInt8] = []
    private var metadataBuffer: [UInt8] = []
    private var zeroBlocks = 0
    private var pendingPax: [(key: String, value: [UInt8])] = []
    private var pendingLongName: [UInt8]?
    private var pendingLongLink: [UInt8]?
    /// Members seen so far.
    public private(set) var entryCount = 0

    /// A reader at the start of a stream.
    public init(limits: TarLimits) {
        self.limits = limits
        block.reserveCapacity(TarHeader.blockSize)
    }

    /// Whether the end-of-archive marker (two zero blocks) has been seen.
    public var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// Checks the stream ended at a member boundary. A missing second zero block is tolerated
    /// (some writers omit it); a stream cut inside a member is not.
    public func finish() throws(ImageStoreError) {
        switch state {
        case .finished: return
        case .header where block.isEmpty && pendingPax.isEmpty && pendingLongName == nil && pendingLongLink == nil:
            return
        default:
            throw TarHeader.unsafe("tar stream truncated inside a member")
        }
    }

    /// Reads the next chunk of the stream, calling `sink` for the members it completes.
    public mutating func feed(_ input: UnsafeRawBufferPointer, into sink: some TarEntrySink) throws(ImageStoreError) {
        var offset = 0
        while offset < input.count {
            switch state {
            case .finished:
                return
            case .header:
                let take = min(TarHeader.blockSize - block.count, input.count - offset)
                block.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + take)]))
                offset += take
                if block.count == TarHeader.blockSize {
                    let header = block
                    block.removeAll(keepingCapacity: true)
                    var reader = self
                    let outcome = header.withUnsafeBytes { raw in
                        Result { () throws(ImageStoreError) in try reader.handleHeader(raw, sink: sink) }
                    }
                    self = reader
                    try outcome.get()
                }
            case let .content(remaining, padding):
                let take = Int(min(remaining, Int64(input.count - offset)))
                try sink.data(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + take)]))
                offset += take
                if Int64(take) == remaining {
                    try sink.end()
                    state = padding > 0 ? .padding(remaining: padding) : .header
                } else {
                    state = .content(remaining: remaining - Int64(take), padding: padding)
                }
            case let .metadata(kind, size, padding):
                let take = min(size - metadataBuffer.count, input.count - offset)
                metadataBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + take)]))
                offset += take
                if metadataBuffer.count == size {
                    try handleMetadata(kind: kind)
                    metadataBuffer.removeAll(keepingCapacity: false)
                    state = padding > 0 ? .padding(remaining: padding) : .header
                }
            case let .padding(remaining):
                let take = min(remaining, input.count - offset)
                offset += take
                state = take == remaining ? .header : .padding(remaining: remaining - take)
            }
        }
    }

    private static func padding(for size: Int64) -> Int {
        let remainder = Int(size % Int64(TarHeader.blockSize))
        return remainder == 0 ? 0 : TarHeader.blockSize - remainder
    }

    private mutating func handleHeader(_ raw: UnsafeRawBufferPointer, sink: some TarEntrySink) throws(ImageStoreError) {
        if TarHeader.isZeroBlock(raw) {
            zeroBlocks += 1
            if zeroBlocks == 2 { state = .finished }
            return
        }
        if zeroBlocks > 0 {
            throw TarHeader.unsafe("tar stream has a member after an end-of-archive block")
        }
        let header = try TarHeader.parse(raw)
        switch header.typeflag {
        case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
            let cap = header.typeflag == UInt8(ascii: "x") || header.typeflag == UInt8(ascii: "g")
                ? limits.maxPaxHeaderBytes : limits.maxLongNameBytes
            guard header.size <= Int64(cap) else {
                throw TarHeader.unsafe("tar metadata record of \(header.size) bytes exceeds the \(cap)-byte limit")
            }
            let size = Int(header.size)
            if size == 0 {
                metadataBuffer = []
                try handleMetadata(kind: header.typeflag)
                return
            }
            state = .metadata(kind: header.typeflag, size: size, padding: Self.padding(for: header.size))
            return
        default:
            break
        }
        entryCount += 1
        guard entryCount <= limits.maxEntries else {
            throw ImageStoreError(.sizeLimit, "layer has more than \(limits.maxEntries) tar entries")
        }
        let entry = try makeEntry(header)
        try sink.begin(entry)
        // Only regular files carry content. Like Go's archive/tar, every other type is
        // header-only whatever its size field says, so a bogus size cannot desynchronise us.
        if entry.kind == .regular, entry.size > 0 {
            state = .content(remaining: entry.size, padding: Self.padding(for: entry.size))
        } else {
            try sink.end()
        }
    }

    private mutating func handleMetadata(kind: UInt8) throws(ImageStoreError) {
        switch kind {
        case UInt8(ascii: "x"):
            pendingPax.append(contentsOf: try TarHeader.paxRecords(metadataBuffer))
        case UInt8(ascii: "g"):
            // Global headers: validated but not applied (no image writer relies on them, and a
            // global path/size would be a trap).
            _ = try TarHeader.paxRecords(metadataBuffer)
        case UInt8(ascii: "L"):
            pendingLongName = Array(metadataBuffer.prefix { $0 != 0 })
        case UInt8(ascii: "K"):
            pendingLongLink = Array(metadataBuffer.prefix { $0 != 0 })
        default:
            break
        }
    }

    private mutating func makeEntry(_ header: TarHeader.Raw) throws(ImageStoreError) -> TarEntry {
        var nameBytes = pendingLongName ?? header.name
        var linkBytes = pendingLongLink ?? header.linkName
        var size = header.size
        var uid = header.uid, gid = header.gid
        var mtime = (header.mtime, Int64(0))
        var attributes: [TarEntry.ExtendedAttribute] = []
        var attributeBytes = 0
        for (key, value) in pendingPax {
            switch key {
            case "path": nameBytes = value
            case "linkpath": linkBytes = value
            case "size":
                guard let text = String(validating: value, as: UTF8.self), let parsed = Int64(text), parsed >= 0 else {
                    throw TarHeader.unsafe("PAX size is not a non-negative number")
                }
                size = parsed
            case "uid", "gid":
                guard let text = String(validating: value, as: UTF8.self), let parsed = UInt32(text) else {
                    throw TarHeader.unsafe("PAX \(key) is not a 32-bit id")
                }
                if key == "uid" { uid = parsed } else { gid = parsed }
            case "mtime":
                mtime = try TarHeader.paxTime(value)
            case _ where key.hasPrefix("GNU.sparse."):
                throw ImageStoreError(.unsupportedMediaType, "sparse tar members (PAX \(key)) are not supported")
            case _ where key.hasPrefix("SCHILY.xattr."):
                let name = String(key.dropFirst("SCHILY.xattr.".count))
                guard !name.isEmpty, name.utf8.count <= 255 else { throw TarHeader.unsafe("invalid xattr name in PAX header") }
                attributeBytes += value.count
                attributes.append(.init(name: name, value: value))
                guard attributes.count <= limits.maxExtendedAttributes, attributeBytes <= limits.maxExtendedAttributeBytes else {
                    throw ImageStoreError(.sizeLimit, "tar member carries too many or too large extended attributes")
                }
            default:
                break  // uname, gname, atime, ctime, comment, charset, LIBARCHIVE.*: not needed
            }
        }
        pendingPax.removeAll()
        pendingLongName = nil
        pendingLongLink = nil

        let kind: TarEntry.Kind
        switch header.typeflag {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .regular
        case UInt8(ascii: "1"): kind = .hardLink
        case UInt8(ascii: "2"): kind = .symlink
        case UInt8(ascii: "3"): kind = .characterDevice
        case UInt8(ascii: "4"): kind = .blockDevice
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "6"): kind = .fifo
        case UInt8(ascii: "S"):
            throw ImageStoreError(.unsupportedMediaType, "sparse tar members (GNU type 'S') are not supported")
        default:
            let flag = header.typeflag >= 0x20 && header.typeflag < 0x7f
                ? "'\(Character(Unicode.Scalar(header.typeflag)))'" : "\(header.typeflag)"
            throw TarHeader.unsafe("unsupported tar member type \(flag)")
        }
        // A v7 regular file whose name ends in "/" is a directory.
        let effectiveKind = (kind == .regular && header.typeflag == 0 && nameBytes.last == UInt8(ascii: "/"))
            ? .directory : kind
        guard size >= 0, size <= limits.maxEntrySize else {
            throw ImageStoreError(.sizeLimit, "tar member claims \(size) bytes, above the \(limits.maxEntrySize)-byte limit")
        }
        guard let path = String(validating: nameBytes, as: UTF8.self), !nameBytes.contains(0) else {
            throw TarHeader.unsafe("tar member name is not valid UTF-8")
        }
        guard let linkName = String(validating: linkBytes, as: UTF8.self), !linkBytes.contains(0) else {
            throw TarHeader.unsafe("tar link name of '\(path.prefix(200))' is not valid UTF-8")
        }
        return TarEntry(kind: effectiveKind, path: path, linkName: linkName, mode: header.mode, uid: uid, gid: gid,
                        size: effectiveKind == .regular ? size : 0,
                        modificationSeconds: mtime.0, modificationNanoseconds: mtime.1,
                        deviceMajor: header.devMajor, deviceMinor: header.devMinor,
                        extendedAttributes: attributes)
    }
}
