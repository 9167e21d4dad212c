import HTTPTypes
import Hummingbird
import PodSpec
import Primitives

extension HTTPField.Name {
    // The literals below are valid header tokens, so the initializer cannot fail.

    /// `Marathon-Deployment-Id`: the deployment a change started.
    static let marathonDeploymentId = HTTPField.Name("Marathon-Deployment-Id")!
    /// `X-Marathon-Leader`: the leader's URL.
    static let marathonLeader = HTTPField.Name("X-Marathon-Leader")!
    /// `Pragma` (HTTP/1.0 cache control).
    static let pragma = HTTPField.Name("Pragma")!
}

/// Builders of the API's responses.
enum APIResponse {
    /// A JSON response (`Content-Type: application/json`).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.jsonBytes)))
    }

    /// A response without a body.
    static func empty(status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers)
    }

    /// A text response.
    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The answer for an error.
    static func error(_ error: APIError) -> Response {
        json(error.body, status: error.status, headers: error.headers)
    }

    /// The headers Marathon puts on every response: caching is disabled, and the leader is named.
    static func addCommonHeaders(to response: inout Response, leaderURL: String?) {
        response.headers[.cacheControl] = "no-cache, no-store, must-revalidate"
        response.headers[.pragma] = "no-cache"
        response.headers[.expires] = "0"
        if let leaderURL { response.headers[.marathonLeader] = leaderURL }
    }

    /// The status for a code from another layer, keeping the standard reason phrase.
    static func status(code: Int) -> HTTPResponse.Status {
        switch code {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 409: .conflict
        case 415: .unsupportedMediaType
        case 422: .unprocessableContent
        case 503: .serviceUnavailable
        case 100...999: HTTPResponse.Status(code: code)
        default: .internalServerError
        }
    }
}
