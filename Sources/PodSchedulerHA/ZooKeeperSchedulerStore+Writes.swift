import Foundation
import PodSchedulerCore
import ZooKeeper

extension ZooKeeperSchedulerStore {
    /// One change as it will be sent: the node and what to do to it.
    struct NodeChange {
        var path: String
        /// Data to store; nil to delete.
        var data: [UInt8]?
        /// The group node to create first when it is missing (a version's pod).
        var parent: String?
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
            switch change {
            case .put(let key, let data):
                latest[path] = NodeChange(path: path, data: Array(data), parent: layout.creatableParent(key), size: Self.estimate(change))
            case .delete:
                latest[path] = NodeChange(path: path, data: nil, parent: nil, size: Self.estimate(change))
            }
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
    /// says a node does (not) exist, until it lands or the leadership is gone.
    private func transact(_ changes: [NodeChange]) async -> Result<Void, StoreError> {
        var attempts = 0
        while true {
            attempts += 1
            if let gate {
                do { try await gate.wait() } catch {
                    return .failure(StoreError(.fenced, "\(location): \(error)"))
                }
            }
            let operations = self.operations(for: changes)
            let (ops, _) = operations
            guard !ops.isEmpty else { return .success(()) }
            do {
                _ = try await session.multi((fence.map { [$0] } ?? []) + ops)
                applied(operations.effects)
                return .success(())
            } catch {
                let offset = fence == nil ? 0 : 1
                if let index = error.failedOperationIndex {
                    if index < offset {
                        return .failure(StoreError(.fenced, "\(location): the election node of this instance is gone; nothing more is written"))
                    }
                    if attempts <= 2 * changes.count + 4, correct(error, at: operations.effects[index - offset]) { continue }
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
        case created(String)
        case set(String)
        case deleted(String)
    }

    /// The operations for changes, given what is known to exist: create or set, a group made
    /// first, deletes only of nodes that exist.
    private func operations(for changes: [NodeChange]) -> (ops: [ZooKeeperOperation], effects: [Effect]) {
        let existing = state.withLock { $0.existing }
        var made = Set<String>()
        var ops: [ZooKeeperOperation] = []
        var effects: [Effect] = []
        for change in changes {
            if let data = change.data {
                if let parent = change.parent, !existing.contains(parent), !made.contains(parent) {
                    ops.append(.create(parent, data: [], mode: .persistent, acl: acl))
                    effects.append(.created(parent))
                    made.insert(parent)
                }
                if existing.contains(change.path) {
                    ops.append(.set(change.path, data: data, version: nil))
                    effects.append(.set(change.path))
                } else {
                    ops.append(.create(change.path, data: data, mode: .persistent, acl: acl))
                    effects.append(.created(change.path))
                }
            } else if existing.contains(change.path) {
                ops.append(.delete(change.path, version: nil))
                effects.append(.deleted(change.path))
            }
        }
        return (ops, effects)
    }

    private func applied(_ effects: [Effect]) {
        state.withLock { state in
            for effect in effects {
                switch effect {
                case .created(let path), .set(let path): state.existing.insert(path)
                case .deleted(let path): state.existing.remove(path)
                }
            }
        }
    }

    /// Learns from a failed operation; false when the failure is not about existence.
    private func correct(_ error: ZooKeeperError, at effect: Effect) -> Bool {
        state.withLock { state in
            switch (effect, error.code) {
            case (.created(let path), .nodeExists):
                state.existing.insert(path)  // Made by an earlier try whose answer was lost.
            case (.created(let path), .noNode):
                // Its group is missing after all.
                guard let parent = path.split(separator: "/").dropLast().joined(separator: "/").nonEmptyPath else { return false }
                state.existing.remove(parent)
            case (.set(let path), .noNode), (.deleted(let path), .noNode):
                state.existing.remove(path)
            default:
                return false
            }
            return true
        }
    }
}

private extension String {
    var nonEmptyPath: String? { isEmpty ? nil : "/" + self }
}
