/// Where pod secrets live. A pod names each secret by a store-specific `source`
/// (`secrets.<name>.source`); the scheduler asks ``contains(_:)`` before each launch and
/// calls ``read(_:)`` only to answer the executor of an instance that uses the secret,
/// authenticated by that instance's single-use token. Values are never stored, logged or
/// put into a task.
///
/// ``DirectorySecretStore`` is the default. Another store plugs in behind these two calls;
/// HashiCorp Vault's KV version 2 engine would be the next (docs/operations.md, "Secret
/// stores"): `contains` as a `GET <mount>/metadata/<path>`, `read` as a
/// `GET <mount>/data/<path>` and one key of its `data.data`.
public protocol SecretStore: Sendable {
    /// What the store is, for the start-up log (never a credential).
    var description: String { get }
    /// Whether `source` names a secret that exists now, without reading its value where the
    /// store allows that. Throws when the store cannot tell (invalid source, store down).
    func contains(_ source: String) async throws(SecretStoreError) -> Bool
    /// The secret's bytes.
    func read(_ source: String) async throws(SecretStoreError) -> [UInt8]
}

/// Why a secret store could not answer. The message names the source, never a value.
public struct SecretStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No secret at that source.
        case notFound
        /// The source is not a name this store accepts.
        case invalidSource
        /// The secret is larger than the store hands out.
        case tooLarge
        /// The store cannot be reached or read now.
        case unavailable
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
