/// Runs `body` and returns its result, or cancels it and throws when it has not finished
/// within `timeout`: how a test waits on an event without a bare sleep and without hanging.
public func withDeadline<T: Sendable>(_ timeout: Duration, _ what: String,
                                      _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw FixtureFailure("timed out after \(timeout) waiting for \(what)")
        }
        return value
    }
}
