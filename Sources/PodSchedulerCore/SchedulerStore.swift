import Foundation
import PodSpec

/// The scheduler's typed view of its stored state: what it writes together (`Batch`) and
/// what it reads at start (`Snapshot`). Both are translated here, and only here, to the
/// records every `SchedulerStateStore` keeps (`StoreCategory`); the backends never see the
/// types.
enum SchedulerStore {
    /// One write: the changes the scheduler makes together, stored atomically.
    struct Batch {
        var frameworkID: String?
        var pods: [PodDefinition] = []
        var deletedPods: [PodId] = []
        var versions: [PodDefinition] = []
        var instances: [InstanceRecord] = []
        var deletedInstances: [String] = []
        var deployments: [DeploymentRecord] = []
        var deletedDeployments: [String] = []
        var failures: [(PodId, TaskFailureRecord)] = []
        /// Launch backoff by `Scheduler.delayKey`.
        var delays: [(String, LaunchDelayRecord)] = []
        var deletedDelays: [String] = []
        /// A new secret token key, written only when the store has none (`Scheduler.secretTokenKey`).
        var secretTokenKey: [UInt8]?
        /// Secret tokens redeemed now (id, expiry).
        var redeemedTokens: [(id: String, expiresAt: Date)] = []
        /// Redeemed tokens to forget (expired: they fail verification anyway).
        var deletedRedeemedTokens: [String] = []

        var isEmpty: Bool {
            frameworkID == nil && pods.isEmpty && deletedPods.isEmpty && versions.isEmpty && instances.isEmpty
                && deletedInstances.isEmpty && deployments.isEmpty && deletedDeployments.isEmpty && failures.isEmpty
                && delays.isEmpty && deletedDelays.isEmpty
                && secretTokenKey == nil && redeemedTokens.isEmpty && deletedRedeemedTokens.isEmpty
        }

        /// The batch as store changes: the one table of which field goes to which category.
        func changes() throws -> [StoreChange] {
            let encoder = SchedulerStore.encoder
            var out: [StoreChange] = []
            func put(_ category: StoreCategory, group: String? = nil, _ name: String, _ value: some Encodable) throws {
                out.append(.put(StoreKey(category, group: group, name), try encoder.encode(value)))
            }
            func delete(_ category: StoreCategory, _ name: String) {
                out.append(.delete(StoreKey(category, name)))
            }
            if let frameworkID { out.append(.put(SchedulerStore.frameworkIDKey, Data(frameworkID.utf8))) }
            for pod in pods { try put(.pods, pod.id.absolute, pod) }
            for id in deletedPods { delete(.pods, id.absolute) }
            for pod in versions { try put(.versions, group: pod.id.absolute, pod.version.description, pod) }
            for record in instances { try put(.instances, record.instanceID, record) }
            for id in deletedInstances { delete(.instances, id) }
            for deployment in deployments { try put(.deployments, deployment.id, deployment) }
            for id in deletedDeployments { delete(.deployments, id) }
            for (pod, failure) in failures { try put(.failures, pod.absolute, failure) }
            for (key, delay) in delays { try put(.delays, key, delay) }
            for key in deletedDelays { delete(.delays, key) }
            if let secretTokenKey {
                out.append(.put(SchedulerStore.secretTokenKeyKey, Data(Data(secretTokenKey).base64EncodedString().utf8)))
            }
            for token in redeemedTokens {
                out.append(.put(StoreKey(.redeemedTokens, token.id), Data(String(token.expiresAt.timeIntervalSince1970).utf8)))
            }
            for id in deletedRedeemedTokens { delete(.redeemedTokens, id) }
            return out
        }
    }

    /// The state loaded at start (pod versions are read on demand).
    struct Snapshot: Sendable {
        var frameworkID: String?
        var pods: [PodDefinition] = []
        var instances: [InstanceRecord] = []
        var deployments: [DeploymentRecord] = []
        var failures: [String: TaskFailureRecord] = [:]
        var delays: [String: LaunchDelayRecord] = [:]
        /// The key of the secret tokens (``SecretTokenAuthority``), nil until a first start made one.
        var secretTokenKey: [UInt8]?
        /// Redeemed secret tokens (by id) and when each expires.
        var redeemedTokens: [String: Date] = [:]

        /// Decodes loaded records; one that cannot be decoded fails the load, naming it.
        init(records: [StoreRecord]) throws(StoreError) {
            let decoder = JSONDecoder()
            for record in records {
                let name = record.key.name
                do {
                    switch record.key.category {
                    case .frameworkID: frameworkID = String(decoding: record.data, as: UTF8.self)
                    case .pods: pods.append(try decoder.decode(PodDefinition.self, from: record.data))
                    case .versions: break
                    case .instances: instances.append(try decoder.decode(InstanceRecord.self, from: record.data))
                    case .deployments: deployments.append(try decoder.decode(DeploymentRecord.self, from: record.data))
                    case .failures: failures[name] = try decoder.decode(TaskFailureRecord.self, from: record.data)
                    case .delays: delays[name] = try decoder.decode(LaunchDelayRecord.self, from: record.data)
                    case .secretTokenKey:
                        guard let key = Data(base64Encoded: String(decoding: record.data, as: UTF8.self)), key.count >= 32 else {
                            throw StoreError(.invalid, "not a base64 key of 32 bytes or more")
                        }
                        secretTokenKey = Array(key)
                    case .redeemedTokens:
                        guard let expiry = Double(String(decoding: record.data, as: UTF8.self)) else {
                            throw StoreError(.invalid, "not an expiry in seconds since 1970")
                        }
                        redeemedTokens[name] = Date(timeIntervalSince1970: expiry)
                    }
                } catch {
                    throw StoreError(.invalid, "stored record \(record.key) cannot be read: \(error)")
                }
            }
        }
    }

    static let frameworkIDKey = StoreKey(.frameworkID, "id")
    static let secretTokenKeyKey = StoreKey(.secretTokenKey, "key")

    /// One encoder for every backend: sorted keys, so equal records are equal bytes.
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func versionKey(_ id: PodId, _ version: PodVersion) -> StoreKey {
        StoreKey(.versions, group: id.absolute, version.description)
    }
}

/// The last task failure of a pod (for `terminationHistory`).
struct TaskFailureRecord: Codable, Sendable, Equatable {
    var instanceID: String
    var taskID: String
    var state: String
    var message: String
    var startedAt: Date
    var terminatedAt: Date
    var containers: [[String]]
}

/// The launch backoff of a pod spec version: consecutive failures and the earliest next
/// launch (wall-clock time, so that another instance can take it over).
struct LaunchDelayRecord: Codable, Sendable, Equatable {
    var failures: Int
    var until: Date
}
