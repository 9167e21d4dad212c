import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PodSchedulerCore
import PodSpec

extension PodsAPI {
    /// `/v2/queue` and `/v2/queue/{id}/delay`.
    func registerQueueRoutes<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get("/v2/queue") { request, _ in await queue(request) }
        router.delete("/v2/queue/**") { request, _ in try await resetDelay(request) }
        for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
            router.on("/v2/queue", method: method) { _, _ -> Response in throw APIError.methodNotAllowed }
        }
        for method in [HTTPRequest.Method.get, .post, .put, .patch] {
            router.on("/v2/queue/**", method: method) { request, _ -> Response in
                // Only DELETE serves `{id}/delay`; other paths below /v2/queue are unknown.
                throw Self.queueDelayID(path: request.uri.path) == nil ? APIError.noRoute : APIError.methodNotAllowed
            }
        }
    }

    /// `GET /v2/queue[?embed=lastUnusedOffers]`: every pod and role with instances that
    /// wait for an offer or their backoff. `embed` may repeat; other values are ignored.
    func queue(_ request: Request) async -> Response {
        let embed = request.uri.queryParameters.getAll("embed").contains("lastUnusedOffers")
        let items = await service.queue(embedLastUnusedOffers: embed).filter { may(.view, $0.pod.id) }
        return APIResponse.json(QueueDocument.render(items, now: now()))
    }

    /// `DELETE /v2/queue/{id}/delay`: 204 once the pod's backoff is reset; 404 (with
    /// Marathon's text, "Application" even for pods) when the pod does not exist or has
    /// no scheduled instance.
    func resetDelay(_ request: Request) async throws(APIError) -> Response {
        guard let text = Self.queueDelayID(path: request.uri.path) else { throw APIError.noRoute }
        let id = PodId(canonicalizing: text)
        if await service.pod(id) != nil { try authorize(.update, id) }
        guard await service.resetDelay(id) else {
            throw APIError.message(.notFound, "Application \(id.absolute) not found in tasks queue.")
        }
        logger.info("launch delay reset", metadata: ["pod.id": "\(id.absolute)"])
        return APIResponse.empty(status: .noContent)
    }

    /// The `{id}` of `/v2/queue/{id}/delay` (it may hold slashes), nil for other paths.
    static func queueDelayID(path rawPath: String) -> String? {
        let path = rawPath.removingPercentEncoding ?? rawPath
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.count >= 4, segments[0] == "v2", segments[1] == "queue", segments.last == "delay" else { return nil }
        return segments[2..<(segments.count - 1)].joined(separator: "/")
    }
}
