import Foundation
import PodCtlKit

/// `agent inspect` for people: the instance, then one block per container.
enum InspectFormatter {
    static func text(_ r: InstanceReport) -> String {
        var out = ""
        func field(_ name: String, _ value: String?, indent: Int = 0) {
            guard let value, !value.isEmpty else { return }
            let label = String(repeating: " ", count: indent) + name + ":"
            out += label.padding(toLength: max(label.count + 1, indent + 16), withPad: " ", startingAt: 0) + value + "\n"
        }
        field("Instance", r.instance)
        field("Executor", "\(r.executorID) (pid \(r.executorPID.map(String.init) ?? "?"), \(r.executorRunning ? "running" : "gone"))")
        field("Framework", r.frameworkID)
        field("Sandbox", r.sandbox)
        field("Network", r.networkNamespace.map { "namespace \($0)" } ?? "host")
        field("Networks", r.networks?.joined(separator: ", "))
        field("Hostname", r.hostname)
        field("Addresses", r.addresses.joined(separator: ", "))
        field("Updated", r.updatedAt.map { "\(Formatting.timestamp($0)) (\(Formatting.ago($0)))" })
        field("State file", r.stateFile)
        for c in r.containers {
            out += "\nContainer \(c.name)\n"
            field("Task", c.taskID, indent: 2)
            field("Container ID", c.containerID, indent: 2)
            var state = c.state ?? (c.running ? "running" : "ended")
            if let health = c.health { state += ", \(health)" }
            field("State", state, indent: 2)
            field("Health check", c.healthCheck, indent: 2)
            field("Last check", c.lastHealthResult, indent: 2)
            field("Ended", c.termination.map { t in c.finishedAt.map { "\(t) at \(Formatting.timestamp($0))" } ?? t }, indent: 2)
            if let pid = c.initPID, c.running {
                field("PIDs", "init \(pid)" + (c.pids.isEmpty ? "" : ", main " + c.pids.map(String.init).joined(separator: " "))
                      + (c.processCount.map { ", \($0) in cgroup" } ?? ""), indent: 2)
            }
            field("Started", c.startedAt.map { Formatting.timestamp($0) + (c.uptimeSeconds.map { " (up \(Formatting.duration($0)))" } ?? "") },
                  indent: 2)
            field("Command", c.command.map(Formatting.commandLine), indent: 2)
            field("Working dir", c.workingDirectory, indent: 2)
            field("User", c.user, indent: 2)
            field("Image", c.image, indent: 2)
            field("Manifest", c.imageManifestDigest, indent: 2)
            field("Config", c.imageConfigDigest, indent: 2)
            field("Rootfs", c.rootfs, indent: 2)
            field("Sandbox", c.sandbox, indent: 2)
            field("Namespaces", c.namespaces?.joined(separator: " "), indent: 2)
            field("Capabilities", c.capabilities?.joined(separator: " "), indent: 2)
            field("Seccomp", c.seccomp, indent: 2)
            if let used = c.memoryBytes {
                field("Memory", Formatting.bytes(used) + (c.memoryLimitBytes.map { " of " + Formatting.bytes($0) } ?? " (no limit)"), indent: 2)
            }
            field("CPU time", c.cpuSeconds.map(Formatting.cpu), indent: 2)
            for (controller, dir) in c.cgroups.sorted(by: { $0.key < $1.key }) {
                field("Cgroup", "\(controller) \(dir)", indent: 2)
            }
            for m in c.mounts {
                field("Mount", "\(m.source) -> \(m.target)\(m.readOnly ? " (ro)" : "")", indent: 2)
            }
            if let env = c.environment, !env.isEmpty {
                field("Environment", env.joined(separator: "\n" + String(repeating: " ", count: 16)), indent: 2)
            }
            field("Secret vars", c.secretVariables?.joined(separator: ", "), indent: 2)
        }
        if !r.lastUpdates.isEmpty {
            out += "\nLast updates\n"
            for update in r.lastUpdates { out += "  \(update)\n" }
        }
        return out
    }
}
