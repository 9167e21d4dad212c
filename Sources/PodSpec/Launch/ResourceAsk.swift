/// The scalar resources one pod instance needs from a single offer.
public struct ResourceAsk: Sendable, Hashable {
    /// CPU shares.
    public var cpus: Double
    /// Memory in MiB.
    public var mem: Double
    /// Disk in MiB.
    public var disk: Double
    /// GPUs.
    public var gpus: Int

    /// A resource ask.
    public init(cpus: Double, mem: Double, disk: Double, gpus: Int) {
        self.cpus = cpus
        self.mem = mem
        self.disk = disk
        self.gpus = gpus
    }
}
