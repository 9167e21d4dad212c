import PodSystem
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Downloads one HTTP(S) URL to a file with curl. The URL (with any credentials) reaches
/// curl on standard input as a config file, never on the command line where other users
/// could read it. The size limit holds during the transfer: curl refuses a larger
/// `Content-Length`, and `RLIMIT_FSIZE` stops a body that grows past it.
struct HTTPDownloader: Sendable {
    let curlPath: String
    let shellPath: String
    let environment: [String]
    let maxBytes: Int64
    let timeout: Duration
    let stallTimeout: Duration

    func download(url: String, redacted: String, to destination: String) async throws(FetchError) {
        let config = [
            "url = \(Self.quote(url))",
            "output = \(Self.quote(destination))",
            "fail", "location", "globoff", "silent", "show-error",
            "max-redirs = 10",
            "proto = \"=http,https\"",
            "proto-redir = \"=http,https\"",
            "max-filesize = \(maxBytes)",
            "connect-timeout = 30",
            "max-time = \(max(1, timeout.components.seconds))",
            // Mesos' stall timeout: abort when less than 1 byte/s arrives for this long.
            "speed-limit = 1",
            "speed-time = \(max(1, stallTimeout.components.seconds))",
            "write-out = \"%{http_code}\"",
        ].joined(separator: "\n") + "\n"
        // `ulimit -f` counts 512-byte blocks in POSIX shells (dash).
        let blocks = (maxBytes + 511) / 512 + 1
        let script = "ulimit -f \"$1\" || exit 97; shift; exec \"$@\""
        let output: Subprocess.Output
        do {
            output = try await Subprocess.run(shellPath, arguments: ["sh", "-c", script, "sh", "\(blocks)", curlPath, "--config", "-"],
                                              environment: environment, input: Array(config.utf8), outputLimit: 64 << 10,
                                              timeout: timeout + .seconds(30))
        } catch {
            throw FetchError(.fetchFailed, "failed to fetch '\(redacted)': cannot run curl: \(error)", cause: error)
        }
        let status = output.stdoutText.trimmingWhitespaceAndNewlines()
        switch output.termination {
        case .exited(0):
            guard status == "200" else {
                throw FetchError(.fetchFailed, "failed to fetch '\(redacted)': HTTP status \(status), expected 200")
            }
        case .exited(22):
            throw FetchError(.fetchFailed, "failed to fetch '\(redacted)': HTTP status \(status)")
        case .exited(63), .signaled(SIGXFSZ):
            throw FetchError(.sizeLimitExceeded, "failed to fetch '\(redacted)': larger than the limit of \(maxBytes) bytes")
        case .exited(28):
            throw FetchError(.fetchFailed, "failed to fetch '\(redacted)': timed out or stalled")
        case .signaled(SIGKILL):
            throw FetchError(.fetchFailed, "failed to fetch '\(redacted)': did not finish within \(timeout)")
        case .exited(97):
            throw FetchError(.fetchFailed, "failed to fetch '\(redacted)': cannot set the file size limit")
        default:
            let detail = Self.scrub(output.stderrText, url: url, redacted: redacted)
            throw FetchError(.fetchFailed, "failed to fetch '\(redacted)': curl \(output.termination)"
                                     + (detail.isEmpty ? "" : ": \(detail)"))
        }
    }

    /// A curl config-file string.
    static func quote(_ text: String) -> String {
        "\"" + text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }

    /// curl's message without the URL or its credentials, bounded.
    static func scrub(_ text: String, url: String, redacted: String) -> String {
        var result = text.replacingAll(url, with: redacted)
        if let schemeEnd = url.firstRange(of: "://") {
            let afterScheme = url[schemeEnd.upperBound...]
            let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                let secret = userInfo.firstIndex(of: ":").map { String(userInfo[userInfo.index(after: $0)...]) } ?? String(userInfo)
                if !secret.isEmpty { result = result.replacingAll(secret, with: "***") }
            }
        }
        result = result.trimmingWhitespaceAndNewlines()
        return result.count > 500 ? String(result.prefix(500)) + "…" : result
    }
}
