import HTTPTypes
import Hummingbird
import PodSchedulerCore
import PodSpec
import Primitives

/// A failed request: the HTTP status and Marathon's JSON error body.
///
/// Every error a handler can meet is translated into this type exactly once, here, and the
/// middleware turns it into a response (with the common headers).
public struct APIError: Error, Sendable, Equatable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// The JSON body.
    public var body: JSONValue
    /// Extra headers (for `WWW-Authenticate`).
    public var headers: HTTPFields

    /// An error answer.
    public init(status: HTTPResponse.Status, body: JSONValue, headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// `{"message": …}`: the body of errors Marathon raises as exceptions (409, 403, 422
    /// arguments, `Path … does not exist`).
    static func message(_ status: HTTPResponse.Status, _ message: String) -> APIError {
        APIError(status: status, body: ["message": .string(message)])
    }

    /// `{"message": …, "details": []}`: Marathon's not-found helper (1.9+ `Error` type).
    static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, body: ["message": .string(message), "details": []])
    }

    /// 404 `Pod '/x' does not exist` (`::status`, `::versions`, DELETE, version lookups).
    static func unknownPod(_ id: PodId) -> APIError {
        notFound("Pod '\(id.absolute)' does not exist")
    }

    /// 404 of `GET /v2/pods/{id}`: Marathon nests a JSON document inside the message
    /// string, in every version (docs/reference/marathon-pods-api.md §3.5).
    static func unknownPodQuirk(_ id: PodId) -> APIError {
        notFound(#"{"message": "pod with \#(id.absolute) does not exist"}"#)
    }

    /// 404 `Task '<instanceId>' does not exist`.
    static func unknownInstance(_ instanceId: String) -> APIError {
        notFound("Task '\(instanceId)' does not exist")
    }

    /// 415 for a POST/PUT body that is not `application/json` (Jersey's answer, mapped by
    /// Marathon's exception mapper to a message body).
    static let unsupportedMediaType = message(.unsupportedMediaType, "HTTP 415 Unsupported Media Type")
    static let notAcceptable = message(.notAcceptable, "HTTP 406 Not Acceptable")

    /// 404 for a path no route serves.
    static let noRoute = message(.notFound, "HTTP 404 Not Found")

    /// 405 for a known path with a method it does not serve.
    static let methodNotAllowed = message(.methodNotAllowed, "HTTP 405 Method Not Allowed")

    /// 401 with a challenge for the configured scheme.
    static func unauthenticated(_ authentication: APIConfiguration.Authentication, realm: String) -> APIError {
        var headers = HTTPFields()
        switch authentication {
        case .bearer: headers[.wwwAuthenticate] = #"Bearer realm="\#(realm)""#
        case .basic, .none: headers[.wwwAuthenticate] = #"Basic realm="\#(realm)""#
        }
        return APIError(status: .unauthorized, body: ["message": "Invalid username or password."], headers: headers)
    }

    /// 403 for a principal that may not act on a pod: the body of Marathon's authorizer
    /// (`handleNotAuthorized` of its reference authorization plugin).
    static let notAuthorized = message(.forbidden, "Not Authorized to perform this action!")

    /// A PodSpec error carries Marathon's status and body already.
    init(_ error: PodSpecError) {
        self.init(status: APIResponse.status(code: error.httpStatus), body: error.bodyJSON)
    }

    /// The one translation of scheduler errors into Marathon answers.
    init(_ error: PodServiceError) {
        switch error {
        case .alreadyExists(let id):
            self = .message(.conflict, "A pod with id [\(id.absolute)] already exists.")
        case .podNotFound(let id):
            self = .unknownPod(id)
        case .pathNotFound(let id):
            self = .message(.notFound, "Path '\(id.absolute)' does not exist")
        case .instanceNotFound(let instanceId):
            self = .unknownInstance(instanceId)
        case .deploymentNotFound(let id):
            self = .notFound("DeploymentPlan \(id) does not exist")
        case .locked(let deploymentIDs):
            self.init(status: .conflict, body: [
                "message": .string("App is locked by one or more deployments. Override with the option '?force=true'. "
                    + "View details at '/v2/deployments/<DEPLOYMENT_ID>'."),
                "deployments": .array(deploymentIDs.map { ["id": .string($0)] }),
            ])
        case .tooManyDeployments(let limit):
            // Marathon's text, including its missing space ("oneusing").
            self = .message(.forbidden, "Max number (\(limit)) of running deployments is achieved. Wait for existing "
                + "deployments to complete or cancel oneusing force=true parameter. You can increase max deployment "
                + "number by using --max_running_deployments parameter but be advised that this can have negative "
                + "effects on the performance.")
        case .invalid(let message):
            self = .message(.unprocessableContent, message)
        case .notValid(let details):
            self.init(PodSpecError.notValid(details))
        case .unavailable(let message):
            self = .message(.serviceUnavailable, message)
        }
    }
}
