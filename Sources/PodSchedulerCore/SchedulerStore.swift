import Foundation
import GRDB
import PodSpec

/// The scheduler's durable state in SQLite (in `--work-dir`): pods and their versions,
/// instances, deployments and the framework id. Every write is a transaction, so a
/// `kill -9` loses nothing that was acknowledged.
final class SchedulerStore: Sendable {
    private let queue: DatabaseQueue
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()

    struct Snapshot: Sendable {
        var frameworkID: String?
        var pods: [PodDefinition]
        var instances: [InstanceRecord]
        var deployments: [DeploymentRecord]
        var failures: [String: TaskFailureRecord]
        /// The key of the secret tokens (``SecretTokenAuthority``), nil until the first start made one.
        var secretTokenKey: [UInt8]?
        /// Redeemed secret tokens (by id) and when each expires.
        var redeemedTokens: [String: Date]
    }

    init(path: String) throws {
        var config = Configuration()
        config.journalMode = .wal
        // WAL with synchronous=NORMAL: a commit is durable against a crash or kill -9 of the
        // scheduler (the WAL is in the page cache); only a power loss can undo the last
        // commits, which reconciliation with the master then repairs.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        queue = try DatabaseQueue(path: path, configuration: config)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        encoder = e
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE pods (id TEXT PRIMARY KEY, spec BLOB NOT NULL);
                CREATE TABLE pod_versions (pod_id TEXT NOT NULL, version TEXT NOT NULL, spec BLOB NOT NULL,
                                           PRIMARY KEY (pod_id, version));
                CREATE TABLE instances (id TEXT PRIMARY KEY, pod_id TEXT NOT NULL, record BLOB NOT NULL);
                CREATE TABLE deployments (id TEXT PRIMARY KEY, record BLOB NOT NULL);
                CREATE TABLE failures (pod_id TEXT PRIMARY KEY, record BLOB NOT NULL);
                """)
        }
        // Secrets by reference: the token key (meta `secret_token_key`) and the tokens used.
        migrator.registerMigration("v2-secret-tokens") { db in
            try db.execute(sql: "CREATE TABLE redeemed_secret_tokens (id TEXT PRIMARY KEY, expires_at REAL NOT NULL)")
        }
        try migrator.migrate(queue)
    }

    func load() throws -> Snapshot {
        try queue.read { db in
            let frameworkID = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'framework_id'")
            let pods = try Data.fetchAll(db, sql: "SELECT spec FROM pods").map { try decoder.decode(PodDefinition.self, from: $0) }
            let instances = try Data.fetchAll(db, sql: "SELECT record FROM instances").map { try decoder.decode(InstanceRecord.self, from: $0) }
            let deployments = try Data.fetchAll(db, sql: "SELECT record FROM deployments").map { try decoder.decode(DeploymentRecord.self, from: $0) }
            var failures: [String: TaskFailureRecord] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT pod_id, record FROM failures") {
                let data: Data = row["record"]
                failures[row["pod_id"]] = try decoder.decode(TaskFailureRecord.self, from: data)
            }
            let key = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'secret_token_key'")
                .flatMap { Data(base64Encoded: $0) }.map(Array.init)
            var redeemed: [String: Date] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, expires_at FROM redeemed_secret_tokens") {
                let expires: Double = row["expires_at"]
                redeemed[row["id"]] = Date(timeIntervalSince1970: expires)
            }
            return Snapshot(frameworkID: frameworkID, pods: pods, instances: instances, deployments: deployments, failures: failures,
                            secretTokenKey: key, redeemedTokens: redeemed)
        }
    }

    /// One atomic batch of changes.
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
        /// A new secret token key; kept only when the store has none yet (the first writer wins).
        var secretTokenKey: [UInt8]?
        /// Secret tokens redeemed now (id, expiry).
        var redeemedTokens: [(id: String, expiresAt: Date)] = []
        /// Forget redeemed tokens that expired before this (they fail verification anyway).
        var redeemedTokensExpiredBefore: Date?

        var isEmpty: Bool {
            frameworkID == nil && pods.isEmpty && deletedPods.isEmpty && versions.isEmpty && instances.isEmpty
                && deletedInstances.isEmpty && deployments.isEmpty && deletedDeployments.isEmpty && failures.isEmpty
                && secretTokenKey == nil && redeemedTokens.isEmpty && redeemedTokensExpiredBefore == nil
        }
    }

    func write(_ batch: Batch) throws {
        guard !batch.isEmpty else { return }
        try queue.write { db in
            if let id = batch.frameworkID {
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('framework_id', ?)", arguments: [id])
            }
            for pod in batch.pods {
                try db.execute(sql: "INSERT OR REPLACE INTO pods (id, spec) VALUES (?, ?)", arguments: [pod.id.absolute, try encoder.encode(pod)])
            }
            for id in batch.deletedPods {
                try db.execute(sql: "DELETE FROM pods WHERE id = ?", arguments: [id.absolute])
            }
            for pod in batch.versions {
                try db.execute(sql: "INSERT OR REPLACE INTO pod_versions (pod_id, version, spec) VALUES (?, ?, ?)",
                               arguments: [pod.id.absolute, pod.version.description, try encoder.encode(pod)])
            }
            for record in batch.instances {
                try db.execute(sql: "INSERT OR REPLACE INTO instances (id, pod_id, record) VALUES (?, ?, ?)",
                               arguments: [record.instanceID, record.podID.absolute, try encoder.encode(record)])
            }
            for id in batch.deletedInstances {
                try db.execute(sql: "DELETE FROM instances WHERE id = ?", arguments: [id])
            }
            for d in batch.deployments {
                try db.execute(sql: "INSERT OR REPLACE INTO deployments (id, record) VALUES (?, ?)", arguments: [d.id, try encoder.encode(d)])
            }
            for id in batch.deletedDeployments {
                try db.execute(sql: "DELETE FROM deployments WHERE id = ?", arguments: [id])
            }
            for (pod, failure) in batch.failures {
                try db.execute(sql: "INSERT OR REPLACE INTO failures (pod_id, record) VALUES (?, ?)",
                               arguments: [pod.absolute, try encoder.encode(failure)])
            }
            if let key = batch.secretTokenKey {
                try db.execute(sql: "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret_token_key', ?)",
                               arguments: [Data(key).base64EncodedString()])
            }
            for token in batch.redeemedTokens {
                try db.execute(sql: "INSERT OR REPLACE INTO redeemed_secret_tokens (id, expires_at) VALUES (?, ?)",
                               arguments: [token.id, token.expiresAt.timeIntervalSince1970])
            }
            if let before = batch.redeemedTokensExpiredBefore {
                try db.execute(sql: "DELETE FROM redeemed_secret_tokens WHERE expires_at < ?", arguments: [before.timeIntervalSince1970])
            }
        }
    }

    func versions(of id: PodId) throws -> [PodVersion] {
        try queue.read { db in
            try String.fetchAll(db, sql: "SELECT version FROM pod_versions WHERE pod_id = ?", arguments: [id.absolute])
                .compactMap { PodVersion(iso8601: $0) }
        }
    }

    func pod(_ id: PodId, version: PodVersion) throws -> PodDefinition? {
        try queue.read { db in
            guard let data = try Data.fetchOne(db, sql: "SELECT spec FROM pod_versions WHERE pod_id = ? AND version = ?",
                                               arguments: [id.absolute, version.description]) else { return nil }
            return try decoder.decode(PodDefinition.self, from: data)
        }
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
