/// The value of an environment variable: a literal or a reference to a pod secret.
public enum EnvVarValue: Sendable, Hashable, Codable {
    /// A literal value.
    case value(String)
    /// The name of an entry in the pod's `secrets`.
    case secret(String)
}
