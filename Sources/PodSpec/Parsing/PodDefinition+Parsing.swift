import Foundation
import Primitives

extension PodDefinition {
    /// Reads a `POST`/`PUT /v2/pods` body the way Marathon 1.10 does: JSON syntax, schema
    /// mapping, semantic validation, (PUT) id check, normalization and role validation.
    ///
    /// - Parameters:
    ///   - body: the request body.
    ///   - expectedId: for `PUT /v2/pods/{id}`, the `{id}` of the URL.
    ///   - options: server settings.
    /// - Returns: the validated, normalized pod with `version` set.
    /// - Throws: `PodSpecError` carrying Marathon's status and body: 400 for malformed JSON,
    ///   an empty body or an id mismatch; 422 for schema and validation errors.
    public static func parse(_ body: Data, expectedId: String? = nil,
                             options: PodSpecConfiguration = PodSpecConfiguration()) throws(PodSpecError) -> PodDefinition {
        try parse(parseJSONBody(body), expectedId: expectedId, options: options)
    }

    /// Like ``parse(_:expectedId:options:)`` for an already parsed document.
    public static func parse(_ json: JSONValue, expectedId: String? = nil,
                             options: PodSpecConfiguration = PodSpecConfiguration()) throws(PodSpecError) -> PodDefinition {
        let (raw, facts) = try PodSchema.read(json)
        try PodValidator.validate(raw, facts: facts, options: options)
        if let expectedId {
            // After validation, so a relative body id gets 422 "Path needs to be absolute".
            // Once the ids match, role settings computed from either are the same.
            try PodId.checkMatch(urlId: expectedId, bodyId: facts.rawId)
        }
        var pod = raw
        pod.normalize(facts: facts, options: options)
        try RoleValidator.validate(pod, options: options)
        return pod
    }

    /// Parses a request body as JSON.
    ///
    /// - Throws: `PodSpecError.emptyBody` for a body without content,
    ///   `PodSpecError.malformedJSON` for a syntax error.
    public static func parseJSONBody(_ body: Data) throws(PodSpecError) -> JSONValue {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw .emptyBody(details: "No content to map due to end-of-input")
        }
        do {
            return try JSONValue.parse(body)
        } catch {
            throw .malformedJSON(error)
        }
    }

    /// Reads a stored rendering (``renderJSON()``) back without validating or normalizing
    /// it, keeping its `version` and `role`.
    ///
    /// - Throws: `PodSpecError` if the document does not fit the schema.
    public static func decodeStored(_ data: Data) throws(PodSpecError) -> PodDefinition {
        let json = try parseJSONBody(data)
        var (pod, facts) = try PodSchema.read(json)
        pod.role = facts.role ?? "*"
        if case .string(let text)? = json["version"], let version = PodVersion(iso8601: text) {
            pod.version = version
        }
        return pod
    }
}
