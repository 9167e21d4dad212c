/// One image in the store, for `podctl agent images`.
public struct CachedImage: Sendable, Equatable {
    /// The normalised reference it was pulled as.
    public let reference: String
    /// Digest of the platform manifest.
    public let manifestDigest: Digest
    /// Digest of the config blob.
    public let configDigest: Digest
    /// Layer diff_ids, bottom to top.
    public let diffIDs: [Digest]
    /// Whether the registry required the credentials it was pulled with (then callers are re-checked).
    public let pulledWithCredentials: Bool
    /// Seconds since 1970 of the last pull that resolved the manifest.
    public let pulledAt: Double
    /// Seconds since 1970 of the last pull that returned it.
    public let lastUsed: Double
    /// Holders (containers) retaining the image.
    public let holders: [String]
}
