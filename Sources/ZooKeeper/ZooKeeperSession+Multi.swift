import CZooKeeper
#if canImport(Glibc)
import Glibc
#endif

extension ZooKeeperSession {
    /// Runs `operations` as one atomic transaction: all are applied or none. Returns one result
    /// per operation. When one fails, the error has its code, its path and its index
    /// (`failedOperationIndex`), and nothing changed. A `check` of the writer's own ephemeral
    /// election node fences a write: once that node is gone (the session expired, or the
    /// writer abdicated) the transaction fails with `NONODE`.
    public func multi(_ operations: [ZooKeeperOperation]) async throws(ZooKeeperError) -> [ZooKeeperOperationResult] {
        guard !operations.isEmpty else { return [] }
        var total = 0
        for operation in operations {
            var data: [UInt8] = []
            var sequential = false
            if case .create(_, let bytes, let mode, _) = operation { (data, sequential) = (bytes, mode.isSequential) }
            if case .set(_, let bytes, _) = operation { data = bytes }
            try check(operation.path, "multi \(operation.name)", sequential: sequential, data: data)
            total += data.count
        }
        guard total <= zooKeeperMaximumDataSize else {
            throw ZooKeeperError(.badArguments, operation: "multi",
                                 detail: "\(total) bytes of data exceed the limit of \(zooKeeperMaximumDataSize)")
        }
        let buffers = MultiBuffers(operations, defaultACL: defaultACL)
        return try await perform("multi", nil, buffers: buffers, decode: { reply in
            switch reply {
            case .done: return .success(buffers.decodedResults())
            case .failure(let rc): return .failure(buffers.error(rc))
            default: return nil
            }
        }) { handle, context in
            // Apache's C client (3.8, `zoo_amulti`) mishandles a multi it refuses because the
            // session ended: after the first operation's request fails to initialise, it frees
            // the uninitialised request path of every later operation, that is, a path pointer of
            // ours (the stack slot still holds it), once per operation. So a multi on a dead
            // session is refused here; for the instant in which the session may end between
            // this check and the C client's own, the paths are never freed after a refusal.
            let state = zoo_state(handle)
            if state == ZOO_EXPIRED_SESSION_STATE { return ZSESSIONEXPIRED.rawValue }
            if state == ZOO_AUTH_FAILED_STATE { return ZAUTHFAILED.rawValue }
            guard state >= 0 else { return ZINVALIDSTATE.rawValue }
            let rc = zoo_amulti(handle, Int32(buffers.count), buffers.ops, buffers.results, { rc, data in
                CallbackTable.complete(data, rc == ZOK.rawValue ? .done : .failure(rc))
            }, context)
            if rc != ZOK.rawValue { buffers.keepPaths() }
            return rc
        }.get()
    }
}

/// The C memory of one `multi`: the operations and what the C client writes the results into,
/// kept until the call's completion has run (the C client writes results up to then).
final class MultiBuffers: @unchecked Sendable {
    // Safe: filled before the call is submitted, then written only by the C client until the
    // call's single completion, and read only by that completion; `pathsMayBeFreed` is set by
    // the submitting call before it returns, when no completion will come.
    let operations: [ZooKeeperOperation]
    var count: Int { operations.count }
    let ops: UnsafeMutablePointer<zoo_op_t>
    let results: UnsafeMutablePointer<zoo_op_result_t>
    private let stats: UnsafeMutablePointer<Stat>
    private var allocations: [UnsafeMutableRawPointer] = []
    /// The operations' paths (also in `allocations`).
    private var paths: Set<UnsafeMutableRawPointer> = []
    /// Set when the C client refused the call: it may have freed paths (see `multi`).
    private var pathsMayBeFreed = false
    private var acls: [CACL] = []

