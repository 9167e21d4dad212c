/// What the schema mapping learned about the input beyond the model itself: the facts
/// that validation and normalization depend on (was a field given, the id as sent, …).
struct PodInputFacts: Sendable {
    /// The `id` exactly as sent.
    var rawId = ""
    /// The `role` as sent.
    var role: String?
    /// `scheduling.upgrade` was given (resident pods validate it instead of defaulting it).
    var upgradeGiven = false
    /// `scheduling.unreachableStrategy` was given.
    var unreachableGiven = false
    /// Violations discovered while reading that Marathon reports during validation
    /// (e.g. a resource limit string other than `unlimited`).
    var deferredViolations: [(path: JSONPath, message: String)] = []
}
