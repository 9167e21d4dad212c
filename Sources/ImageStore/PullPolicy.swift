/// Whether a pull may reuse what the store already has.
public enum PullPolicy: Sendable, Equatable {
    /// Mesos `cached = true`: use the stored image if present (private images are re-authorised
    /// against the caller's credentials first).
    case ifNotPresent
    /// Mesos `cached = false` / Marathon `forcePull`: re-resolve the manifest; blobs and layers
    /// already present are still skipped.
    case always
}
