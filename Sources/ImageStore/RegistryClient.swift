import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A Docker Registry HTTP API v2 / OCI distribution client on AsyncHTTPClient.
///
/// - Pings `/v2/` once per registry to learn the scheme (none, Basic, Bearer realm/service).
/// - Basic credentials go only to the registry they belong to; Bearer credentials only to the
///   token realm its challenge names. Tokens are cached per (realm, service, scope, credential
///   identity). A `401` or `insufficient_scope` gets one retry with a fresh token, never a loop.
/// - Redirects are followed here (the `HTTPClient` should be created with redirects disallowed):
///   at most 5, http/https only, never from https to http, and `Authorization` is dropped as
///   soon as the origin changes (pre-signed blob storage URLs).
struct RegistryClient: Sendable {
    let http: RegistryHTTPClient
    let configuration: ImageStoreConfiguration
    let cache: RegistryAuthCache
    let counters: TransferCounters
    let logger: Logger

    /// A response with the URL that finally answered.
    struct Response {
        var response: HTTPClientResponse
        var url: String
    }

    func baseURL(_ registry: String) -> String {
        (configuration.usesPlainHTTP(registry) ? "http://" : "https://") + registryAuthority(registry)
    }

    private func registryAuthority(_ registry: String) -> String {
        registry == ImageReference.dockerHub ? "registry-1.docker.io" : registry
    }

    // MARK: - Manifests and blobs

