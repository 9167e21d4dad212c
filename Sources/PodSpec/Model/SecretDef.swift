/// A secret declaration (`secrets.<name>`).
public struct SecretDef: Sendable, Hashable, Codable {
    /// Where the secret store keeps it.
    public var source: String

    /// A secret declaration.
    public init(source: String) {
        self.source = source
    }
}
