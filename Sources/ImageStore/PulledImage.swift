/// A pulled image, ready for the runtime.
public struct PulledImage: Sendable, Equatable {
    /// The reference as requested (normalised).
    public let reference: ImageReference
    /// Digest of the platform manifest that was used.
    public let manifestDigest: Digest
    /// Digest of the index/list the manifest was selected from, if any.
    public let indexDigest: Digest?
    /// Digest of the config blob.
    public let configDigest: Digest
    /// The runtime config (Entrypoint, Cmd, Env, WorkingDir, User, ...).
    public let config: ImageConfig
    /// The layers' diff_ids, bottom to top.
    public let diffIDs: [Digest]
    /// Absolute paths of the unpacked, immutable layer trees, bottom → top. For overlayfs use
    /// them reversed as `lowerdir` (top first).
    public let layerDirectories: [String]
    /// True when nothing was downloaded (store hit).
    public let fromCache: Bool
}
