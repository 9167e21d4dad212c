import HTTPTypes
import Hummingbird
import Logging
import MesosProtocol

/// Wraps every API request: authentication, error answers in Marathon's shape, the common
/// headers, the request log line and the request metrics.
public struct APIMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: Authenticator
    let configuration: APIConfiguration
    let metrics: APIMetrics
    let logger: Logger

    /// Paths that answer without credentials (load balancer probes).
    static var openPaths: Set<String> { ["/ping"] }
    /// Paths that take no user's credentials: executors present their secret token there.
    static var executorPaths: Set<String> { [PodSecretsContract.path] }

    /// Handles one request.
    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        let family = Self.routeFamily(path: path)
        var response: Response
        let normalized = Self.normalized(path)
        let open = Self.openPaths.contains(normalized) || Self.executorPaths.contains(normalized)
        let principal = open ? nil : authenticator.principal(authorization: request.headers[.authorization])
        if !open, principal == nil {
            response = APIResponse.error(.unauthenticated(configuration.authentication, realm: configuration.realm))
        } else if normalized.hasPrefix("/v2/"), normalized != "/v2/events", !Self.acceptsJSON(request.headers[.accept]) {
            response = APIResponse.error(.notAcceptable)
        } else {
            do {
                response = try await Principal.$current.withValue(principal) { try await next(request, context) }
            } catch let error as APIError {
                response = APIResponse.error(error)
            } catch let error as any HTTPResponseError {
                // The framework's own errors (no route, body too large).
                let status = error.status
                response = APIResponse.error(.message(status, "HTTP \(status.code) \(status.reasonPhrase)"))
            } catch {
                logger.error("api request failed", metadata: [
                    "http.method": "\(request.method.rawValue)", "http.path": "\(path)",
                    "error.type": "\(String(reflecting: type(of: error)))",
                ])
                response = APIResponse.error(.message(.internalServerError, "Internal server error"))
            }
        }
        APIResponse.addCommonHeaders(to: &response, leaderURL: configuration.currentLeaderURL)
        let elapsed = ContinuousClock.now - start
        metrics.record(route: family, method: request.method.rawValue, status: response.status.code, duration: elapsed)
        // Never log bodies or credentials: they may hold secrets.
        let level: Logger.Level = request.method == .get || request.method == .head ? .debug : .info
        var metadata: Logger.Metadata = [
            "http.method": "\(request.method.rawValue)", "http.path": "\(path)",
            "http.status": "\(response.status.code)", "http.route": "\(family)",
        ]
        if let principal, !authenticator.isOpen { metadata["auth.principal"] = "\(principal.name)" }
        logger.log(level: level, "api request", metadata: metadata)
        return response
    }

    /// A low-cardinality name of the endpoint a path belongs to (a metrics label).
    static func routeFamily(path: String) -> String {
        if let route = PodsRoute(path: path) { return route.family }
        let segments = normalized(path).split(separator: "/")
        switch segments.map(String.init) {
        case ["v2", "deployments"]: return "deployments"
        case let parts where parts.count == 3 && parts[0] == "v2" && parts[1] == "deployments": return "deployment"
        case ["v2", "queue"]: return "queue"
        case let parts where parts.count >= 4 && parts[0] == "v2" && parts[1] == "queue" && parts.last == "delay": return "queue_delay"
        case ["v2", "info"]: return "info"
        case ["v2", "leader"]: return "leader"
        case ["v2", "events"]: return "events"
        case ["ping"]: return "ping"
        case ["executor", "v1", "secrets"]: return "executor_secrets"
        case ["metrics"]: return "metrics"
        default: return "other"
        }
    }

    /// Whether an `Accept` header admits JSON (the `/v2` resources produce only
    /// `application/json`; Jersey answers 406 otherwise). No header, `*/*`,
    /// `application/*` and `application/json` do, unless their quality is 0.
    static func acceptsJSON(_ accept: String?) -> Bool {
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return true }
        return accept.split(separator: ",").contains { range in
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = parts.first, ["*/*", "application/*", "application/json", "*"].contains(type) else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
    }

    /// The path with doubled and trailing slashes removed.
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }
}
