import Foundation

/// What pod-scheduler and pod-executor agree on for readiness (`readinessCheck`,
/// docs/pod-lifecycle.md "Readiness checks"): the check itself is Mesos's own
/// (`TaskInfo.check`, reported uninterpreted in `TaskStatus.check_status`); what a result
/// means is judged here, once, by the scheduler (instances, deployments) and by the executor
/// (a `dependsOn` with condition READY).
///
/// The HTTP statuses that mean ready travel in the container's `TaskInfo.labels` under
/// ``statusCodesLabel`` (decimal, comma-separated), beside the restart and `dependsOn` labels
/// of ``PodRestartContract``; absent, 200 alone.
public enum PodReadinessContract {
    /// The `TaskInfo` label with the HTTP statuses that mean ready.
    public static let statusCodesLabel = "io.mesos-pods.readyStatusCodes"

    /// Marathon's default `httpStatusCodesForReady`.
    public static let defaultStatusCodes = [200]

    /// Whether a check result means ready: an HTTP status among `httpStatusCodes`, a TCP
    /// connection made, or a command that exited 0. No result yet is not ready.
    public static func isReady(_ status: Mesos_V1_CheckStatusInfo, httpStatusCodes: [Int]) -> Bool {
        switch status.type {
        case .http: status.http.hasStatusCode && httpStatusCodes.contains(Int(status.http.statusCode))
        case .tcp: status.tcp.hasSucceeded && status.tcp.succeeded
        case .command: status.command.hasExitCode && status.command.exitCode == 0
        default: false
        }
    }

    /// The label value for `codes`.
    public static func statusCodesValue(_ codes: [Int]) -> String {
        codes.map(String.init).joined(separator: ",")
    }

    /// The HTTP statuses of a task's labels; the default when the label is absent or unreadable.
    public static func statusCodes(in labels: Mesos_V1_Labels) -> [Int] {
        guard let value = labels.labels.last(where: { $0.key == statusCodesLabel })?.value else { return defaultStatusCodes }
        let codes = value.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return codes.isEmpty ? defaultStatusCodes : codes
    }
}
