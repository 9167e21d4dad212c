import Primitives

/// A running deployment plan from `GET /v2/deployments` (docs/reference/marathon-pods-api.md §11.1). A deployment
/// has finished when it leaves that list.
public struct Deployment: Sendable, Equatable {
    /// The document as the server sent it.
    public let json: JSONValue
    /// The deployment id (`Marathon-Deployment-Id` of the change that started it).
    public let id: String

    /// Reads a deployment document; it must have a string `id`.
    public init(json: JSONValue) throws(DocumentError) {
        self.json = json
        self.id = try json.requiredString("id", in: "deployment document")
    }

    /// The pods the deployment changes.
    public var affectedPods: [String] { json.strings("affectedPods") }

    /// The step being carried out (1-based, as Marathon counts).
    public var currentStep: Int? { json["currentStep"]?.intValue }

    /// The number of steps.
    public var totalSteps: Int? { json["totalSteps"]?.intValue }

    /// The actions of the current step (`StartPod`, `ScalePod`, `RestartPod`, `StopPod`).
    public var currentActions: [String] {
        json["currentActions"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
    }
}
