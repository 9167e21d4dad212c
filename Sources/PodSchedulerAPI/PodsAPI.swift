import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MesosProtocol
import PodSchedulerCore
import PodSpec
import Prometheus

/// Marathon's `/v2/pods` REST API (with `/v2/deployments`, `/v2/queue`, `/v2/info`,
/// `/v2/leader`, `/ping` and `/metrics`) as Hummingbird routes over a ``PodService``.
///
/// ```swift
/// let api = PodsAPI(service: core, configuration: APIConfiguration(baseURL: "http://10.0.0.1:8080"),
///                   logger: logger)
/// let app = Application(router: api.buildRouter(), configuration: .init(address: .hostname("0.0.0.0", port: 8080)))
/// ```
///
/// The API parses and validates pod definitions (PodSpec), asks the service, and renders
/// the answers with Marathon 1.10's status codes, headers and bodies.
public struct PodsAPI: Sendable {
    /// The scheduler core.
    public let service: any PodService
    /// API settings.
    public let configuration: APIConfiguration
    /// Where request and change logs go.
    public let logger: Logger
    /// The registry `/metrics` exposes; the API records its request metrics here, and other
    /// components may register theirs.
    public let metricsRegistry: PrometheusCollectorRegistry
    /// The clock for pod versions and status times.
    let now: @Sendable () -> Date
    let authenticator: Authenticator
    let metrics: APIMetrics
    /// How often `/v2/events` writes a keep-alive comment.
    var heartbeatInterval: Duration = .seconds(15)
    /// With several instances (`--zk`): the proxy in front of the API on a follower.
    public let leaderProxy: LeaderProxy?

    /// An API over `service`.
    ///
    /// - Parameters:
    ///   - service: the scheduler core.
    ///   - configuration: API settings.
    ///   - logger: the logger for request and change logs.
    ///   - metricsRegistry: the registry exposed at `/metrics` (default: a new one).
    ///   - now: the clock used for pod versions and status times (tests inject a fixed one).
    ///   - leaderProxy: with several instances, how followers reach the leader.
    public init(service: any PodService, configuration: APIConfiguration, logger: Logger,
                metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                now: @escaping @Sendable () -> Date = { Date() }, leaderProxy: LeaderProxy? = nil) {
        self.service = service
        self.leaderProxy = leaderProxy
        self.configuration = configuration
        self.logger = logger
        self.metricsRegistry = metricsRegistry
        self.now = now
        self.authenticator = Authenticator(configuration.authentication, permissions: configuration.permissions)
        self.metrics = APIMetrics(registry: metricsRegistry)
    }

    /// A router serving the API. Its middleware also answers unknown paths, so every
    /// response carries Marathon's headers.
    public func buildRouter() -> Router<PodsRequestContext> {
        let router = Router(context: PodsRequestContext.self)
        if let leaderProxy { router.add(middleware: LeaderProxyMiddleware(proxy: leaderProxy)) }
        router.add(middleware: middleware())
        registerRoutes(on: router)
        return router
    }

    /// Mounts the API on an existing router, behind the API middleware (which then covers
    /// only these routes).
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let group = router.group()
        if let leaderProxy { group.add(middleware: LeaderProxyMiddleware(proxy: leaderProxy)) }
        group.add(middleware: middleware())
        registerRoutes(on: group)
    }

    /// The middleware that authenticates, renders errors, adds the common headers, logs
    /// and records metrics.
    public func middleware<Context: RequestContext>() -> APIMiddleware<Context> {
        APIMiddleware(authenticator: authenticator, configuration: configuration, metrics: metrics, logger: logger)
    }

    private func registerRoutes<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.head("/v2/pods") { _, _ in APIResponse.empty(status: .ok) }
        router.get("/v2/pods") { _, _ in await listPods() }
        router.post("/v2/pods") { request, context in try await createPod(request, context: context) }
        router.get("/v2/pods/**") { request, _ in try await getUnderPods(request) }
        router.put("/v2/pods/**") { request, context in try await putUnderPods(request, context: context) }
        router.delete("/v2/pods/**") { request, context in try await deleteUnderPods(request, context: context) }
        for method in [HTTPRequest.Method.put, .delete, .patch] {
            router.on("/v2/pods", method: method) { _, _ -> Response in throw APIError.methodNotAllowed }
        }
        for method in [HTTPRequest.Method.post, .patch] {
            router.on("/v2/pods/**", method: method) { _, _ -> Response in throw APIError.methodNotAllowed }
        }
        router.get("/v2/deployments") { _, _ in await listDeployments() }
        router.delete("/v2/deployments/{id}") { request, context in
            try await cancelDeployment(context.parameters.require("id"), request: request)
        }
        registerQueueRoutes(on: router)
        router.post(RouterPath(PodSecretsContract.path)) { request, context in try await executorSecrets(request, context: context) }
        router.get("/v2/events") { request, context in eventStream(request, context: context) }
        router.get("/v2/info") { _, _ in await info() }
        router.get("/v2/leader") { _, _ in leader() }
        router.delete("/v2/leader") { request, _ in try await abdicate(request) }
        router.get("/ping") { _, _ in APIResponse.text("pong", contentType: "text/plain") }
        router.get("/metrics") { _, _ in
            APIResponse.text(metricsRegistry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    // MARK: - Request helpers

    /// `?name=true` (any case) is true; anything else, or no parameter, is false (Java's
    /// `Boolean.valueOf`, as Jersey converts query parameters).
    static func flag(_ name: String, in request: Request) -> Bool {
        request.uri.queryParameters[name[...]].map { $0.lowercased() == "true" } ?? false
    }

    /// Rejects bodies that are not JSON with Jersey's 415. A request without a
    /// `Content-Type` is read as JSON (Jersey does not reject it either); media type
    /// parameters such as `charset` are accepted.
    static func requireJSON(_ request: Request) throws(APIError) {
        guard let contentType = request.headers[.contentType] else { return }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        guard mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json" else {
            throw APIError.unsupportedMediaType
        }
    }

    /// The whole request body (bounded by the context's upload limit).
    static func body(of request: Request, context: some RequestContext) async throws -> Data {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        return Data(buffer.readableBytesView)
    }

    /// The canonical id of a URL id, validated (invalid ids give 422 at path `/`).
    static func validatedId(_ text: String) throws(APIError) -> PodId {
        do {
            return try PodId.validated(urlId: text)
        } catch {
            throw APIError(error)
        }
    }

    /// Spec options for a request: the configured ones with the request's version.
    func specOptions(previousRole: String? = nil, force: Bool = false) -> PodSpecConfiguration {
        var options = configuration.specOptions
        options.version = PodVersion(now())
        options.previousRole = previousRole
        options.forceRoleUpdate = force
        return options
    }
}
