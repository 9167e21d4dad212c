import Foundation
import PodSchedulerCore
import ZooKeeper

extension ZooKeeperSchedulerStore {
    /// One change as it will be sent: the node and what to do to it.
    struct NodeChange {
        var path: String
        /// Data to store; nil to delete.
        var data: [UInt8]?
        /// The group node the record is in (a version's pod): made first when it is missing,
        /// removed after the last of its records is deleted.
        var group: String?
        var size: Int
    }

    /// Applies changes (the last one per record wins) in fenced transactions of at most
    /// `transactionLimit` bytes, in order.
    func apply(_ changes: [StoreChange]) async -> Result<Void, StoreError> {
        var order: [String] = []
        var latest: [String: NodeChange] = [:]
        for change in changes {
            let path = layout.path(change.key)
            if latest[path] == nil { order.append(path) }
            let data: [UInt8]? = if case .put(_, let data) = change { Array(data) } else { nil }
            latest[path] = NodeChange(path: path, data: data, group: layout.creatableParent(change.key), size: Self.estimate(change))
        }
        var chunk: [NodeChange] = []
        var size = 0
        for path in order {
            guard let change = latest[path] else { continue }
            if !chunk.isEmpty && (size + change.size > Self.transactionLimit || chunk.count >= Self.operationLimit) {
                if case .failure(let error) = await transact(chunk) { return .failure(error) }
                chunk = []
                size = 0
            }
            chunk.append(change)
            size += change.size
        }
        return chunk.isEmpty ? .success(()) : await transact(chunk)
    }

    /// One fenced transaction, made again after a connection loss and corrected when ZooKeeper
    /// says a node does (not) exist, until it lands or the leadership is gone. A failed `multi`
    /// applies nothing: each correction sends the whole transaction again, its `check` first.
    private func transact(_ changes: [NodeChange]) async -> Result<Void, StoreError> {
        var attempts = 0
        var kept = Set<String>()
        while true {
            attempts += 1
            if let gate {
                do { try await gate.wait() } catch {
                    return .failure(StoreError(.fenced, "\(location): \(error)"))
                }
            }
            let (ops, effects) = operations(for: changes, keeping: kept)
            guard !ops.isEmpty else { return .success(()) }
            do {
                _ = try await session.multi((fence.map { [$0] } ?? []) + ops)
                applied(effects)
                return .success(())
            } catch {
                let offset = fence == nil ? 0 : 1
                if let index = error.failedOperationIndex {
                    if index < offset {
                        return .failure(StoreError(.fenced, "\(location): the election node of this instance is gone; nothing more is written"))
                    }
                    if attempts <= 3 * changes.count + 4, correct(error, at: effects[index - offset], keeping: &kept) { continue }
                    return .failure(StoreError(.unavailable, "\(location): \(error)"))
                }
                if error.code.isConnectionProblem {
                    logger.info("state write waits for ZooKeeper", metadata: ["error": "\(error)"])
                    do { try await session.waitUntilConnected() } catch {
                        return .failure(StoreError(.fenced, "\(location): the ZooKeeper session ended: \(error)"))
                    }
                    continue
                }
                let kind: StoreError.Kind = error.code == .sessionExpired || error.code == .closing ? .fenced
                    : error.code == .badArguments ? .invalid : .unavailable
                return .failure(StoreError(kind, "\(location): \(error)"))
            }
        }
    }

    /// What an operation does to the store's knowledge of existing nodes.
    enum Effect {
        /// `group`: a group node made here, so its children are all known.
        case created(String, group: Bool)
        case set(String)
        /// `group`: the group node of deleted records, removed when nothing else is in it.
        case deleted(String, group: Bool)
    }

    /// The operations for changes, given what is known to exist: create or set (a group made
    /// first), deletes of all but what is known to be gone, and then the removal of each group
    /// whose records this transaction deletes, unless something is known (or was found, `kept`)
    /// to remain in it.
    private func operations(for changes: [NodeChange], keeping kept: Set<String>) -> (ops: [ZooKeeperOperation], effects: [Effect]) {
        let known = state.withLock { $0.known }
        var made = Set<String>()
        var ops: [ZooKeeperOperation] = []
        var effects: [Effect] = []
        var emptied: [String] = []
        var filled = Set<String>()
        var leaving = Set<String>()
        for change in changes {
            if let data = change.data {
                if let group = change.group {
                    filled.insert(group)
                    if known.presence(group) != .present, made.insert(group).inserted {
                        ops.append(.create(group, data: [], mode: .persistent, acl: acl))
                        effects.append(.created(group, group: true))
                    }
                }
                if known.presence(change.path) == .present {
                    ops.append(.set(change.path, data: data, version: nil))
                    effects.append(.set(change.path))
                } else {
                    ops.append(.create(change.path, data: data, mode: .persistent, acl: acl))
                    effects.append(.created(change.path, group: false))
                }
            } else {
                if let group = change.group, !emptied.contains(group) { emptied.append(group) }
                leaving.insert(change.path)
                if known.presence(change.path) != .absent {
                    ops.append(.delete(change.path, version: nil))
                    effects.append(.deleted(change.path, group: false))
                }
            }
        }
        for group in emptied where !filled.contains(group) && !kept.contains(group) && known.presence(group) != .absent
            && !known.hasChild(group, besides: leaving) {
            ops.append(.delete(group, version: nil))
            effects.append(.deleted(group, group: true))
        }
        return (ops, effects)
    }

    private func applied(_ effects: [Effect]) {
        state.withLock { state in
            for effect in effects {
                switch effect {
                case .created(let path, let group): state.known.exists(path, madeEmpty: group)
                case .set(let path): state.known.exists(path)
                case .deleted(let path, _): state.known.gone(path)
                }
            }
        }
    }

    /// Learns from a failed operation; false when the failure is not about existence.
    private func correct(_ error: ZooKeeperError, at effect: Effect, keeping kept: inout Set<String>) -> Bool {
        if case .deleted(let group, true) = effect, error.code == .notEmpty {
            // Records of the group this store has not seen remain: the group stays.
            kept.insert(group)
            state.withLock { $0.known.exists(group) }
            return true
        }
        return state.withLock { state in
            switch (effect, error.code) {
            case (.created(let path, _), .nodeExists):
                state.known.exists(path)  // Made by an earlier try whose answer was lost, or by another writer.
            case (.created(let path, _), .noNode):
                // Its group is missing after all (any other parent is part of the structure).
                guard let parent = Knowledge.parent(of: path), Knowledge.parent(of: parent) == layout.category(.versions) else {
                    return false
                }
                state.known.gone(parent)
            case (.set(let path), .noNode), (.deleted(let path, _), .noNode):
                state.known.gone(path)
            default:
                return false
            }
            return true
        }
    }
}
