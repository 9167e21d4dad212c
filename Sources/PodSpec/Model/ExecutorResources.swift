/// The resources reserved for the pod's executor (`executorResources`).
public struct ExecutorResources: Sendable, Hashable, Codable {
    /// CPU shares (minimum and default 0.1).
    public var cpus: Double
    /// Memory in MiB (minimum and default 32).
    public var mem: Double
    /// Disk in MiB (minimum and default 10).
    public var disk: Double

    /// The defaults, applied when `executorResources` is absent.
    public static let `default` = ExecutorResources()

    /// Executor resources; omitted fields take Marathon's defaults.
    public init(cpus: Double = 0.1, mem: Double = 32, disk: Double = 10) {
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
    }
}
