/// The decision part of a Mesos health checker (`src/checks/health_checker.cpp`,
/// docs/reference/mesos-executor-protocol.md §6.2), without clocks or I/O: the grace period runs from the checker's start,
/// includes the delay, and ends at the first success; healthy is reported on the first
/// success and on the first success after failures; every failure counted after the
/// grace is reported; reaching `consecutive_failures` means kill.
public struct HealthCheckPolicy: Sendable, Equatable {
    public struct Report: Sendable, Equatable {
        public var healthy: Bool
        public var kill: Bool
    }

    public let gracePeriod: Duration
    public let consecutiveFailuresToKill: UInt32
    public private(set) var consecutiveFailures: UInt32 = 0
    public private(set) var initializing = true

    public init(gracePeriod: Duration, consecutiveFailuresToKill: UInt32) {
        self.gracePeriod = gracePeriod
        self.consecutiveFailuresToKill = consecutiveFailuresToKill
    }

    /// Records one result; returns what to report, if anything.
    public mutating func record(success: Bool, elapsedSinceStart: Duration) -> Report? {
        if success {
            let report = initializing || consecutiveFailures > 0
            initializing = false
            consecutiveFailures = 0
            return report ? Report(healthy: true, kill: false) : nil
        }
        if initializing && gracePeriod > .zero && elapsedSinceStart <= gracePeriod {
            return nil
        }
        consecutiveFailures += 1
        return Report(healthy: false, kill: consecutiveFailures >= consecutiveFailuresToKill)
    }
}
