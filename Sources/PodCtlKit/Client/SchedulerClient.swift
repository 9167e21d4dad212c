import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Primitives

/// A typed client of the scheduler's Marathon-compatible REST API (`/v2/pods`,
/// `/v2/deployments`).
///
/// ```swift
/// let client = try SchedulerClient(url: "http://127.0.0.1:8080", credentials: .bearer(token: token))
/// let change = try await client.create(podJSON)
/// print("Created deployment \(change.deploymentID)")
/// ```
///
/// Pod definitions go to the server as the user wrote them (the server validates and
/// normalizes them, and its errors come back as ``SchedulerClientError/api(status:body:request:)``).
/// Answers are decoded into views that keep the server's JSON. Every method throws only
/// ``SchedulerClientError``.
public struct SchedulerClient: Sendable {
    /// A hook that sees one line per request and answer (`--verbose`). It never sees
    /// credentials or request headers.
    public typealias Trace = @Sendable (String) -> Void

    /// The base URL without credentials, a query or a trailing slash
    /// (`http://127.0.0.1:8080`, or with a path prefix behind a proxy).
    public let baseURL: String
    /// The credentials sent with every request: the given ones, else those in the URL's
    /// user-info part.
    public let credentials: Credentials?
    /// The time one request may take, answer included.
    public var requestTimeout: Duration
    /// How an `https://` scheduler is verified (nil: the HTTP client's, by default the
    /// system trust store with host name verification).
    let tlsConfiguration: TLSConfiguration?
    let httpClient: HTTPClient
    let trace: Trace?

    /// The largest answer read (status documents of big pods stay far below it).
    static let maxBodySize = 32 << 20

    /// A client of the scheduler at `url`.
    ///
    /// - Parameters:
    ///   - url: `http(s)://HOST[:PORT][/PREFIX]`; a `user:password@` part is used as Basic
    ///     credentials when `credentials` is nil, and never shown.
    ///   - credentials: what to authenticate with.
    ///   - tlsConfiguration: how an `https://` server is verified (a CA of its own).
    ///   - httpClient: the HTTP client (default: ``defaultHTTPClient``, which needs no shutdown).
    ///   - requestTimeout: the time one request may take.
    ///   - trace: sees one line per request and answer.
    /// - Throws: ``SchedulerClientError/invalidURL(_:)``.
    public init(url: String, credentials: Credentials? = nil, tlsConfiguration: TLSConfiguration? = nil,
                httpClient: HTTPClient = SchedulerClient.defaultHTTPClient,
                requestTimeout: Duration = .seconds(30), trace: Trace? = nil) throws(SchedulerClientError) {
        guard var components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { throw .invalidURL(Self.redacted(url)) }
        var fromURL: Credentials?
        if let user = components.user, !user.isEmpty {
            fromURL = .basic(user: user.removingPercentEncoding ?? user,
                             password: components.password.map { $0.removingPercentEncoding ?? $0 } ?? "")
        }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        while components.path.hasSuffix("/") { components.path.removeLast() }
        guard let base = components.string else { throw .invalidURL(Self.redacted(url)) }
        self.baseURL = base
        self.credentials = credentials ?? fromURL
        self.tlsConfiguration = tlsConfiguration
        self.httpClient = httpClient
        self.requestTimeout = requestTimeout
        self.trace = trace
    }

    // MARK: - Pods

    /// `POST /v2/pods`: creates a pod from its JSON definition and starts its deployment.
    public func create(_ podJSON: Data, force: Bool = false) async throws(SchedulerClientError) -> PodChangeAnswer {
        let response = try await send(.POST, "/v2/pods", query: force ? "force=true" : nil, body: podJSON)
        return try change(from: response)
    }

    /// `PUT /v2/pods/{id}`: replaces (or creates) the pod `id` and starts a deployment.
    public func update(_ id: String, podJSON: Data, force: Bool = false) async throws(SchedulerClientError)
        -> PodChangeAnswer {
        let response = try await send(.PUT, Self.podPath(id), query: force ? "force=true" : nil, body: podJSON)
        return try change(from: response)
    }

    /// `DELETE /v2/pods/{id}`: removes the pod; returns the id of the deployment that
    /// stops its instances.
    public func delete(_ id: String, force: Bool = false) async throws(SchedulerClientError) -> String {
        let response = try await send(.DELETE, Self.podPath(id), query: force ? "force=true" : nil)
        return try response.deploymentID()
    }

    /// `GET /v2/pods`: every pod's definition.
    public func list() async throws(SchedulerClientError) -> [PodDocument] {
        let response = try await send(.GET, "/v2/pods")
        return try response.decode { json throws(DocumentError) in
            try JSONValue.requiredArray(json, of: "pod list").map { element throws(DocumentError) in
                try PodDocument(json: element)
            }
        }
    }

    /// `GET /v2/pods/{id}`: the pod's current definition.
    public func show(_ id: String) async throws(SchedulerClientError) -> PodDocument {
        try await send(.GET, Self.podPath(id)).decode { json throws(DocumentError) in try PodDocument(json: json) }
    }

