import Foundation

/// A kind of record the scheduler stores. Every backend keeps records by category, group and
/// name (SQLite: a row of `records`; ZooKeeper: `state/<category>/[<group>/]<name>`), and
/// knows nothing else about them: a new kind of state is a case here plus one line in
/// `SchedulerStore.Batch.changes` and one in `SchedulerStore.Snapshot.init(records:)`, and
/// every backend stores it alike.
public enum StoreCategory: String, CaseIterable, Sendable {
    /// The Mesos framework id (name `id`).
    case frameworkID = "framework-id"
    /// Current pod specs, by pod id.
    case pods
    /// Every version of every pod spec, grouped by pod id, named by version; kept after the
    /// pod is deleted (its history belongs to the id).
    case versions
    /// Instances, by instance id.
    case instances
    /// Running deployments, by deployment id.
    case deployments
    /// The last task failure of each pod, by pod id.
    case failures
    /// Launch backoff, by pod spec version (`/pod@version`).
    case delays
    /// The key that signs the executors' secret tokens (name `key`; base64 text).
    case secretTokenKey = "secret-token-key"
    /// Secret tokens redeemed, by token id; the expiry in seconds since 1970 (text).
    case redeemedTokens = "redeemed-tokens"

    /// Read at load time: all but the pod versions, which are read one pod at a time.
    public var isLoadedAtStart: Bool { self != .versions }

    /// Records below a group (a pod's versions, grouped by its id).
    public var isGrouped: Bool { self == .versions }
}

/// Where one record is stored.
public struct StoreKey: Hashable, Sendable, CustomStringConvertible {
    public var category: StoreCategory
    /// The group of a grouped category (the pod id of a version); nil otherwise.
    public var group: String?
    public var name: String

    public init(_ category: StoreCategory, group: String? = nil, _ name: String) {
        self.category = category
        self.group = group
        self.name = name
    }

    public var description: String {
        category.rawValue + "/" + (group.map { $0 + "/" } ?? "") + name
    }
}

/// One stored record: its key and the JSON the scheduler encoded.
public struct StoreRecord: Sendable, Equatable {
    public var key: StoreKey
    public var data: Data

    public init(key: StoreKey, data: Data) {
        self.key = key
        self.data = data
    }
}

/// One change of a write.
public enum StoreChange: Sendable, Equatable {
    /// Creates or replaces the record.
    case put(StoreKey, Data)
    /// Removes the record; removing one that is not there is fine.
    case delete(StoreKey)

    public var key: StoreKey {
        switch self {
        case .put(let key, _), .delete(let key): key
        }
    }
}

/// Why the store could not do something.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// This instance no longer leads: its election node is gone, so nothing it writes can
        /// land (fencing), or it gave up leadership.
        case fenced
        /// The store cannot be reached or written (I/O error, ZooKeeper unreachable).
        case unavailable
        /// A record that cannot be stored or read back (too large, undecodable).
        case invalid
        /// The store was closed.
        case closed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The scheduler's durable state, behind one interface: SQLite in `--work-dir` for a single
/// instance (`SQLiteSchedulerStore`), ZooKeeper for several (`PodSchedulerHA`).
///
/// Writes keep their order: `write` never waits, and a write lands after every earlier one.
/// Whatever needs a write to be durable (the acknowledgement of a status update, the answer
/// to a REST call, the ACCEPT that launches) waits for its own `StoreWrite`, so several
/// writes can be in flight.
public protocol SchedulerStateStore: AnyObject, Sendable {
    /// Where the state is, for logs (credentials redacted).
    var location: String { get }
    /// Every record of the categories loaded at start (`isLoadedAtStart`).
    func load() async throws(StoreError) -> [StoreRecord]
    /// The records of a category (of one group for a grouped category).
    func records(_ category: StoreCategory, group: String?) async throws(StoreError) -> [StoreRecord]
    /// The groups of a grouped category (the pod ids that have versions).
    func groups(_ category: StoreCategory) async throws(StoreError) -> [String]
    /// One record, nil when there is none.
    func record(_ key: StoreKey) async throws(StoreError) -> Data?
    /// Writes `changes` after every earlier write: all of them or none where the backend can
    /// (ZooKeeper splits a write larger than a transaction may be). Returns at once.
    func write(_ changes: [StoreChange]) -> StoreWrite
    /// Stops writing: pending and later writes fail with `.closed`.
    func close() async
}

extension SchedulerStateStore {
    /// Every record, pod versions included (for `migrate-store`).
    public func allRecords() async throws(StoreError) -> [StoreRecord] {
        var out = try await load()
        for category in StoreCategory.allCases where !category.isLoadedAtStart {
            if category.isGrouped {
                for group in try await groups(category) {
                    out += try await records(category, group: group)
                }
            } else {
                out += try await records(category, group: nil)
            }
        }
        return out
    }
}
