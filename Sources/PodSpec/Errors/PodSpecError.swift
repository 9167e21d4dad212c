import Foundation
import Primitives

/// Everything that can go wrong when the pods API reads, validates or launches a pod,
/// carrying the exact HTTP status and Marathon error body for the REST layer to forward.
public enum PodSpecError: Error, Sendable, Equatable {
    /// The body is not well-formed JSON (400 `Invalid JSON`, details = parser message).
    case malformedJSON(JSONSyntaxError)
    /// The body is empty (400 `Please specify data in JSON format`).
    case emptyBody(details: String)
    /// The JSON does not fit the schema: wrong types, missing required fields, RAML
    /// constraints (422 `Invalid JSON` with Play error keys).
    case invalidJSON([ErrorDetail])
    /// The pod breaks a semantic rule (422 `Object is not valid` with wix-accord messages).
    case notValid([ErrorDetail])
    /// PUT: the URL id and the body id differ (400).
    case idMismatch(urlId: String, bodyId: String)
    /// A malformed argument such as a version timestamp or an instance UUID (422 with only
    /// a `message`).
    case invalidArgument(String)
    /// A pod cannot be turned into a task group with the given allocation (a caller bug or
    /// a stale offer match; 500).
    case cannotLaunch(String)

    /// The HTTP status Marathon answers with.
    public var httpStatus: Int {
        switch self {
        case .malformedJSON, .emptyBody, .idMismatch: 400
        case .invalidJSON, .notValid, .invalidArgument: 422
        case .cannotLaunch: 500
        }
    }

    /// The response body as a JSON value.
    public var bodyJSON: JSONValue {
        switch self {
        case .malformedJSON(let error):
            ["message": "Invalid JSON", "details": .string(error.description)]
        case .emptyBody(let details):
            ["message": "Please specify data in JSON format", "details": .string(details)]
        case .invalidJSON(let details):
            ["message": "Invalid JSON", "details": .array(details.map(\.jsonValue))]
        case .notValid(let details):
            ["message": "Object is not valid", "details": .array(details.map(\.jsonValue))]
        case .idMismatch(let urlId, let bodyId):
            ["message": .string("'\(urlId)' does not match definition's id ('\(bodyId)')")]
        case .invalidArgument(let message), .cannotLaunch(let message):
            ["message": .string(message)]
        }
    }

    /// The exact response body (`application/json`).
    public var body: Data { bodyJSON.jsonData }

    /// The `details` entries of a 422 answer (empty for the other cases).
    public var details: [ErrorDetail] {
        switch self {
        case .invalidJSON(let details), .notValid(let details): details
        default: []
        }
    }
}
