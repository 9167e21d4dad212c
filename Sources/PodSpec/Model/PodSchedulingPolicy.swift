/// How instances are placed, replaced and restarted (`scheduling`).
public struct PodSchedulingPolicy: Sendable, Hashable, Codable {
    /// Launch backoff after failures.
    public struct Backoff: Sendable, Hashable, Codable {
        /// Initial delay in seconds (default 1).
        public var backoff: Double
        /// Growth factor (default 1.15).
        public var backoffFactor: Double
        /// Largest delay in seconds (default 300).
        public var maxLaunchDelay: Double

        /// Backoff settings.
        public init(backoff: Double = 1, backoffFactor: Double = 1.15, maxLaunchDelay: Double = 300) {
            self.backoff = backoff
            self.backoffFactor = backoffFactor
            self.maxLaunchDelay = maxLaunchDelay
        }
    }

    /// Rolling-restart bounds.
    public struct Upgrade: Sendable, Hashable, Codable {
        /// Fraction of instances that must stay healthy (default 1).
        public var minimumHealthCapacity: Double
        /// Fraction of extra instances allowed (default 1).
        public var maximumOverCapacity: Double

        /// The defaults for non-resident pods.
        public static let `default` = Upgrade()
        /// The defaults for resident pods.
        public static let resident = Upgrade(minimumHealthCapacity: 0.5, maximumOverCapacity: 0)

        /// Upgrade settings.
        public init(minimumHealthCapacity: Double = 1, maximumOverCapacity: Double = 1) {
            self.minimumHealthCapacity = minimumHealthCapacity
            self.maximumOverCapacity = maximumOverCapacity
        }
    }

    /// Where instances may go.
    public struct Placement: Sendable, Hashable, Codable {
        /// Constraints (a set: duplicates are dropped, first occurrence kept).
        public var constraints: [PlacementConstraint]
        /// Roles whose resources may be used (empty: any).
        public var acceptedResourceRoles: [String]

        /// Placement settings.
        public init(constraints: [PlacementConstraint] = [], acceptedResourceRoles: [String] = []) {
            self.constraints = constraints
            self.acceptedResourceRoles = acceptedResourceRoles
        }
    }

    /// Which instances go first when scaling down.
    public enum KillSelection: String, Sendable, Hashable, Codable, CaseIterable {
        /// The most recently started first (default).
        case youngestFirst = "YOUNGEST_FIRST"
        /// The oldest first.
        case oldestFirst = "OLDEST_FIRST"
    }

    /// Backoff.
    public var backoff: Backoff
    /// Upgrade.
    public var upgrade: Upgrade
    /// Placement.
    public var placement: Placement
    /// Kill selection.
    public var killSelection: KillSelection
    /// Unreachable strategy.
    public var unreachableStrategy: UnreachableStrategy

    /// A scheduling policy with Marathon's (non-resident) defaults.
    public init(backoff: Backoff = Backoff(), upgrade: Upgrade = .default, placement: Placement = Placement(),
                killSelection: KillSelection = .youngestFirst, unreachableStrategy: UnreachableStrategy = .default) {
        self.backoff = backoff
        self.upgrade = upgrade
        self.placement = placement
        self.killSelection = killSelection
        self.unreachableStrategy = unreachableStrategy
    }
}
