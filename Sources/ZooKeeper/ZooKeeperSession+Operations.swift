import CZooKeeper

extension ZooKeeperSession {
    /// Creates `path` with `data` and returns the path created (with its sequence number for
    /// sequential modes). `acl` nil takes `defaultACL`. Fails with `NODEEXISTS`, `NONODE` (no
    /// parent), `NOAUTH`, `NOCHILDRENFOREPHEMERALS`, …
    public func create(_ path: String, data: [UInt8] = [], mode: ZooKeeperCreateMode = .persistent,
                       acl: ZooKeeperACL? = nil) async throws(ZooKeeperError) -> String {
        try check(path, "create", sequential: mode.isSequential, data: data)
        let acl = CACL(acl ?? defaultACL)
        return try await perform("create", path, decode: { reply in
            if case .path(let created) = reply { return .success(created) }
            return nil
        }) { handle, context in
            path.withCString { cPath in
                data.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { value in
                        zoo_acreate(handle, cPath, value.baseAddress, Int32(value.count), acl.vector, mode.flags, { rc, created, data in
                            CallbackTable.complete(data, rc == ZOK.rawValue ? .path(created.map { String(cString: $0) } ?? "") : .failure(rc))
                        }, context)
                    }
                }
            }
        }.get()
    }

    /// The data and stat of `path`. Fails with `NONODE`, `NOAUTH`.
    public func get(_ path: String) async throws(ZooKeeperError) -> (data: [UInt8], stat: ZooKeeperStat) {
        try await getData(path, watch: nil)
    }

    /// The data and stat of `path`, and a watch that fires at its next change or deletion.
    public func getAndWatch(_ path: String) async throws(ZooKeeperError) -> (data: [UInt8], stat: ZooKeeperStat, watch: ZooKeeperWatch) {
        let watch = ZooKeeperWatch(path: path)
        let (data, stat) = try await getData(path, watch: watch)
        return (data, stat, watch)
    }

    /// The names (not paths) of the children of `path`, in the server's order. Fails with
    /// `NONODE`, `NOAUTH`.
    public func children(_ path: String) async throws(ZooKeeperError) -> [String] {
        try await getChildren(path, watch: nil)
    }

    /// The children of `path`, and a watch that fires at the next change of the set of children
    /// (or the deletion of `path`).
    public func childrenAndWatch(_ path: String) async throws(ZooKeeperError) -> (children: [String], watch: ZooKeeperWatch) {
        let watch = ZooKeeperWatch(path: path)
        return (try await getChildren(path, watch: watch), watch)
    }

    /// The stat of `path`, or nil when there is no such node.
    public func exists(_ path: String) async throws(ZooKeeperError) -> ZooKeeperStat? {
        try await existsStat(path, watch: nil)
    }

    /// The stat of `path` (nil when absent), and a watch that fires when it is created, changed
    /// or deleted.
    public func existsAndWatch(_ path: String) async throws(ZooKeeperError) -> (stat: ZooKeeperStat?, watch: ZooKeeperWatch) {
        let watch = ZooKeeperWatch(path: path)
        return (try await existsStat(path, watch: watch), watch)
    }

    /// Replaces the data of `path` if its version is `version` (nil: any) and returns the new
    /// stat. Fails with `NONODE`, `BADVERSION`, `NOAUTH`.
    @discardableResult
    public func set(_ path: String, data: [UInt8], version: Int32? = nil) async throws(ZooKeeperError) -> ZooKeeperStat {
        try check(path, "set", data: data)
        return try await perform("set", path, decode: { reply in
            if case .stat(let stat) = reply { return .success(stat) }
            return nil
        }) { handle, context in
            path.withCString { cPath in
                data.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { value in
                        zoo_aset(handle, cPath, value.baseAddress, Int32(value.count), version ?? -1, { rc, stat, data in
                            CallbackTable.complete(data, rc == ZOK.rawValue ? stat.map { .stat(ZooKeeperStat($0.pointee)) } ?? .done : .failure(rc))
                        }, context)
                    }
                }
            }
        }.get()
    }

    /// Deletes `path` if its version is `version` (nil: any). Fails with `NONODE`,
    /// `BADVERSION`, `NOTEMPTY`, `NOAUTH`.
    public func delete(_ path: String, version: Int32? = nil) async throws(ZooKeeperError) {
        try check(path, "delete")
        try await perform("delete", path, decode: { reply in
            if case .done = reply { return .success(()) }
            return nil
        }) { handle, context in
            zoo_adelete(handle, path, version ?? -1, { rc, data in
                CallbackTable.complete(data, rc == ZOK.rawValue ? .done : .failure(rc))
            }, context)
        }.get()
    }

    /// Creates `path` and every missing parent (persistent, empty, `acl` or `defaultACL`),
    /// tolerating nodes that exist or that another client creates meanwhile.
    public func ensurePath(_ path: String, acl: ZooKeeperACL? = nil) async throws(ZooKeeperError) {
        try check(path, "ensure path")
        guard path != "/", try await exists(path) == nil else { return }
        var prefix = ""
        for segment in path.split(separator: "/") {
            prefix += "/" + segment
            // Check first: creating under a parent we may only read fails with NOAUTH even
            // when the node exists.
            if try await exists(prefix) != nil { continue }
            do {
                _ = try await create(prefix, acl: acl)
            } catch where error.code == .nodeExists {
                continue
            }
        }
    }

    // MARK: - Reads with optional watches

    private func getData(_ path: String, watch: ZooKeeperWatch?) async throws(ZooKeeperError) -> ([UInt8], ZooKeeperStat) {
        try check(path, "get")
        let token = watch.map { CallbackTable.shared.register(.init(session: core.key, watch: $0)) }
        let result: Result<([UInt8], ZooKeeperStat), ZooKeeperError> = await perform("get", path, decode: { reply in
            if case .data(let bytes, let stat) = reply { return .success((bytes, stat)) }
            return nil
        }) { handle, context in
            zoo_awget(handle, path, token == nil ? nil : { _, type, state, path, context in
                CallbackTable.watchFired(type: type, state: state, path: path, context: context)
            }, token.flatMap(Self.watchContext), { rc, value, length, stat, data in
                guard rc == ZOK.rawValue, let stat else { return CallbackTable.complete(data, .failure(rc)) }
                let bytes = value.map { value in
                    length <= 0 ? [] : value.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { Array(UnsafeBufferPointer(start: $0, count: Int(length))) }
                } ?? []
                CallbackTable.complete(data, .data(bytes, ZooKeeperStat(stat.pointee)))
            }, context)
        }
        // A failed read set no watch.
        if case .failure = result, let token { _ = CallbackTable.shared.takeWatch(token) }
        return try result.get()
    }

    private func getChildren(_ path: String, watch: ZooKeeperWatch?) async throws(ZooKeeperError) -> [String] {
        try check(path, "children")
        let token = watch.map { CallbackTable.shared.register(.init(session: core.key, watch: $0)) }
        let result: Result<[String], ZooKeeperError> = await perform("children", path, decode: { reply in
            if case .children(let names) = reply { return .success(names) }
            return nil
        }) { handle, context in
            zoo_awget_children(handle, path, token == nil ? nil : { _, type, state, path, context in
                CallbackTable.watchFired(type: type, state: state, path: path, context: context)
            }, token.flatMap(Self.watchContext), { rc, strings, data in
                guard rc == ZOK.rawValue else { return CallbackTable.complete(data, .failure(rc)) }
                var names: [String] = []
                if let strings, let items = strings.pointee.data {
                    for index in 0..<Int(strings.pointee.count) {
                        if let item = items[index] { names.append(String(cString: item)) }
                    }
                }
                CallbackTable.complete(data, .children(names))
            }, context)
        }
        if case .failure = result, let token { _ = CallbackTable.shared.takeWatch(token) }
        return try result.get()
    }

    private func existsStat(_ path: String, watch: ZooKeeperWatch?) async throws(ZooKeeperError) -> ZooKeeperStat? {
        try check(path, "exists")
        let token = watch.map { CallbackTable.shared.register(.init(session: core.key, watch: $0)) }
        let result: Result<ZooKeeperStat?, ZooKeeperError> = await perform("exists", path, decode: { reply in
            switch reply {
            case .stat(let stat): return .success(stat)
            case .failure(let rc) where rc == ZNONODE.rawValue: return .success(nil)
            default: return nil
            }
        }) { handle, context in
            zoo_awexists(handle, path, token == nil ? nil : { _, type, state, path, context in
                CallbackTable.watchFired(type: type, state: state, path: path, context: context)
            }, token.flatMap(Self.watchContext), { rc, stat, data in
                guard rc == ZOK.rawValue, let stat else { return CallbackTable.complete(data, .failure(rc)) }
                CallbackTable.complete(data, .stat(ZooKeeperStat(stat.pointee)))
            }, context)
        }
        // The server sets the watch for an existing node and for a missing one alike.
        if case .failure = result, let token { _ = CallbackTable.shared.takeWatch(token) }
        return try result.get()
    }

    private static func watchContext(_ token: UInt64) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: UInt(token))
    }

    // MARK: - Plumbing

    /// Refuses a bad path or oversized data before anything is sent.
    func check(_ path: String, _ operation: String, sequential: Bool = false, data: [UInt8] = []) throws(ZooKeeperError) {
        if let problem = ZooKeeperPath.problem(path, sequential: sequential) {
            throw ZooKeeperError(.badArguments, operation: operation, path: path, detail: problem)
        }
        if data.count > zooKeeperMaximumDataSize {
            throw ZooKeeperError(.badArguments, operation: operation, path: path,
                                 detail: "\(data.count) bytes of data exceed the limit of \(zooKeeperMaximumDataSize)")
        }
    }

    /// Makes one asynchronous C call and waits for its completion. `submit` gets the handle
    /// and the `data` to pass to C (the call's token) and returns the C call's result; `decode` turns a reply into
    /// the result (nil: the reply is a failure, reported with the operation and path).
    func perform<T: Sendable>(_ operation: String, _ path: String?, buffers: MultiBuffers? = nil,
                              decode: @escaping @Sendable (Reply) -> Result<T, ZooKeeperError>?,
                              submit: (OpaquePointer, UnsafeRawPointer?) -> Int32) async -> Result<T, ZooKeeperError> {
        let core = core
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, ZooKeeperError>, Never>) in
            let token = CallbackTable.shared.register(.init(session: core.key) { reply in
                if let decoded = decode(reply) { return continuation.resume(returning: decoded) }
                var code = ZooKeeperError.Code.marshallingError
                if case .failure(let rc) = reply { code = ZooKeeperError.Code(rawValue: rc) }
                // After the session ended, the C client refuses calls as "invalid state".
                if code == .invalidState, core.sessionState.isFinal { code = core.endCode }
                continuation.resume(returning: .failure(ZooKeeperError(code, operation: operation, path: path)))
            }, buffers: buffers)
            let data = CallbackTable.data(token)
            let rc = core.withHandle { submit($0, data) } ?? core.endCode.rawValue
            if rc != ZOK.rawValue {
                // The C client did not take the call: no completion will come.
                CallbackTable.shared.finish(token)?.deliver(.failure(rc))
            }
        }
    }
}
