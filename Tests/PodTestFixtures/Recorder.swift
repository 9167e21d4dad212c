import Synchronization
import ZooKeeper

/// Consumes a stream in the background and keeps what it delivered, so a test can wait (with
/// a deadline) until the values satisfy a condition.
public final class Recorder<Element: Sendable>: Sendable {
    private struct State {
        var values: [Element] = []
        var ended = false
        var error: ZooKeeperError?
    }
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Element {
        let task = Task { [self] in
            do {
                for try await value in sequence { state.withLock { $0.values.append(value) } }
                state.withLock { $0.ended = true }
            } catch {
                state.withLock { s in
                    s.ended = true
                    s.error = error as? ZooKeeperError
                }
            }
        }
        self.task.withLock { $0 = task }
    }

    public var values: [Element] { state.withLock { $0.values } }
    public var last: Element? { values.last }
    public var ended: Bool { state.withLock { $0.ended } }
    public var error: ZooKeeperError? { state.withLock { $0.error } }

    /// Waits until `condition` holds over the values so far.
    public func wait(_ what: String, timeout: Duration = .seconds(20),
              until condition: @escaping @Sendable ([Element]) -> Bool) async throws {
        do {
            _ = try await withDeadline(timeout, what) { [self] in
                while !condition(values) { try await Task.sleep(for: .milliseconds(20)) }
                return true
            }
        } catch is FixtureFailure {
            throw FixtureFailure("timed out after \(timeout) waiting for \(what); values: \(values)")
        }
    }

    /// Waits until the stream ended.
    public func waitForEnd(_ what: String, timeout: Duration = .seconds(20)) async throws {
        _ = try await withDeadline(timeout, what) { [self] in
            while !ended { try await Task.sleep(for: .milliseconds(20)) }
            return true
        }
    }

    public func cancel() { task.withLock { $0?.cancel() } }
}
