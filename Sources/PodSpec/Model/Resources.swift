/// A container's resource request (`containers[].resources`).
public struct Resources: Sendable, Hashable, Codable {
    /// CPU shares (default 1.0).
    public var cpus: Double
    /// Memory in MiB (default 128.0).
    public var mem: Double
    /// Disk in MiB (default 0.0).
    public var disk: Double
    /// GPUs (default 0).
    public var gpus: Int

    /// Marathon's container defaults.
    public static let defaultCpus = 1.0
    /// Marathon's container defaults.
    public static let defaultMem = 128.0

    /// A resource request; omitted fields take Marathon's defaults.
    public init(cpus: Double = Resources.defaultCpus, mem: Double = Resources.defaultMem,
                disk: Double = 0, gpus: Int = 0) {
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
        self.gpus = gpus
    }
}
