import Primitives

extension JSONValue {
    /// The value as indented JSON text with sorted keys and integral numbers as integers (two
    /// spaces per level, as `dcos marathon pod show` prints), without a trailing newline.
    public var prettyText: String { jsonString([.sortedKeys, .prettyPrinted, .plainNumbers]) }

    /// The value as compact JSON text with sorted keys.
    public var compactText: String { jsonString([.sortedKeys, .plainNumbers]) }
}
