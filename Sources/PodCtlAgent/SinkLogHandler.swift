import Logging
import PodCtlKit

/// Log messages of the libraries podctl uses (image store, garbage collector) as
/// `podctl: …` lines on the context's error sink, warnings and worse by default.
struct SinkLogHandler: LogHandler {
    let sink: any OutputSink
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let details = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.line("podctl: \(event.level): \(event.message)" + (details.isEmpty ? "" : " (\(details))"))
    }

    /// A logger writing to `sink`.
    static func logger(_ sink: any OutputSink, label: String, level: Logger.Level = .warning) -> Logger {
        Logger(label: label) { _ in SinkLogHandler(sink: sink, logLevel: level) }
    }
}