    /// `GET /v2/pods/{id}::status`: the pod's status with its instances and containers.
    public func status(_ id: String) async throws(SchedulerClientError) -> PodStatus {
        try await send(.GET, Self.podPath(id) + "::status").decode { json throws(DocumentError) in
            try PodStatus(json: json)
        }
    }

    /// `GET /v2/pods/::status`: every pod's status.
    public func statuses() async throws(SchedulerClientError) -> [PodStatus] {
        try await send(.GET, "/v2/pods/::status").decode { json throws(DocumentError) in
            try JSONValue.requiredArray(json, of: "status list").map { element throws(DocumentError) in
                try PodStatus(json: element)
            }
        }
    }

    /// `GET /v2/pods/{id}::versions`: the pod's version timestamps, in the server's
    /// (unspecified) order.
    public func versions(_ id: String) async throws(SchedulerClientError) -> [String] {
        try await send(.GET, Self.podPath(id) + "::versions").decode { json throws(DocumentError) in
            let array = try JSONValue.requiredArray(json, of: "version list")
            let versions = array.compactMap(\.stringValue)
            guard versions.count == array.count else { throw DocumentError(reason: "version list holds non-strings") }
            return versions
        }
    }

    /// `GET /v2/pods/{id}::versions/{version}`: the definition as stored at `version`.
    public func version(_ id: String, version: String) async throws(SchedulerClientError) -> PodDocument {
        try await send(.GET, Self.podPath(id) + "::versions/" + Self.escaped(version)).decode {
            json throws(DocumentError) in try PodDocument(json: json)
        }
    }

    /// `DELETE /v2/pods/{id}::instances` with the ids as a JSON array: kills those
    /// instances (the count stays; Marathon relaunches them). Returns the instances the
    /// server found; unknown ids are left out.
    public func killInstances(_ id: String, instanceIDs: [String], wipe: Bool = false)
        async throws(SchedulerClientError) -> [KilledInstance] {
        let body = Data(JSONValue.array(instanceIDs.map(JSONValue.string)).compactText.utf8)
        let response = try await send(.DELETE, Self.podPath(id) + "::instances", query: wipe ? "wipe=true" : nil,
                                      body: body)
        return try response.decode { json throws(DocumentError) in
            try JSONValue.requiredArray(json, of: "instance list").map { element throws(DocumentError) in
                try KilledInstance(json: element)
            }
        }
    }

    /// `DELETE /v2/pods/{id}::instances/{instanceId}`: kills one instance (404 when the
    /// pod has no such instance).
    public func killInstance(_ id: String, instanceID: String, wipe: Bool = false)
        async throws(SchedulerClientError) -> KilledInstance {
        let path = Self.podPath(id) + "::instances/" + Self.escaped(instanceID)
        return try await send(.DELETE, path, query: wipe ? "wipe=true" : nil).decode { json throws(DocumentError) in
            try KilledInstance(json: json)
        }
    }

    // MARK: - Launch queue

    /// `GET /v2/queue`: the instances waiting for an offer or their backoff, per pod and
    /// role; with `lastUnusedOffers`, each agent's last offer that did not fit.
    public func queue(lastUnusedOffers: Bool = false) async throws(SchedulerClientError) -> [QueueItem] {
        let response = try await send(.GET, "/v2/queue", query: lastUnusedOffers ? "embed=lastUnusedOffers" : nil)
        return try response.decode { json throws(DocumentError) in
            guard let items = json["queue"] else { return [] }
            return try JSONValue.requiredArray(items, of: "queue").map { element throws(DocumentError) in
                try QueueItem(json: element)
            }
        }
    }

    /// `DELETE /v2/queue/{id}/delay`: resets the pod's launch backoff (404 when nothing of
    /// it waits).
    public func resetDelay(_ id: String) async throws(SchedulerClientError) {
        let trimmed = id.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        _ = try await send(.DELETE, "/v2/queue/" + Self.escaped(trimmed) + "/delay")
    }

    // MARK: - Deployments

    /// `GET /v2/deployments`: the running deployments.
    public func deployments() async throws(SchedulerClientError) -> [Deployment] {
        try await send(.GET, "/v2/deployments").decode { json throws(DocumentError) in
            try JSONValue.requiredArray(json, of: "deployment list").map { element throws(DocumentError) in
                try Deployment(json: element)
            }
        }
    }

    // MARK: - Paths

    /// `/v2/pods/<id>` for an id written with or without slashes around it.
    static func podPath(_ id: String) -> String {
        let trimmed = id.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return "/v2/pods/" + escaped(trimmed)
    }

    /// Percent-encodes what may not stand in a path (slashes stay).
    static func escaped(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%;")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A URL text safe to show: any user-info part is removed.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + String(rest[rest.index(after: at)...])
    }

    private func change(from response: SchedulerResponse) throws(SchedulerClientError) -> PodChangeAnswer {
        let deploymentID = try response.deploymentID()
        let pod = try response.decode { json throws(DocumentError) in try PodDocument(json: json) }
        return PodChangeAnswer(deploymentID: deploymentID, pod: pod)
    }
}
