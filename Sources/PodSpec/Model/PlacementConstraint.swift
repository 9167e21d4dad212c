/// A placement constraint (`scheduling.placement.constraints[]`).
public struct PlacementConstraint: Sendable, Hashable, Codable {
    /// The constraint operator.
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        /// Every instance on a distinct value.
        case unique = "UNIQUE"
        /// All instances on one value (the given one if set).
        case cluster = "CLUSTER"
        /// Spread evenly over the values.
        case groupBy = "GROUP_BY"
        /// The value must match a regular expression.
        case like = "LIKE"
        /// The value must not match a regular expression.
        case unlike = "UNLIKE"
        /// At most N instances per value.
        case maxPer = "MAX_PER"
        /// The value equals a literal.
        case `is` = "IS"
    }

    /// `hostname`, `@region`, `@zone` or an agent attribute.
    public var fieldName: String
    /// The operator.
    public var `operator`: Operator
    /// The operand.
    public var value: String?

    /// A constraint.
    public init(fieldName: String, operator: Operator, value: String? = nil) {
        self.fieldName = fieldName
        self.operator = `operator`
        self.value = value
    }
}
