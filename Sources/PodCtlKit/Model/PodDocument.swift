import Primitives

/// A pod definition as the server rendered it (`GET /v2/pods/{id}`, the body of a create
/// or update answer, a `::versions/{v}` document).
///
/// The whole document is kept in ``json``; the properties read what podctl shows.
public struct PodDocument: Sendable, Equatable {
    /// The document as the server sent it.
    public let json: JSONValue
    /// The pod id (`/group/pod`).
    public let id: String

    /// Reads a pod document; it must be an object with a string `id`.
    public init(json: JSONValue) throws(DocumentError) {
        guard json.objectValue != nil else { throw DocumentError(reason: "pod document is not a JSON object") }
        self.json = json
        self.id = try json.requiredString("id", in: "pod document")
    }

    /// `scaling.instances` (Marathon's default is 1).
    public var instances: Int {
        json["scaling"]?["instances"]?.intValue ?? 1
    }

    /// The pod's version timestamp, if rendered.
    public var version: String? {
        json["version"]?.stringValue
    }

    /// The container names in definition order.
    public var containerNames: [String] {
        json["containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }
}
