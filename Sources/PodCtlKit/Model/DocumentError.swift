import Primitives

/// A server document that lacks a field the API documents (the client turns it into
/// ``SchedulerClientError/invalidResponse(request:reason:)``).
public struct DocumentError: Error, Sendable, Equatable {
    /// What was missing or malformed.
    public var reason: String

    /// An error with this reason.
    public init(reason: String) {
        self.reason = reason
    }
}

extension JSONValue {
    /// The string member `key`, or a ``DocumentError`` naming it and the document kind.
    func requiredString(_ key: String, in document: String) throws(DocumentError) -> String {
        guard let value = self[key]?.stringValue else {
            throw DocumentError(reason: "\(document) without a string \"\(key)\"")
        }
        return value
    }

    /// The elements of `value`, which must be an array.
    static func requiredArray(_ value: JSONValue, of document: String) throws(DocumentError) -> [JSONValue] {
        guard let array = value.arrayValue else { throw DocumentError(reason: "\(document) is not a JSON array") }
        return array
    }

    /// Strings of an optional array member (non-strings skipped).
    func strings(_ key: String) -> [String] {
        self[key]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
