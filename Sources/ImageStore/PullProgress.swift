/// Progress events of one pull, delivered from arbitrary threads.
public enum PullProgress: Sendable, Equatable {
    /// The image was found in the store and no download is needed.
    case cached(manifest: Digest)
    /// The manifest was resolved: this many layers, this many bytes still to download.
    case resolved(manifest: Digest, layers: Int, bytesToDownload: Int64)
    /// A layer is already in the store.
    case layerPresent(diffID: Digest)
    /// Bytes of a layer received so far.
    case layerProgress(digest: Digest, received: Int64, total: Int64)
    /// A layer was verified and committed.
    case layerCommitted(diffID: Digest)
    /// The image is ready.
    case completed(manifest: Digest)
}
