import Foundation
import PodRuntime

/// One pod instance as `agent ps --json` and `agent inspect --json` show it.
struct InstanceReport: Codable, Sendable, Equatable {
    /// The pod instance id (`<pod>.instance-<uuid>`).
    var instance: String
    var executorID: String
    var frameworkID: String?
    var executorPID: Int32?
    /// False when the executor is gone: its leftovers wait for `agent gc`.
    var executorRunning: Bool
    var sandbox: String
    var networkNamespace: String?
    var hostname: String?
    var networks: [String]?
    var addresses: [String]
    /// When the executor last wrote the state (seconds since 1970).
    var updatedAt: Double?
    /// The last state of each task: `<task id> <state>`.
    var lastUpdates: [String]
    var stateFile: String
    var containers: [ContainerReport]

    init(_ instance: AgentPodInstance, now: Double = Date().timeIntervalSince1970) {
        let s = instance.snapshot
        self.instance = instance.name
        executorID = s.executorID
        frameworkID = s.frameworkID
        executorPID = s.executorPID
        executorRunning = instance.executorRunning
        sandbox = s.sandbox
        networkNamespace = s.networkNamespace
        hostname = s.hostname
        networks = s.networks
        addresses = s.addresses
        updatedAt = s.updatedAt
        lastUpdates = s.lastUpdates ?? []
        stateFile = instance.stateFile
        containers = s.containers.map { ContainerReport($0, executorPID: s.executorPID, now: now) }
    }

    /// JSON for people and scripts: sorted keys, indented.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        // Empty collections as `[]` and `{}` (the encoder puts a blank line inside; raw
        // newlines never occur within JSON strings).
        return text.replacing(/\[\n\s*\n\s*\]/, with: "[]").replacing(/\{\n\s*\n\s*\}/, with: "{}")
    }
}
