import PodSystem

/// The single streaming pass over one layer blob (image-pull.md §4.5): every received byte is
/// counted against the descriptor size and hashed (compressed digest), optionally written to
/// the blob file, inflated, counted against the caps and hashed again (diff_id), and fed to the
/// tar reader that unpacks into the layer's directory. Nothing is trusted until ``finish()``
/// has compared both digests.
///
/// Used by one task at a time, strictly sequentially (it is driven chunk by chunk from the
/// download loop), which is why it is a plain class.
final class LayerIngest {
    private let descriptor: ContentDescriptor
    private let expectedDiffID: Digest
    private let compression: MediaType.Compression
    private let unpacker: LayerUnpacker
    private let blobFile: RootedDirectory.File?
    private let layerLimit: Int64
    private let imageBudget: ByteBudget
    private let context: String
    private var compressedHasher = DigestHasher()
    private var uncompressedHasher = DigestHasher()
    private var tar: TarReader
    private var inflater: GzipInflater?
    private var prefix: [UInt8] = []
    private var magicChecked = false

    init(descriptor: ContentDescriptor, diffID: Digest, compression: MediaType.Compression, unpacker: LayerUnpacker,
         blobFile: RootedDirectory.File?, layerLimit: Int64, imageBudget: ByteBudget, tarLimits: TarLimits,
         context: String) throws(ImageStoreError)
    {
        self.descriptor = descriptor
        self.expectedDiffID = diffID
        self.compression = compression
        self.unpacker = unpacker
        self.blobFile = blobFile
        self.layerLimit = layerLimit
        self.imageBudget = imageBudget
        self.context = context
        self.tar = TarReader(limits: tarLimits)
        switch compression {
        case .gzip: inflater = try GzipInflater()
        case .none: inflater = nil
        case .zstd:
            throw ImageStoreError(.unsupportedMediaType, "\(context): zstd-compressed layers are not supported yet")
        }
    }

    /// Bytes received so far.
    var receivedBytes: Int64 { compressedHasher.count }

    func consume(_ bytes: UnsafeRawBufferPointer) throws(ImageStoreError) {
        guard !bytes.isEmpty else { return }
        guard compressedHasher.count + Int64(bytes.count) <= descriptor.size else {
            throw ImageStoreError(.sizeLimit, "\(context): blob is larger than its descriptor size \(descriptor.size)")
        }
        compressedHasher.update(bytes)
        if let blobFile {
            do { try blobFile.write(bytes) } catch {
                throw ImageStoreError(.storage, "\(context): writing blob failed", underlying: error)
            }
        }
        if !magicChecked {
            prefix.append(contentsOf: bytes.prefix(4 - prefix.count))
            if prefix.count >= 2 || compressedHasher.count == descriptor.size {
                try checkMagic()
                magicChecked = true
            }
        }
        if let inflater {
            try inflater.inflate(bytes) { (chunk) throws(ImageStoreError) in try self.uncompressed(chunk) }
        } else {
            try uncompressed(bytes)
        }
    }

    private func checkMagic() throws(ImageStoreError) {
        let gzip = prefix.starts(with: [0x1f, 0x8b])
        let zstd = prefix.starts(with: [0x28, 0xb5, 0x2f, 0xfd])
        switch compression {
        case .gzip where !gzip, .none where gzip || zstd:
            throw ImageStoreError(.unsupportedMediaType,
                                  "\(context): layer content does not match its media type \(descriptor.mediaType)")
        default:
            break
        }
    }

    private func uncompressed(_ chunk: UnsafeRawBufferPointer) throws(ImageStoreError) {
        uncompressedHasher.update(chunk)
        guard uncompressedHasher.count <= layerLimit else {
            throw ImageStoreError(.sizeLimit, "\(context): layer inflates beyond the per-layer limit of \(layerLimit) bytes")
        }
        guard imageBudget.take(Int64(chunk.count)) else {
            throw ImageStoreError(.sizeLimit, "\(context): image inflates beyond the per-image limit")
        }
        try tar.feed(chunk, into: unpacker)
    }

    /// Verifies size, compressed digest, stream ends and diff_id; applies deferred metadata.
    func finish() throws(ImageStoreError) -> (uncompressedSize: Int64, skippedDevices: Int) {
        guard compressedHasher.count == descriptor.size else {
            throw ImageStoreError(.sizeLimit, "\(context): received \(compressedHasher.count) bytes, descriptor says \(descriptor.size)")
        }
        let compressedDigest = compressedHasher.finalize()
        guard compressedDigest == descriptor.digest else {
            throw ImageStoreError(.digestMismatch,
                                  "\(context): digest mismatch: expected \(descriptor.digest), got \(compressedDigest)")
        }
        try inflater?.finish()
        try tar.finish()
        let diffID = uncompressedHasher.finalize()
        guard diffID == expectedDiffID else {
            throw ImageStoreError(.digestMismatch,
                                  "\(context): diff_id mismatch: config says \(expectedDiffID), layer content is \(diffID)")
        }
        try unpacker.finishLayer()
        return (uncompressedHasher.count, unpacker.skippedDevices)
    }
}
