import Foundation
import Logging
import PodSchedulerCore
import Synchronization
import ZooKeeper

/// The scheduler's state in ZooKeeper (`ZooKeeperStoreLayout`), for several scheduler
/// instances of which one leads.
///
/// Every write is one `multi` whose first operation checks the writer's own election node
/// (`fence`): once that node is gone (the session expired, or the instance abdicated) nothing
/// this instance sends can land. Writes keep their order and several can be pending: while one
/// transaction is in flight, the writes handed over meanwhile go together in the next one. A
/// write larger than `transactionLimit` bytes is split into several transactions, each fenced.
/// The store knows which records exist and which do not where it listed their parent (it
/// loads every category but the pod versions, and lists a pod's versions when they are read),
/// to choose create or set and to leave out deletes of what is not there. Of a record it has
/// not seen (a version the leader never read) it knows nothing: a put creates it (NODEEXISTS:
/// set), a delete is sent (NONODE: dropped). It corrects itself when ZooKeeper says otherwise
/// (after a connection loss, a transaction may or may not have been applied). A write that
/// removes versions removes their pod's group node too once it is empty.
public final class ZooKeeperSchedulerStore: SchedulerStateStore {
    public let session: ZooKeeperSession
    public let layout: ZooKeeperStoreLayout
    /// The check that fences every transaction; nil for a store written while no scheduler runs
    /// (`migrate-store`).
    let fence: ZooKeeperOperation?
    /// Transactions wait for it to be open (the leader confirmed); nil: never wait.
    let gate: LeadershipGate?
    let logger: Logger
    let acl: ZooKeeperACL
    public let location: String
    /// Bytes of data and paths per transaction (ZooKeeper refuses packets over 1 MB).
    public static let transactionLimit = 512 * 1024
    /// Operations per transaction.
    static let operationLimit = 2000

    struct Pending {
        var changes: [StoreChange]
        var write: StoreWrite
    }

    struct State {
        /// What is known of which nodes exist (`Knowledge`).
        var known = Knowledge()
        var queue: [Pending] = []
        var closed: StoreError?
    }

    let state = Mutex(State())
    private let wake: AsyncStream<Void>.Continuation
    private let worker: Mutex<Task<Void, Never>?> = Mutex(nil)

    private init(session: ZooKeeperSession, layout: ZooKeeperStoreLayout, fence: ZooKeeperOperation?, gate: LeadershipGate?,
                 location: String, logger: Logger) {
        self.session = session
        self.layout = layout
        self.fence = fence
        self.gate = gate
        self.logger = logger
        self.location = location
        // Nodes of the state: nobody else reads them when there are credentials (as Marathon).
        acl = session.defaultACL == .open ? .open : .creatorAll
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        worker.withLock { $0 = Task { [weak self] in await Self.run(self, stream) } }
    }

