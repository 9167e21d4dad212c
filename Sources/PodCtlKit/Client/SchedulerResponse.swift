import Foundation
import Primitives

/// A successful (2xx) answer of the scheduler, before decoding.
struct SchedulerResponse: Sendable {
    /// `METHOD /path`, for error messages.
    var request: String
    /// The HTTP status.
    var status: Int
    /// The `Marathon-Deployment-Id` header.
    var deploymentHeader: String?
    /// The body.
    var body: Data

    /// The body as JSON, decoded by `decode`; failures become `invalidResponse`.
    func decode<Value>(_ decode: (JSONValue) throws(DocumentError) -> Value) throws(SchedulerClientError) -> Value {
        let json: JSONValue
        do {
            json = try JSONValue.parse(body)
        } catch {
            throw .invalidResponse(request: request, reason: body.isEmpty ? "empty body" : "body is not JSON")
        }
        do {
            return try decode(json)
        } catch {
            throw .invalidResponse(request: request, reason: error.reason)
        }
    }

    /// The `Marathon-Deployment-Id` header, which every change answer carries.
    func deploymentID() throws(SchedulerClientError) -> String {
        guard let id = deploymentHeader, !id.isEmpty else {
            throw .invalidResponse(request: request, reason: "no Marathon-Deployment-Id header")
        }
        return id
    }
}
