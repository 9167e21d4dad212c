import Foundation
import PodSystem

/// The part of the Mesos fetcher the agent needs for executors: `CommandInfo.uris`
/// fetched into the sandbox (local paths, `file://` and `http(s)://` URIs), extracted
/// when they are archives and `extract` is set, made executable when asked.
struct ExecutorFetcher: Sendable {
    let cacheDirectory: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func fetch(uri: String, into sandbox: String, extract: Bool, executable: Bool, outputFile: String?) async throws {
        let name = outputFile ?? (uri.split(separator: "/").last.map(String.init) ?? "download")
        guard !name.contains(".."), !name.hasPrefix("/") else { throw Failure(description: "invalid output file '\(name)'") }
        let target = sandbox + "/" + name
        let localSource: String?
        if uri.hasPrefix("file://") {
            localSource = String(uri.dropFirst("file://".count))
        } else if uri.hasPrefix("/") {
            localSource = uri
        } else {
            localSource = nil
        }
        if let localSource {
            guard FileManager.default.fileExists(atPath: localSource) else { throw Failure(description: "\(Self.redact(uri)) does not exist") }
            try? FileManager.default.removeItem(atPath: target)
            do { try FileManager.default.copyItem(atPath: localSource, toPath: target) } catch {
                throw Failure(description: "cannot copy \(Self.redact(uri)): \(error)")
            }
        } else if uri.hasPrefix("http://") || uri.hasPrefix("https://") {
            let output = try await Subprocess.run("/usr/bin/curl", arguments: ["curl", "-fsSL", "-o", target, uri], environment: [],
                                                  timeout: .seconds(600))
            guard output.succeeded else { throw Failure(description: "cannot download \(Self.redact(uri)): \(output.stderrText)") }
        } else {
            throw Failure(description: "unsupported URI scheme: \(Self.redact(uri))")
        }
        if extract && (name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") || name.hasSuffix(".tar") || name.hasSuffix(".tar.xz")) {
            let output = try await Subprocess.run("/bin/tar", arguments: ["tar", "-C", sandbox, "-xf", target], environment: [])
            guard output.succeeded else { throw Failure(description: "cannot extract \(name): \(output.stderrText)") }
        } else if executable {
            chmod(target, 0o755)
        }
    }

    /// URIs may carry credentials (`https://user:pass@host/…`): never print them.
    static func redact(_ uri: String) -> String {
        guard let scheme = uri.range(of: "://"), let at = uri[scheme.upperBound...].firstIndex(of: "@") else { return uri }
        let slash = uri[scheme.upperBound...].firstIndex(of: "/") ?? uri.endIndex
        guard at < slash else { return uri }
        return String(uri[..<scheme.upperBound]) + "***@" + String(uri[uri.index(after: at)...])
    }
}
