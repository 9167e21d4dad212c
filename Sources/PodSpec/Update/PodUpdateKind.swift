/// What a `PUT /v2/pods/{id}` does to a pod (Marathon 1.10's deployment plan and
/// versioning rules).
public enum PodUpdateKind: Sendable, Equatable {
    /// A new pod: `StartPod` + `ScalePod`, new version.
    case create
    /// Only `scaling.instances` changed: `ScalePod`, new version.
    case scale(from: Int, to: Int)
    /// Spec changes that need new instances: `RestartPod` (rolling), new version.
    case restart
    /// Nothing that counts changed: no deployment steps and the stored version stays.
    /// Changes to `executorResources`, `killSelection`, `unreachableStrategy` or
    /// `legacySharedCgroups` alone land here: they are saved, but the version and the
    /// running instances stay (Marathon's quirk).
    case noChange

    /// Whether the update stores a new version (and appends it to `::versions`).
    public var createsVersion: Bool {
        switch self {
        case .create, .scale, .restart: true
        case .noChange: false
        }
    }

    /// Classifies replacing `old` (the stored pod, if any) by `new`.
    public static func classify(from old: PodDefinition?, to new: PodDefinition) -> PodUpdateKind {
        guard let old else { return .create }
        if old.isUpgrade(to: new) { return .restart }
        if old.instances != new.instances { return .scale(from: old.instances, to: new.instances) }
        return .noChange
    }
}
