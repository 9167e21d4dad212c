import CZooKeeper
import Logging
import Synchronization

/// The C client's log lines, into swift-log. The C client's log callback has no context, so
/// the lines of every session of the process go to the logger of the latest `connect`.
/// The C client logs no credentials or session passwords (it prints `<hidden>`), and no
/// node data.
enum ClientLog {
    private static let logger = Mutex<Logger?>(nil)

    /// Uses `logger` for the client's lines and sets the C client's (process-wide) level so
    /// that lines `logger` would drop are not even formatted.
    static func configure(_ logger: Logger) {
        self.logger.withLock { $0 = logger }
        let level: ZooLogLevel
        switch logger.logLevel {
        case .trace: level = ZOO_LOG_LEVEL_DEBUG
        case .debug: level = ZOO_LOG_LEVEL_INFO
        case .info, .notice: level = ZOO_LOG_LEVEL_WARN
        case .warning, .error, .critical: level = ZOO_LOG_LEVEL_ERROR
        }
        zoo_set_debug_level(level)
    }

    /// One formatted line of the C client:
    /// `<time>:<pid>(0x<thread>):ZOO_<LEVEL>@<function>@<line>: <message>`.
    /// The C client's ERROR and WARN lines are mostly connection attempts it retries while the
    /// session is disconnected (which the session itself logs once, as a warning): notice and
    /// info. Its INFO lines are routine (debug).
    static func emit(_ line: UnsafePointer<CChar>?) {
        guard let line, let logger = logger.withLock({ $0 }) else { return }
        let text = String(cString: line)
        let parsed = parse(text)
        var metadata: Logger.Metadata = ["zk.client.message": "\(parsed.message)"]
        if let function = parsed.function { metadata["zk.client.function"] = "\(function)" }
        logger.log(level: parsed.level, "ZooKeeper client", metadata: metadata)
    }

    static func parse(_ text: String) -> (level: Logger.Level, function: String?, message: String) {
        let utf8 = Array(text.utf8)
        let marker = Array(":ZOO_".utf8)
        guard let start = (0...max(0, utf8.count - marker.count)).first(where: { utf8[$0...].starts(with: marker) }) else {
            return (.debug, nil, text)
        }
        let rest = String(decoding: utf8[(start + marker.count)...], as: UTF8.self)
        let fields = rest.split(separator: "@", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let space = fields[2].firstIndex(of: " "), space > fields[2].startIndex,
              fields[2][fields[2].index(before: space)] == ":" else { return (.debug, nil, text) }
        let level: Logger.Level
        switch fields[0] {
        case "ERROR": level = .notice
        case "WARN": level = .info
        case "INFO": level = .debug
        default: level = .trace
        }
        var message = String(fields[2][fields[2].index(after: space)...])
        while message.last?.isNewline == true { message.removeLast() }
        return (level, String(fields[1]), message)
    }
}
