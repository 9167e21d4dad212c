import Foundation
import Logging
import PodTestFixtures
import Synchronization
import ZooKeeper

enum ZK {
    static var logger: Logger {
        var logger = Logger(label: "zookeeper.test")
        logger.logLevel = .notice
        return logger
    }

    /// A connected session on `server`, through a proxy of its own (it can be expired).
    static func session(_ server: ZooKeeperServer, credentials: ZooKeeperCredentials? = nil,
                        timeout: Duration = .seconds(10)) async throws -> ZooKeeperSession {
        try await server.connect(credentials: credentials, sessionTimeout: timeout, logger: logger)
    }

    /// A top-level path no other test uses.
    static func path(_ name: String) -> String {
        "/\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The error `body` throws, or nil.
    static func error<T>(_ body: () async throws -> T) async -> ZooKeeperError? {
        do {
            _ = try await body()
            return nil
        } catch let error as ZooKeeperError {
            return error
        } catch {
            return nil
        }
    }
}

/// Consumes a stream in the background and keeps what it delivered, so a test can wait (with
/// a deadline) until the values satisfy a condition.
final class Recorder<Element: Sendable>: Sendable {
    private struct State {
        var values: [Element] = []
        var ended = false
        var error: ZooKeeperError?
    }
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Element {
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

    var values: [Element] { state.withLock { $0.values } }
    var last: Element? { values.last }
    var ended: Bool { state.withLock { $0.ended } }
    var error: ZooKeeperError? { state.withLock { $0.error } }

    /// Waits until `condition` holds over the values so far.
    func wait(_ what: String, timeout: Duration = .seconds(20),
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
    func waitForEnd(_ what: String, timeout: Duration = .seconds(20)) async throws {
        _ = try await withDeadline(timeout, what) { [self] in
            while !ended { try await Task.sleep(for: .milliseconds(20)) }
            return true
        }
    }

    func cancel() { task.withLock { $0?.cancel() } }
}
