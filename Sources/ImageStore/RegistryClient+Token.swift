import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Primitives

extension RegistryClient {
    /// The token server's answer (image-pull.md §1.3): `token` or `access_token`,
    /// `expires_in` (default 60 s), optional `issued_at`.
    private struct TokenReply: Decodable {
        var token: String?
        var access_token: String?
        var expires_in: Double?
        var issued_at: String?
    }

    /// A bearer token for `scope`, from the cache or the realm.
    ///
    /// - With an `identitytoken`: OAuth2 `POST` (`grant_type=refresh_token`); falls back to `GET`
    ///   if the server answers 404/405.
    /// - Otherwise `GET realm?service=…&scope=…`, with Basic credentials if we have a username
    ///   and password, anonymously if not.
    /// Credentials go to a plain-HTTP realm only if that host is allowed plain HTTP.
    func bearerToken(realm: String, service: String, scope: String, entry: RegistryCredentials.Entry?,
                     ref: ImageReference) async throws(ImageStoreError) -> String
    {
        let identity = entry?.identity ?? "anonymous"
        if let cached = await cache.token(realm: realm, service: service, scope: scope, identity: identity) {
            return cached
        }
        guard let realmURL = URL(string: realm), let scheme = realmURL.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = realmURL.host
        else {
            throw ImageStoreError(.network, "pull of \(ref) failed: token realm '\(Self.redacted(realm))' is not an http(s) URL")
        }
        let hasSecret = entry?.identityToken != nil || entry?.password != nil
        if hasSecret, scheme == "http" {
            let authority = realmURL.port.map { "\(host):\($0)" } ?? host
            guard configuration.usesPlainHTTP(authority) || configuration.isLoopbackHost(host) else {
                throw ImageStoreError(.policy,
                                      "pull of \(ref): token realm \(Self.redacted(realm)) is plain HTTP; refusing to send credentials")
            }
        }
        let started = Date()
        var reply: Response?
        if let refresh = entry?.identityToken {
            let form = [("grant_type", "refresh_token"), ("refresh_token", refresh), ("service", service),
                        ("scope", scope), ("client_id", "mesos-pods")]
                .map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
            let answer = try await execute(.POST, url: realm, accept: "application/json", authorization: nil,
                                           authorizedOrigin: nil, timeout: configuration.requestTimeoutSeconds, ref: ref,
                                           body: Array(form.utf8), contentType: "application/x-www-form-urlencoded")
            if answer.response.status.code != 404, answer.response.status.code != 405 {
                reply = answer
            }
        }
        if reply == nil {
            var components = URLComponents(string: realm)
            var items = components?.queryItems ?? []
            if !service.isEmpty { items.append(URLQueryItem(name: "service", value: service)) }
            items.append(URLQueryItem(name: "scope", value: scope))
            components?.queryItems = items
            guard let url = components?.string else {
                throw ImageStoreError(.network, "pull of \(ref) failed: cannot build token URL from realm \(Self.redacted(realm))")
            }
            var authorization: String?
            if let username = entry?.username, let password = entry?.password {
                authorization = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
            }
            reply = try await execute(.GET, url: url, accept: "application/json", authorization: authorization,
                                      authorizedOrigin: Self.origin(realm), timeout: configuration.requestTimeoutSeconds, ref: ref)
        }
        guard let reply else { throw ImageStoreError(.network, "pull of \(ref) failed: no token reply") }
        let status = reply.response.status
        guard (200..<300).contains(status.code) else {
            let detail = await errorDetail(reply.response)
            let code: ImageStoreError.Code = status.code == 401 ? .unauthorized : (status.code == 403 ? .denied : .network)
            let verb = status.code == 401 ? "unauthorized" : (status.code == 403 ? "denied" : "failed")
            throw ImageStoreError(code, "pull of \(ref) \(verb): token server answered \(Self.statusText(status)) for \(Self.redacted(realm))\(detail)")
        }
        let bytes = try await collect(reply.response, limit: configuration.maxAuxiliaryBodyBytes, what: "token reply", ref: ref)
        guard let decoded = try? JSONDecoder().decode(TokenReply.self, from: Data(bytes)),
              let token = decoded.token ?? decoded.access_token, !token.isEmpty
        else {
            throw ImageStoreError(.network, "pull of \(ref) failed: token server \(Self.redacted(realm)) sent no token")
        }
        let lifetime = max(decoded.expires_in ?? 60, 0)
        var issued = started
        if let text = decoded.issued_at, let parsed = Self.parseRFC3339(text), parsed <= Date() { issued = parsed }
        let expires = issued.addingTimeInterval(lifetime - min(10, lifetime / 4))
        await cache.store(token: token, expires: expires, realm: realm, service: service, scope: scope, identity: identity)
        return token
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// An RFC 3339 time (`expires_at`; every RFC 3339 time is one of the ISO-8601 forms
    /// ``Timestamp`` reads).
    static func parseRFC3339(_ text: String) -> Date? {
        Timestamp(iso8601: text)?.date
    }
}