    /// Opens the store below `layout.root`: makes the parent nodes that are missing and checks
    /// the schema version. `location` names it in logs (the redacted `--zk` URL).
    public static func open(session: ZooKeeperSession, layout: ZooKeeperStoreLayout, fence: ZooKeeperOperation?,
                            gate: LeadershipGate?, location: String, logger: Logger) async throws(StoreError) -> ZooKeeperSchedulerStore {
        let store = ZooKeeperSchedulerStore(session: session, layout: layout, fence: fence, gate: gate, location: location, logger: logger)
        do {
            try await store.prepare()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    private func prepare() async throws(StoreError) {
        try await zk("prepare \(layout.state)") {
            let missing = try await missingStructure()
            if missing.first == layout.state { try await session.ensurePath(layout.root, acl: session.defaultACL) }
            for path in missing {
                do {
                    _ = try await session.create(path, acl: acl)
                } catch let error as ZooKeeperError where error.code == .nodeExists {}
            }
            do {
                let (data, _) = try await session.get(layout.schema)
                let version = Int(String(decoding: data, as: UTF8.self)) ?? Int.max
                guard version <= ZooKeeperStoreLayout.schemaVersion else {
                    throw StoreError(.invalid, "\(location): the state was written by a newer pod-scheduler (schema \(version))")
                }
            } catch let error as ZooKeeperError where error.code == .noNode {
                do {
                    _ = try await session.create(layout.schema, data: Array("\(ZooKeeperStoreLayout.schemaVersion)".utf8), acl: acl)
                } catch let error as ZooKeeperError where error.code == .nodeExists {}
            }
        }
    }

    /// The parent nodes that do not exist yet, parents first: two listings tell on a store that
    /// exists (the usual case), instead of a round trip per node.
    private func missingStructure() async throws(ZooKeeperError) -> [String] {
        var existing = Set<String>()
        for parent in [layout.state, layout.category(.instances)] {
            do {
                for child in try await session.children(parent) { existing.insert(ZooKeeperStoreLayout.join(parent, child)) }
                existing.insert(parent)
            } catch where error.code == .noNode {}
        }
        return layout.structure.filter { !existing.contains($0) }
    }

    // MARK: Reads

    public func load() async throws(StoreError) -> [StoreRecord] {
        var records: [StoreRecord] = []
        for category in StoreCategory.allCases where category.isLoadedAtStart {
            for parent in layout.parents(of: category) {
                let names = try await zk("list \(parent)") { try await session.children(parent) }
                records += try await read(names.compactMap { node in
                    ZooKeeperStoreLayout.unescape(node).map { (StoreKey(category, $0), ZooKeeperStoreLayout.join(parent, node)) }
                })
            }
        }
        let paths = records.map { layout.path($0.key) }
        let listed = StoreCategory.allCases.filter(\.isLoadedAtStart).flatMap(layout.parents(of:))
        state.withLock { $0.known.listed(listed, children: paths) }
        return records
    }

    public func records(_ category: StoreCategory, group: String?) async throws(StoreError) -> [StoreRecord] {
        let parents = group.map { [layout.group(category, $0)] } ?? layout.parents(of: category)
        var records: [StoreRecord] = []
        for parent in parents {
            let names: [String]
            do {
                names = try await zk("list \(parent)") { try await session.children(parent) }
            } catch where group != nil {
                if (try? await session.exists(parent)) == .some(nil) { continue }  // No versions yet.
                throw error
            }
            let found = try await read(names.compactMap { node in
                ZooKeeperStoreLayout.unescape(node).map { (StoreKey(category, group: group, $0), ZooKeeperStoreLayout.join(parent, node)) }
            })
            records += found
            // Known now (versions are not loaded at start): the group and its children.
            let seen = found.map { layout.path($0.key) }
            state.withLock { state in
                if group != nil { state.known.existing.insert(parent) }
                state.known.listed([parent], children: seen)
            }
        }
        return records
    }

    public func groups(_ category: StoreCategory) async throws(StoreError) -> [String] {
        let parent = layout.category(category)
        return try await zk("list \(parent)") { try await session.children(parent) }.compactMap(ZooKeeperStoreLayout.unescape)
    }

    public func record(_ key: StoreKey) async throws(StoreError) -> Data? {
        let path = layout.path(key)
        return try await zk("read \(path)") {
            do {
                let data = Data(try await session.get(path).data)
                state.withLock { _ = $0.known.existing.insert(path) }
                return data
            } catch let error as ZooKeeperError where error.code == .noNode {
                return nil
            }
        }
    }

    /// Reads many nodes with up to 256 requests in flight (10,000 instances load in one pass
    /// of round trips shared by all). A node that went meanwhile is skipped.
    private func read(_ nodes: [(StoreKey, String)]) async throws(StoreError) -> [StoreRecord] {
        let session = session
        return try await zk("read records") {
            try await withThrowingTaskGroup(of: StoreRecord?.self) { group in
                var out: [StoreRecord] = []
                out.reserveCapacity(nodes.count)
                var next = nodes.makeIterator()
                func add() -> Bool {
                    guard let (key, path) = next.next() else { return false }
                    group.addTask {
                        do {
                            return StoreRecord(key: key, data: Data(try await session.get(path).data))
                        } catch let error as ZooKeeperError where error.code == .noNode {
                            return nil
                        }
                    }
                    return true
                }
                for _ in 0..<256 where !add() { break }
                while let record = try await group.next() {
                    if let record { out.append(record) }
                    _ = add()
                }
                return out
            }
        }
    }

    /// Runs ZooKeeper calls, turning their errors into `StoreError`s.
    func zk<T>(_ what: String, _ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch let error as ZooKeeperError {
            let kind: StoreError.Kind = error.code == .sessionExpired || error.code == .closing ? .fenced : .unavailable
            throw StoreError(kind, "\(location): \(what): \(error)")
        } catch {
            throw StoreError(.unavailable, "\(location): \(what): \(error)")
        }
    }

    // MARK: Writes

    public func write(_ changes: [StoreChange]) -> StoreWrite {
        let write = StoreWrite()
        let refused: StoreError? = state.withLock { state in
            if let closed = state.closed { return closed }
            if !changes.isEmpty { state.queue.append(Pending(changes: changes, write: write)) }
            return nil
        }
        if let refused {
            write.complete(.failure(refused))
        } else if changes.isEmpty {
            write.complete(.success(()))
        } else {
            wake.yield()
        }
        return write
    }

    public func close() async {
        fail(StoreError(.closed, "\(location): the store was closed"))
        wake.finish()
        let task = worker.withLock { $0 }
        await task?.value
    }

    /// Fails every pending write, and every later one.
    func fail(_ error: StoreError) {
        let pending: [Pending] = state.withLock { state in
            if state.closed == nil { state.closed = error }
            defer { state.queue.removeAll() }
            return state.queue
        }
        for p in pending { p.write.complete(.failure(error)) }
    }

    /// The writer: takes what was handed over since the last transaction and applies it.
    private static func run(_ store: ZooKeeperSchedulerStore?, _ wakes: AsyncStream<Void>) async {
        for await _ in wakes {
            guard let store else { return }
            while let batch = store.nextBatch() {
                let result = await store.apply(batch.flatMap(\.changes))
                for p in batch { p.write.complete(result) }
                if case .failure(let error) = result, error.kind == .fenced || error.kind == .closed {
                    store.logger.warning("state writes stopped", metadata: ["error": "\(error)"])
                    store.fail(error)
                }
            }
        }
    }

    /// The pending writes to apply together: all of them up to `transactionLimit` bytes (at
    /// least one).
    private func nextBatch() -> [Pending]? {
        state.withLock { state in
            guard state.closed == nil, !state.queue.isEmpty else { return nil }
            var size = 0
            var count = 0
            for p in state.queue {
                let bytes = p.changes.reduce(0) { $0 + Self.estimate($1) }
                if count > 0 && size + bytes > Self.transactionLimit { break }
                size += bytes
                count += 1
            }
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
    }

    static func estimate(_ change: StoreChange) -> Int {
        switch change {
        case .put(let key, let data): data.count + key.name.utf8.count * 3 + 128
        case .delete(let key): key.name.utf8.count * 3 + 128
        }
    }
}
