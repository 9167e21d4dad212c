/// What a prune removed (or would remove, in a dry run).
public struct PruneReport: Sendable, Equatable {
    /// References whose image records were removed.
    public var removedImages: [String] = []
    /// diff_ids of removed layer directories.
    public var removedLayers: [Digest] = []
    /// Removed blobs (manifests, configs, kept layer blobs).
    public var removedBlobs: [Digest] = []
    /// Leftovers removed from `tmp/`.
    public var removedTemporaryEntries = 0
    /// True if nothing was actually removed.
    public var dryRun: Bool
}
