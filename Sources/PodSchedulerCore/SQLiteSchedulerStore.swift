import Foundation
import GRDB
import Synchronization

/// The single instance's store: SQLite in `--work-dir` (`state.db`). Every write is one
/// transaction, made before `write` returns, so a `kill -9` loses nothing that was
/// acknowledged.
public final class SQLiteSchedulerStore: SchedulerStateStore {
    private let queue: DatabaseQueue
    private let closed = Mutex(false)
    public let location: String

    /// Opens (or creates) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        var config = Configuration()
        config.journalMode = .wal
        // WAL with synchronous=NORMAL: a commit is durable against a crash or kill -9 of the
        // scheduler (the WAL is in the page cache); only a power loss can undo the last
        // commits, which reconciliation with the master then repairs.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        queue = try DatabaseQueue(path: path, configuration: config)
        location = path
        try Self.migrator.migrate(queue)
    }

    /// v1: a table per kind of state (the first releases); v2-secret-tokens: the tokens used.
    /// v2: one table of records by category, group and name, which every kind of state
    /// shares with the ZooKeeper store.
    private static var migrator: DatabaseMigrator {
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
        // Secrets by reference before v2 (on main for a while): the token key in `meta`, the
        // tokens used in a table of their own; carried into v2 below.
        migrator.registerMigration("v2-secret-tokens") { db in
            try db.execute(sql: "CREATE TABLE redeemed_secret_tokens (id TEXT PRIMARY KEY, expires_at REAL NOT NULL)")
        }
        migrator.registerMigration("v2-records") { db in
            try db.execute(sql: """
                CREATE TABLE records (category TEXT NOT NULL, grp TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,
                                      PRIMARY KEY (category, grp, name)) WITHOUT ROWID;
                INSERT INTO records SELECT 'framework-id', '', 'id', CAST(value AS BLOB) FROM meta WHERE key = 'framework_id';
                INSERT INTO records SELECT 'pods', '', id, spec FROM pods;
                INSERT INTO records SELECT 'versions', pod_id, version, spec FROM pod_versions;
                INSERT INTO records SELECT 'instances', '', id, record FROM instances;
                INSERT INTO records SELECT 'deployments', '', id, record FROM deployments;
                INSERT INTO records SELECT 'failures', '', pod_id, record FROM failures;
                INSERT INTO records SELECT 'secret-token-key', '', 'key', CAST(value AS BLOB) FROM meta WHERE key = 'secret_token_key';
                INSERT INTO records SELECT 'redeemed-tokens', '', id, CAST(CAST(expires_at AS TEXT) AS BLOB) FROM redeemed_secret_tokens;
                DROP TABLE redeemed_secret_tokens; DROP TABLE meta; DROP TABLE pods; DROP TABLE pod_versions; DROP TABLE instances;
                DROP TABLE deployments; DROP TABLE failures;
                """)
        }
        return migrator
    }

    public func load() async throws(StoreError) -> [StoreRecord] {
        let loaded = StoreCategory.allCases.filter(\.isLoadedAtStart).map(\.rawValue)
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT category, grp, name, value FROM records WHERE category IN (\(loaded.map { _ in "?" }.joined(separator: ",")))",
                             arguments: StatementArguments(loaded)).compactMap(Self.record)
        }
    }

    public func records(_ category: StoreCategory, group: String?) async throws(StoreError) -> [StoreRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT category, grp, name, value FROM records WHERE category = ? AND grp = ?",
                             arguments: [category.rawValue, group ?? ""]).compactMap(Self.record)
        }
    }

    public func groups(_ category: StoreCategory) async throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT grp FROM records WHERE category = ? AND grp <> ''", arguments: [category.rawValue])
        }
    }

    public func record(_ key: StoreKey) async throws(StoreError) -> Data? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM records WHERE category = ? AND grp = ? AND name = ?",
                              arguments: [key.category.rawValue, key.group ?? "", key.name])
        }
    }

    /// One transaction, committed before this returns.
    public func write(_ changes: [StoreChange]) -> StoreWrite {
        guard !closed.withLock({ $0 }) else { return StoreWrite(completed: .failure(StoreError(.closed, "\(location) is closed"))) }
        guard !changes.isEmpty else { return StoreWrite(completed: .success(())) }
        do {
            try queue.write { db in
                for change in changes {
                    let key = change.key
                    switch change {
                    case .put(_, let data):
                        try db.execute(sql: "INSERT OR REPLACE INTO records (category, grp, name, value) VALUES (?, ?, ?, ?)",
                                       arguments: [key.category.rawValue, key.group ?? "", key.name, data])
                    case .delete:
                        try db.execute(sql: "DELETE FROM records WHERE category = ? AND grp = ? AND name = ?",
                                       arguments: [key.category.rawValue, key.group ?? "", key.name])
                    }
                }
            }
            return StoreWrite(completed: .success(()))
        } catch {
            return StoreWrite(completed: .failure(StoreError(.unavailable, "\(location): \(error)")))
        }
    }

    /// Removes every record (`migrate-store --force` onto this store).
    public func removeAll() throws(StoreError) {
        do {
            try queue.write { db in try db.execute(sql: "DELETE FROM records") }
        } catch {
            throw StoreError(.unavailable, "\(location): \(error)")
        }
    }

    public func close() async {
        closed.withLock { $0 = true }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw StoreError(.unavailable, "\(location): \(error)")
        }
    }

    /// A row as a record; rows of categories this version does not know are skipped.
    private static func record(_ row: Row) -> StoreRecord? {
        guard let category = StoreCategory(rawValue: row["category"]) else { return nil }
        let group: String = row["grp"]
        return StoreRecord(key: StoreKey(category, group: group.isEmpty ? nil : group, row["name"]), data: row["value"])
    }
}
