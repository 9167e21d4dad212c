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
