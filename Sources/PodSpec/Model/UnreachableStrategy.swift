/// What happens to instances on unreachable agents (`scheduling.unreachableStrategy`).
public enum UnreachableStrategy: Sendable, Hashable, Codable {
    /// Never replace them (the default for resident pods).
    case disabled
    /// Replace after `inactiveAfterSeconds`, expunge after `expungeAfterSeconds`.
    case enabled(inactiveAfterSeconds: Int64, expungeAfterSeconds: Int64)

    /// The default for non-resident pods: replace at once.
    public static let `default` = UnreachableStrategy.enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0)
}
