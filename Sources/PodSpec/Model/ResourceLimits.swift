/// Burst limits above a container's request (`containers[].resourceLimits`, Marathon 1.10).
public struct ResourceLimits: Sendable, Hashable, Codable {
    /// One limit: a number or `"unlimited"`.
    public enum Limit: Sendable, Hashable, Codable {
        /// No limit (Mesos: +infinity).
        case unlimited
        /// A finite limit.
        case value(Double)

        /// The value Mesos receives.
        public var mesosValue: Double {
            switch self {
            case .unlimited: .infinity
            case .value(let value): value
            }
        }
    }

    /// CPU limit.
    public var cpus: Limit?
    /// Memory limit in MiB.
    public var mem: Limit?

    /// Resource limits.
    public init(cpus: Limit? = nil, mem: Limit? = nil) {
        self.cpus = cpus
        self.mem = mem
    }
}
