import Foundation
import Logging
import MasterDetection
import MesosProtocol
import PodTestFixtures
import ZooKeeper

enum Detection {
    /// Runs a test's body, then stops `detector` and closes `writer` whether it threw or not.
    static func stopping(_ detector: MasterDetector, _ writer: ZooKeeperSession,
                         _ body: () async throws -> Void) async throws {
        let outcome: Result<Void, any Error>
        do { try await body(); outcome = .success(()) } catch { outcome = .failure(error) }
        await detector.stop()
        await writer.close()
        try outcome.get()
    }

    /// A group path no other test uses.
    static func path(_ name: String) -> String {
        "/\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func url(_ server: ZooKeeperServer, _ path: String, credentials: String? = nil) throws -> ZooKeeperURL {
        try ZooKeeperURL("zk://\(credentials.map { $0 + "@" } ?? "")127.0.0.1:\(server.port)\(path)")
    }

    /// Sessions through the fixture's proxies, so that a test can cut off or expire them.
    static func connector(_ server: ZooKeeperServer) -> MasterDetector.Connector {
        { configuration in
            try await server.connect(credentials: configuration.credentials, sessionTimeout: configuration.sessionTimeout,
                                     logger: configuration.logger)
        }
    }

    /// A started detector of the group at `path`.
    static func detector(_ server: ZooKeeperServer, _ path: String, credentials: String? = nil, scheme: String = "http",
                         sessionTimeout: Duration = .seconds(10), logger: Logger = quietLogger) async throws -> MasterDetector {
        var configuration = MasterDetector.Configuration(url: try url(server, path, credentials: credentials), scheme: scheme,
                                                         sessionTimeout: sessionTimeout, logger: logger, connect: connector(server))
        configuration.retryDelay = .milliseconds(100)
        let detector = MasterDetector(configuration: configuration)
        await detector.start()
        return detector
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "master-detection.test")
        logger.logLevel = .critical
        return logger
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A MasterInfo as a master at `ip:port` writes it.
    static func info(id: String, ip: String, port: Int) -> Mesos_V1_MasterInfo {
        var info = Mesos_V1_MasterInfo()
        info.id = id
        info.ip = MasterInfoCodec.packedIPv4(ip) ?? 0
        info.port = UInt32(port)
        info.pid = "master@\(ip):\(port)"
        info.hostname = ip
        info.version = "1.12.0"
        info.address.hostname = ip
        info.address.ip = ip
        info.address.port = Int32(port)
        return info
    }
}

extension MasterDetectorEvent {
    /// `host:port` of the leader, `none`, or `unreadable: <reason>`.
    var summary: String {
        switch self {
        case .leader(let master): "\(master.endpoint)"
        case .noLeader: "none"
        case .unreadable(_, let reason): "unreadable: \(reason)"
        }
    }
}