    /// GETs a manifest or index with the full Accept list, capped at `maxManifestBytes`.
    func manifest(_ ref: ImageReference, reference: String, entry: RegistryCredentials.Entry?)
        async throws(ImageStoreError) -> (bytes: [UInt8], contentType: String?)
    {
        let path = "/v2/\(ref.repository)/manifests/\(reference)"
        let answer = try await send(.GET, path: path, accept: MediaType.manifestAccept, ref: ref, entry: entry,
                                    timeout: configuration.requestTimeoutSeconds)
        try await check(answer, ref: ref)
        let limit = configuration.maxManifestBytes
        if let length = answer.response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            throw ImageStoreError(.sizeLimit, "pull of \(ref): manifest of \(length) bytes exceeds the \(limit)-byte limit")
        }
        let bytes = try await collect(answer.response, limit: limit, what: "manifest", ref: ref)
        return (bytes, answer.response.headers.first(name: "Content-Type"))
    }

    /// HEADs a manifest to check that `entry` may read it.
    func checkManifestAccess(_ ref: ImageReference, reference: String, entry: RegistryCredentials.Entry?)
        async throws(ImageStoreError)
    {
        let path = "/v2/\(ref.repository)/manifests/\(reference)"
        let answer = try await send(.HEAD, path: path, accept: MediaType.manifestAccept, ref: ref, entry: entry,
                                    timeout: configuration.requestTimeoutSeconds)
        try await check(answer, ref: ref)
    }

    /// GETs a small blob (the config) fully, capped at `limit`.
    func smallBlob(_ ref: ImageReference, digest: Digest, entry: RegistryCredentials.Entry?, limit: Int)
        async throws(ImageStoreError) -> [UInt8]
    {
        counters.update { $0.blobRequests += 1 }
        let answer = try await send(.GET, path: "/v2/\(ref.repository)/blobs/\(digest)", accept: nil, ref: ref,
                                    entry: entry, timeout: configuration.requestTimeoutSeconds)
        try await check(answer, ref: ref)
        return try await collect(answer.response, limit: limit, what: "blob \(digest.short)", ref: ref)
    }

    /// Opens a blob for streaming. The caller iterates `response.body`.
    func openBlob(_ ref: ImageReference, digest: Digest, entry: RegistryCredentials.Entry?)
        async throws(ImageStoreError) -> HTTPClientResponse
    {
        counters.update { $0.blobRequests += 1 }
        let answer = try await send(.GET, path: "/v2/\(ref.repository)/blobs/\(digest)", accept: nil, ref: ref,
                                    entry: entry, timeout: configuration.blobTimeoutSeconds)
        try await check(answer, ref: ref)
        return answer.response
    }

    /// Opens a foreign layer URL: never with credentials, http(s) only, redirects checked.
    func openForeignURL(_ url: String, ref: ImageReference) async throws(ImageStoreError) -> HTTPClientResponse {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "https" || scheme == "http",
              parsed.host != nil
        else {
            throw ImageStoreError(.policy, "pull of \(ref): foreign layer URL '\(url.prefix(200))' is not http(s)")
        }
        counters.update { $0.blobRequests += 1 }
        let answer = try await execute(.GET, url: url, accept: nil, authorization: nil, authorizedOrigin: nil,
                                       timeout: configuration.blobTimeoutSeconds, ref: ref)
        try await check(answer, ref: ref)
        return answer.response
    }

    // MARK: - Requests with authentication

    /// Sends a request to the registry with whatever authentication it asks for.
    func send(_ method: HTTPMethod, path: String, accept: String?, ref: ImageReference,
              entry: RegistryCredentials.Entry?, timeout: Int64) async throws(ImageStoreError) -> Response
    {
        let base = baseURL(ref.registry)
        let scope = "repository:\(ref.repository):pull"
        var scheme = try await authScheme(ref)
        var retried = false
        while true {
            let authorization = try await authorizationHeader(scheme, ref: ref, entry: entry, scope: scope)
            let answer = try await execute(method, url: base + path, accept: accept, authorization: authorization,
                                           authorizedOrigin: Self.origin(base), timeout: timeout, ref: ref)
            guard answer.response.status == .unauthorized, !retried else { return answer }
            retried = true
            let challenges = AuthChallenge.parse(answer.response.headers["WWW-Authenticate"])
            let newScheme = Self.scheme(from: challenges) ?? scheme
            if case let .bearer(realm, service) = scheme {
                await cache.invalidate(realm: realm, service: service ?? "", scope: scope, identity: entry?.identity ?? "anonymous")
            }
            if newScheme != scheme { await cache.setScheme(newScheme, for: ref.registry) }
            // Retrying only helps if something will differ: a fresh token, or credentials for a
            // scheme we had not used.
            switch newScheme {
            case .none: return answer
            case .basic where entry?.username == nil || scheme == .basic: return answer
            default: break
            }
            scheme = newScheme
            logger.debug("registry asked to authenticate again", metadata: ["registry.host": "\(ref.registry)"])
        }
    }

    /// The registry's scheme from the cache, or from a `/v2/` ping.
    private func authScheme(_ ref: ImageReference) async throws(ImageStoreError) -> RegistryAuthScheme {
        if let known = await cache.scheme(for: ref.registry) { return known }
        let base = baseURL(ref.registry)
        let answer = try await execute(.GET, url: base + "/v2/", accept: nil, authorization: nil, authorizedOrigin: nil,
                                       timeout: configuration.requestTimeoutSeconds, ref: ref)
        let scheme: RegistryAuthScheme
        switch answer.response.status.code {
        case 200..<300:
            scheme = .none
        case 401:
            scheme = Self.scheme(from: AuthChallenge.parse(answer.response.headers["WWW-Authenticate"])) ?? .none
        default:
            let detail = await errorDetail(answer.response)
            throw ImageStoreError(.network, "pull of \(ref) failed: registry answered \(Self.statusText(answer.response.status)) for \(base)/v2/\(detail)")
        }
        logger.debug("registry pinged", metadata: ["registry.host": "\(ref.registry)", "registry.auth": "\(scheme.name)"])
        await cache.setScheme(scheme, for: ref.registry)
        return scheme
    }

    static func scheme(from challenges: [AuthChallenge]) -> RegistryAuthScheme? {
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let realm = bearer.realm, !realm.isEmpty {
            return .bearer(realm: realm, service: bearer.service)
        }
        if challenges.contains(where: { $0.scheme == "basic" }) { return .basic }
        return nil
    }

    private func authorizationHeader(_ scheme: RegistryAuthScheme, ref: ImageReference,
                                     entry: RegistryCredentials.Entry?, scope: String)
        async throws(ImageStoreError) -> String?
    {
        switch scheme {
        case .none:
            return nil
        case .basic:
            guard let username = entry?.username, let password = entry?.password else { return nil }
            return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case let .bearer(realm, service):
            if let registryToken = entry?.registryToken { return "Bearer " + registryToken }
            let token = try await bearerToken(realm: realm, service: service ?? "", scope: scope, entry: entry, ref: ref)
            return "Bearer " + token
        }
    }

    // MARK: - Transport

    /// One request, following redirects under the rules above.
    func execute(_ method: HTTPMethod, url: String, accept: String?, authorization: String?, authorizedOrigin: String?,
                 timeout: Int64, ref: ImageReference, body: [UInt8]? = nil, contentType: String? = nil)
        async throws(ImageStoreError) -> Response
    {
        var currentURL = url
        var currentAuthorization = authorization
        for hop in 0...5 {
            var request = HTTPClientRequest(url: currentURL)
            request.method = method
            request.headers.add(name: "User-Agent", value: "mesos-pods-imagestore/1")
            request.headers.add(name: "Docker-Distribution-Api-Version", value: "registry/2.0")
            if let accept { request.headers.add(name: "Accept", value: accept) }
            if let currentAuthorization { request.headers.add(name: "Authorization", value: currentAuthorization) }
            if let body {
                request.body = .bytes(ByteBuffer(bytes: body))
                request.headers.add(name: "Content-Length", value: String(body.count))
                if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            }
            counters.update { $0.requests += 1 }
            let response: HTTPClientResponse
            do {
                response = try await http.client.execute(request, deadline: .now() + .seconds(timeout), logger: logger)
            } catch {
                throw ImageStoreError(.network, "pull of \(ref) failed: \(method.rawValue) \(Self.redacted(currentURL)) failed",
                                      underlying: SendableErrorDescription(error))
            }
            guard [301, 302, 303, 307, 308].contains(response.status.code),
                  let location = response.headers.first(name: "Location") else {
                return Response(response: response, url: currentURL)
            }
            guard hop < 5 else {
                throw ImageStoreError(.network, "pull of \(ref) failed: too many redirects from \(Self.redacted(url))")
            }
            guard let next = URL(string: location, relativeTo: URL(string: currentURL))?.absoluteURL,
                  let scheme = next.scheme?.lowercased(), scheme == "http" || scheme == "https", next.host != nil
            else {
                throw ImageStoreError(.policy, "pull of \(ref): refusing redirect to '\(Self.redacted(location))'")
            }
            if currentURL.lowercased().hasPrefix("https://"), scheme == "http" {
                throw ImageStoreError(.policy, "pull of \(ref): refusing redirect from https to http (\(Self.redacted(next.absoluteString)))")
            }
            let nextURL = next.absoluteString
            if authorizedOrigin == nil || Self.origin(nextURL) != authorizedOrigin {
                currentAuthorization = nil
            }
            logger.debug("following registry redirect", metadata: [
                "registry.host": "\(ref.registry)", "http.redirect_host": "\(next.host ?? "")",
                "http.authorization_kept": "\(currentAuthorization != nil)",
            ])
            currentURL = nextURL
        }
        throw ImageStoreError(.network, "pull of \(ref) failed: too many redirects")
    }

    /// Maps a non-2xx answer to an error naming the image and the URL.
    func check(_ answer: Response, ref: ImageReference) async throws(ImageStoreError) {
        let status = answer.response.status
        guard !(200..<300).contains(status.code) else { return }
        let detail = await errorDetail(answer.response)
        let url = Self.redacted(answer.url)
        switch status.code {
        case 401:
            throw ImageStoreError(.unauthorized, "pull of \(ref) unauthorized: registry answered \(Self.statusText(status)) for \(url)\(detail)")
        case 403:
            throw ImageStoreError(.denied, "pull of \(ref) denied: registry answered \(Self.statusText(status)) for \(url)\(detail)")
        case 404:
            throw ImageStoreError(.notFound, "pull of \(ref) failed: registry answered \(Self.statusText(status)) for \(url)\(detail)")
        default:
            throw ImageStoreError(.network, "pull of \(ref) failed: registry answered \(Self.statusText(status)) for \(url)\(detail)")
        }
    }

    /// `" (CODE: message)"` from a registry error body, or a short sanitised text excerpt.
    func errorDetail(_ response: HTTPClientResponse) async -> String {
        guard let buffer = try? await response.body.collect(upTo: configuration.maxAuxiliaryBodyBytes) else { return "" }
        let bytes = Array(buffer.readableBytesView)
        if bytes.isEmpty { return "" }
        struct Body: Decodable {
            struct Item: Decodable { var code: String?; var message: String? }
            var errors: [Item]?
        }
        if let body = try? JSONDecoder().decode(Body.self, from: Data(bytes)), let first = body.errors?.first {
            let text = [first.code, first.message].compactMap { $0 }.joined(separator: ": ")
            return text.isEmpty ? "" : " (\(Self.sanitize(text)))"
        }
        return " (\(Self.sanitize(String(decoding: bytes.prefix(200), as: UTF8.self))))"
    }

    func collect(_ response: HTTPClientResponse, limit: Int, what: String, ref: ImageReference)
        async throws(ImageStoreError) -> [UInt8]
    {
        do {
            let buffer = try await response.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as NIOTooManyBytesError {
            throw ImageStoreError(.sizeLimit, "pull of \(ref): \(what) exceeds the \(limit)-byte limit",
                                  underlying: SendableErrorDescription(error))
        } catch {
            throw ImageStoreError(.network, "pull of \(ref): reading \(what) failed", underlying: SendableErrorDescription(error))
        }
    }

    static func statusText(_ status: HTTPResponseStatus) -> String {
        "\(status.code) \(status.reasonPhrase)"
    }

    /// `scheme://host:port` of a URL, lowercased.
    static func origin(_ url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host?.lowercased() else {
            return nil
        }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    /// A URL without its query (pre-signed URLs carry signatures there) or user info.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return String(url.prefix(200)) }
        if components.query != nil { components.query = "…" }
        components.user = nil
        components.password = nil
        return components.string ?? String(url.prefix(200))
    }

    static func sanitize(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.prefix(300).map(Character.init))
    }
}

extension RegistryAuthScheme {
    var name: String {
        switch self {
        case .none: "none"
        case .basic: "basic"
        case .bearer: "bearer"
        }
    }
}

/// The text of an error from another library, so `ImageStoreError` stays `Sendable`.
struct SendableErrorDescription: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = String(describing: error) }
}
