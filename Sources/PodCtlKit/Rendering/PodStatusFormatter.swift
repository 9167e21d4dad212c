import Primitives

/// The human output of `pod list` and `pod status`.
public enum PodStatusFormatter {
    /// `pod list`: one row per pod with running/desired instances, status and since,
    /// sorted by id.
    public static func list(_ statuses: [PodStatus]) -> String {
        guard !statuses.isEmpty else { return "No pods.\n" }
        let rows = statuses.sorted { $0.id < $1.id }.map { status in
            [status.id, "\(status.runningInstances)/\(status.desiredInstances)", status.status,
             status.statusSince.map(Timestamp.display) ?? "-"]
        }
        return Table(headers: ["POD", "INSTANCES", "STATUS", "SINCE"], rows: rows).text
    }

    /// `pod status`: a summary line, then every instance with its containers (state,
    /// health, since, agent, endpoints, addresses), then the DEGRADED reasons.
    public static func report(_ status: PodStatus) -> String {
        var text = "Pod \(status.id): \(status.status)"
        if let since = status.statusSince { text += " since \(Timestamp.display(since))" }
        text += ", \(status.runningInstances)/\(status.desiredInstances) instances running\n"
        if let termination = status.lastTermination {
            text += "Last termination: \(termination)\n"
        }
        guard !status.instances.isEmpty else { return text + "No instances.\n" }
        var rows: [[String]] = []
        var notes: [String] = []
        for instance in status.instances {
            rows.append([
                instance.id, instance.status, instance.health?.rawValue ?? "-",
                instance.statusSince.map(Timestamp.display) ?? "-",
                instance.agentHostname ?? instance.agentID ?? "-", "",
                instance.addresses.isEmpty ? "-" : instance.addresses.joined(separator: ","),
            ])
            for container in instance.containers {
                rows.append([
                    "  " + container.name, container.status, container.health?.rawValue ?? "-",
                    container.statusSince.map(Timestamp.display) ?? "-", "",
                    container.endpoints.isEmpty ? "-" : container.endpoints.joined(separator: ","), "",
                ])
                if container.restartCount > 0 {
                    let last = container.lastTermination.map { "; last termination: \($0)" } ?? ""
                    notes.append("\(instance.id)/\(container.name): restarted \(container.restartCount) time(s) in place\(last)")
                }
            }
            if let message = instance.message { notes.append("\(instance.id): \(message)") }
        }
        text += "\n"
        var headers = ["INSTANCE/CONTAINER", "STATUS", "HEALTH", "SINCE", "AGENT", "ENDPOINTS", "ADDRESSES"]
        if status.instances.contains(where: { $0.ready != nil }) { addReadyColumn(status, &headers, &rows) }
        text += Table(headers: headers, rows: rows).text
        if !notes.isEmpty { text += "\n" + notes.map { $0 + "\n" }.joined() }
        return text
    }

    /// A READY column after HEALTH, only when a container has a readiness check (ours).
    private static func addReadyColumn(_ status: PodStatus, _ headers: inout [String], _ rows: inout [[String]]) {
        func text(_ ready: Bool?) -> String { ready.map { $0 ? "ready" : "not ready" } ?? "-" }
        let column = status.instances.flatMap { instance in [text(instance.ready)] + instance.containers.map { text($0.ready) } }
        headers.insert("READY", at: 3)
        for index in rows.indices where column.indices.contains(index) { rows[index].insert(column[index], at: 3) }
    }
}
