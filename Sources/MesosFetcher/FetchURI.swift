
/// An artifact URI (`CommandInfo.URI.value`) classified the way the Mesos fetcher does:
/// `http(s)://` is downloaded, `file://` and absolute paths are copied; relative paths
/// (Mesos' `--frameworks_home`) and other schemes are refused.
///
/// ``redacted`` is the only form that may appear in logs and errors: a password in the
/// user info becomes `***` (a lone user name too, as it may be a token), and so do query
/// values whose names look like credentials (pre-signed URLs).
public struct FetchURI: Sendable, Equatable {
    /// Where the content comes from.
    public enum Source: Sendable, Equatable {
        /// An HTTP or HTTPS URL, credentials included (they are given to curl on standard input).
        case http(url: String)
        /// A local file.
        case local(path: String)
    }

    /// The source.
    public let source: Source
    /// The URI with credentials hidden.
    public let redacted: String
    /// The file name the URI ends in, if it names one.
    public let basename: String?

    /// Parses and checks a URI.
    public init(_ value: String) throws(FetchError) {
        // Mesos trims leading white space.
        let text = String(value.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        let redacted = Self.redact(text)
        self.redacted = redacted
        guard !text.isEmpty else { throw FetchError(.fetchFailed, "cannot fetch an empty URI") }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\\" || $0 == "'" }) {
            throw FetchError(.fetchFailed, "cannot fetch '\(redacted)': the URI contains illegal characters")
        }
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            let afterScheme = text[text.index(text.startIndex, offsetBy: lower.hasPrefix("http://") ? 7 : 8)...]
            let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
            let host = afterScheme[..<authorityEnd].split(separator: "@").last ?? ""
            guard !host.isEmpty else { throw FetchError(.fetchFailed, "cannot fetch '\(redacted)': the URL has no host") }
            let pathAndMore = afterScheme[authorityEnd...]
            let path = pathAndMore.prefix { $0 != "?" && $0 != "#" }
            source = .http(url: text)
            basename = Self.lastComponent(String(path))
        } else if lower.hasPrefix("file://") {
            var path = String(text.dropFirst(7))
            if path.lowercased().hasPrefix("localhost/") { path = String(path.dropFirst(9)) }
            guard path.hasPrefix("/") else {
                throw FetchError(.fetchFailed,
                                         "cannot fetch '\(redacted)': a file URI must name an absolute path on this host")
            }
            source = .local(path: path)
            basename = Self.lastComponent(path)
        } else if text.hasPrefix("/") {
            source = .local(path: text)
            basename = Self.lastComponent(text)
        } else if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }),
                  text[colon...].hasPrefix("://") {
            throw FetchError(.fetchFailed,
                                     "cannot fetch '\(redacted)': the scheme '\(text[..<colon])' is not supported (http, https, file or an absolute path)")
        } else {
            throw FetchError(.fetchFailed,
                                     "cannot fetch '\(redacted)': a relative path needs Mesos' frameworks home, which is not supported; use an absolute path or a URL")
        }
    }

    /// The last path component, or nil for a directory-like path (`/`, `x/`, `.`, `..`).
    static func lastComponent(_ path: String) -> String? {
        guard !path.hasSuffix("/"), let last = path.split(separator: "/").last, last != ".", last != ".." else { return nil }
        return String(last)
    }

    /// Hides user info and credential-like query values.
    static func redact(_ text: String) -> String {
        var result = text
        if let schemeEnd = text.firstRange(of: "://") {
            let afterScheme = text[schemeEnd.upperBound...]
            let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
            let authority = afterScheme[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                let shown = userInfo.firstIndex(of: ":").map { String(userInfo[..<$0]) + ":***" } ?? "***"
                result = String(text[..<schemeEnd.upperBound]) + shown + String(text[at...])
            }
        }
        guard let question = result.firstIndex(of: "?") else { return result }
        let fragmentStart = result[question...].firstIndex(of: "#") ?? result.endIndex
        let query = result[result.index(after: question)..<fragmentStart]
        let secretWords = ["sig", "signature", "token", "secret", "password", "passwd", "credential", "auth", "key"]
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "=") else { return String(parameter) }
            let name = parameter[..<equals].lowercased()
            return secretWords.contains(where: { name.contains($0) }) ? String(parameter[...equals]) + "***" : String(parameter)
        }
        return String(result[...question]) + parameters.joined(separator: "&") + String(result[fragmentStart...])
    }
}
