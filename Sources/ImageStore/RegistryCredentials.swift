import Crypto
import Foundation

/// Per-registry credentials parsed from a Docker `config.json` (the `pullConfig` secret).
///
/// Rules (image-pull.md §1.5):
/// - Both `{"auths": {...}}` and the legacy `~/.dockercfg` map are accepted.
/// - Keys are normalised like Docker's `ConvertToHostname`: `http://`/`https://` stripped, a
///   trailing `/v1/` or `/v2/` dropped. `host:port/path` keys (a containers/image extension)
///   apply to repositories under that path; the longest match wins. The port is part of the key.
/// - `docker.io`, `index.docker.io` and `registry-1.docker.io` (and the conventional
///   `https://index.docker.io/v1/`) are one host. Hosts are compared exactly, never by
///   substring (unlike Mesos' `strings::contains(…, "docker.io")`).
/// - `auth` is base64 `user:password`, split at the first `:`; trailing NULs are stripped from
///   the password. `identitytoken` is an OAuth2 refresh token, `registrytoken` a bearer token
///   sent as is. `email` is ignored.
/// - Stand-alone `username`/`password` fields are **accepted** when there is no `auth` (Docker
///   CLI ignores them; accepting them is harmless and helps hand-written secrets). `auth` wins.
/// - `credsStore`/`credHelpers` name host programs; they are never executed, only reported in
///   ``warnings``.
///
/// The type never prints secrets: `description` lists registry keys only.
public struct RegistryCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// One registry's secret material.
    struct Entry: Sendable, Equatable {
        var username: String?
        var password: String?
        var identityToken: String?
        var registryToken: String?

        var isEmpty: Bool { username == nil && identityToken == nil && registryToken == nil }

        /// A stable, non-reversible identity for caches (SHA-256 of the secret material).
        var identity: String {
            var hasher = SHA256()
            for part in [username, password, identityToken, registryToken] {
                hasher.update(data: Data((part ?? "\u{0}").utf8))
                hasher.update(data: Data([0xff]))
            }
            return hasher.finalize().prefix(12).map { String(format: "%02x", $0) }.joined()
        }
    }

    /// Normalised key (`host[:port]` or `host[:port]/path`) to entry.
    let entries: [String: Entry]
    /// Things that were ignored on purpose (`credsStore`, `credHelpers`, entries without a secret).
    public let warnings: [String]

    /// Parses a Docker `config.json` (or legacy `.dockercfg`) blob.
    public init(dockerConfig: Data) throws(ImageStoreError) {
        guard dockerConfig.count <= 1 << 20 else {
            throw ImageStoreError(.invalidCredentials, "pull secret is larger than 1 MiB")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: dockerConfig)
        } catch {
            // Never echo the content: it is a secret.
            throw ImageStoreError(.invalidCredentials, "pull secret is not valid JSON (\(dockerConfig.count) bytes)")
        }
        guard let root = object as? [String: Any] else {
            throw ImageStoreError(.invalidCredentials, "pull secret is not a JSON object")
        }
        var warnings: [String] = []
        let auths: [String: Any]
        if let wrapped = root["auths"] {
            guard let map = wrapped as? [String: Any] else {
                throw ImageStoreError(.invalidCredentials, "pull secret: \"auths\" is not an object")
            }
            auths = map
            if root["credsStore"] != nil { warnings.append("credsStore is ignored: credential helpers are never executed") }
            if root["credHelpers"] != nil { warnings.append("credHelpers is ignored: credential helpers are never executed") }
        } else {
            auths = root  // legacy .dockercfg
        }
        var entries: [String: Entry] = [:]
        for (key, value) in auths {
            guard let fields = value as? [String: Any] else {
                warnings.append("entry '\(Self.normalize(key: key))' is not an object; ignored")
                continue
            }
            var entry = Entry()
            if let auth = fields["auth"] as? String, !auth.isEmpty {
                guard let decoded = Data(base64Encoded: auth.trimmingCharacters(in: .whitespacesAndNewlines)),
                      let text = String(data: decoded, encoding: .utf8),
                      let colon = text.firstIndex(of: ":")
                else {
                    throw ImageStoreError(.invalidCredentials,
                                          "pull secret: \"auth\" of '\(Self.normalize(key: key))' is not base64 of user:password")
                }
                entry.username = String(text[..<colon])
                var password = String(text[text.index(after: colon)...])
                while password.hasSuffix("\u{0}") { password.removeLast() }
                entry.password = password
            } else if let username = fields["username"] as? String, let password = fields["password"] as? String {
                entry.username = username
                entry.password = password
            }
            if let token = fields["identitytoken"] as? String, !token.isEmpty { entry.identityToken = token }
            if let token = fields["registrytoken"] as? String, !token.isEmpty { entry.registryToken = token }
            let normalized = Self.normalize(key: key)
            if entry.isEmpty {
                warnings.append("entry '\(normalized)' has no usable credentials; ignored")
                continue
            }
            entries[normalized] = entry
        }
        self.entries = entries
        self.warnings = warnings
    }

    /// Credentials for one registry given directly (tests, the agent's own default).
    public static func basic(registry: String, username: String, password: String) -> RegistryCredentials {
        RegistryCredentials(entries: [normalize(key: registry): Entry(username: username, password: password)], warnings: [])
    }

    init(entries: [String: Entry], warnings: [String]) {
        self.entries = entries
        self.warnings = warnings
    }

    /// The registries (normalised keys) this secret has credentials for.
    public var registries: [String] { entries.keys.sorted() }

    /// The entry for `registry` (normalised reference registry, for example `docker.io`) and
    /// `repository`: the longest `host/path` key that is a path prefix of the repository, else
    /// the plain host key.
    func entry(registry: String, repository: String) -> Entry? {
        let host = Self.canonicalHost(registry)
        var best: (length: Int, entry: Entry)?
        for (key, entry) in entries {
            let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let keyHost = parts.first, String(keyHost) == host else { continue }
            if parts.count == 1 {
                if best == nil { best = (0, entry) }
                continue
            }
            let path = String(parts[1])
            if repository == path || repository.hasPrefix(path + "/"), path.count > (best?.length ?? -1) {
                best = (path.count, entry)
            }
        }
        return best?.entry
    }

    /// `ConvertToHostname` plus Docker Hub aliases; keeps a repository path if one is given.
    static func normalize(key: String) -> String {
        var text = key.trimmingCharacters(in: .whitespaces)
        for scheme in ["https://", "http://"] where text.lowercased().hasPrefix(scheme) {
            text = String(text.dropFirst(scheme.count))
        }
        var parts = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let first = parts.first else { return "" }
        let host = canonicalHost(first)
        parts.removeFirst()
        if parts == ["v1"] || parts == ["v2"] || parts.isEmpty { return host }
        return ([host] + parts).joined(separator: "/")
    }

    static func canonicalHost(_ host: String) -> String {
        let lower = host.lowercased()
        return ImageReference.dockerHubAliases.contains(lower) ? ImageReference.dockerHub : lower
    }

    public var description: String {
        "RegistryCredentials(registries: \(registries), secrets redacted)"
    }

    public var debugDescription: String { description }
}