    init(_ operations: [ZooKeeperOperation], defaultACL: ZooKeeperACL) {
        self.operations = operations
        ops = .allocate(capacity: operations.count)
        ops.initialize(repeating: zoo_op_t(), count: operations.count)
        results = .allocate(capacity: operations.count)
        results.initialize(repeating: zoo_op_result_t(), count: operations.count)
        stats = .allocate(capacity: operations.count)
        stats.initialize(repeating: Stat(), count: operations.count)
        for (index, operation) in operations.enumerated() {
            let op = ops + index
            switch operation {
            case .create(let path, let data, let mode, let acl):
                let cACL = CACL(acl ?? defaultACL)
                acls.append(cACL)
                // Room for the created name: the path, a 10-digit sequence and a sign.
                let capacity = path.utf8.count + 16
                let name = allocate(capacity)
                zoo_create_op_init(op, string(path), bytes(data), Int32(data.count), cACL.vector, mode.flags,
                                   name.assumingMemoryBound(to: CChar.self), Int32(capacity))
            case .set(let path, let data, let version):
                zoo_set_op_init(op, string(path), bytes(data), Int32(data.count), version ?? -1, stats + index)
            case .delete(let path, let version):
                zoo_delete_op_init(op, string(path), version ?? -1)
            case .check(let path, let version):
                zoo_check_op_init(op, string(path), version ?? -1)
            }
        }
    }

    deinit {
        for allocation in allocations where !(pathsMayBeFreed && paths.contains(allocation)) { free(allocation) }
        ops.deallocate()
        results.deallocate()
        stats.deallocate()
    }

    /// Leaks the operations' paths (a few bytes each) rather than risk freeing one twice.
    func keepPaths() {
        pathsMayBeFreed = true
    }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let memory = calloc(1, max(size, 1))!
        allocations.append(memory)
        return memory
    }

    private func string(_ s: String) -> UnsafePointer<CChar> {
        let utf8 = Array(s.utf8)
        let memory = allocate(utf8.count + 1)
        memory.copyMemory(from: utf8, byteCount: utf8.count)
        paths.insert(memory)
        return UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
    }

    private func bytes(_ data: [UInt8]) -> UnsafePointer<CChar> {
        let memory = allocate(data.count)
        memory.copyMemory(from: data, byteCount: data.count)
        return UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
    }

    /// The results of a transaction that succeeded.
    func decodedResults() -> [ZooKeeperOperationResult] {
        operations.enumerated().map { index, operation in
            switch operation {
            case .create: .created(results[index].value.map { String(cString: $0) } ?? operation.path)
            case .set: .set(ZooKeeperStat(stats[index]))
            case .delete: .deleted
            case .check: .checked
            }
        }
    }

    /// The error of a transaction that failed with `rc`: which operation failed and why. The
    /// server reports OK for the operations before the failed one and RUNTIMEINCONSISTENCY for
    /// those after it; when the whole call failed (the connection or session went), no
    /// operation is to blame.
    func error(_ rc: Int32) -> ZooKeeperError {
        let code = ZooKeeperError.Code(rawValue: rc)
        let callFailures: Set<ZooKeeperError.Code> = [.connectionLoss, .operationTimeout, .sessionExpired, .closing,
                                                      .invalidState, .sessionMoved, .marshallingError, .authFailed]
        if !callFailures.contains(code),
           let index = (0..<count).first(where: { results[$0].err != ZOK.rawValue && results[$0].err != ZRUNTIMEINCONSISTENCY.rawValue }) {
            let operation = operations[index]
            return ZooKeeperError(ZooKeeperError.Code(rawValue: results[index].err), operation: "multi", path: operation.path,
                                  detail: "operation \(index) (\(operation.name)) failed; nothing was applied",
                                  failedOperationIndex: index)
        }
        return ZooKeeperError(code, operation: "multi", detail: "\(count) operations; nothing was applied")
    }
}

/// A C `ACL_vector` and its strings, freed with the object.
final class CACL {
    let vector: UnsafeMutablePointer<ACL_vector>
    private let entries: UnsafeMutablePointer<ACL>

    init(_ acl: ZooKeeperACL) {
        entries = .allocate(capacity: max(acl.entries.count, 1))
        for (index, entry) in acl.entries.enumerated() {
            (entries + index).initialize(to: ACL(perms: entry.permissions.rawValue,
                                                 id: Id(scheme: strdup(entry.scheme), id: strdup(entry.id))))
        }
        vector = .allocate(capacity: 1)
        vector.initialize(to: ACL_vector(count: Int32(acl.entries.count), data: entries))
    }

    deinit {
        for index in 0..<Int(vector.pointee.count) {
            free(entries[index].id.scheme)
            free(entries[index].id.id)
        }
        entries.deallocate()
        vector.deallocate()
    }
}
