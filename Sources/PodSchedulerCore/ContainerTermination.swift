import Foundation
import MesosProtocol

/// How a container last ended before the executor restarted it in place, as the restart
/// update's `TaskStatus.labels` carry it (PodRestartContract); `::status` shows it as
/// `lastTermination`.
public struct ContainerTermination: Sendable, Equatable, Codable {
    public var exitCode: Int?
    public var signal: Int?
    public var oomKilled: Bool
    public var finishedAt: Date

    public init(exitCode: Int?, signal: Int?, oomKilled: Bool, finishedAt: Date) {
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.finishedAt = finishedAt
    }

    /// The restart count and last termination in a status's labels; nil when it has none
    /// (not a restart update, or from an executor without restarts).
    static func restart(in labels: Mesos_V1_Labels) -> (count: Int, last: ContainerTermination?)? {
        typealias Key = PodRestartContract.StatusLabel
        var values: [String: String] = [:]
        for label in labels.labels where label.key.hasPrefix("io.mesos-pods.") { values[label.key] = label.value }
        guard let count = values[Key.restartCount].flatMap({ Int($0) }), count >= 0 else { return nil }
        guard let finished = values[Key.finishedAt].flatMap({ Double($0) }), finished.isFinite else { return (count, nil) }
        let last = ContainerTermination(exitCode: values[Key.exitCode].flatMap { Int($0) }, signal: values[Key.signal].flatMap { Int($0) },
                                        oomKilled: values[Key.oomKilled] == "true", finishedAt: Date(timeIntervalSince1970: finished))
        return (count, last)
    }
}
