/// A JSON object whose members keep their insertion order.
///
/// A key given twice keeps its first position and its last value, as Jackson and Play do
/// when they read a document with duplicate keys.
public struct JSONObject: Sendable {
    /// One `"key": value` member.
    public struct Member: Sendable, Equatable {
        /// The member's name.
        public var key: String
        /// The member's value.
        public var value: JSONValue

        /// A member.
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members in order.
    public private(set) var members: [Member] = []
    private var positions: [String: Int] = [:]

    /// An empty object.
    public init() {}

    /// An object with these members (later duplicates replace earlier values).
    public init(_ members: [Member]) {
        for member in members { self[member.key] = member.value }
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The number of members.
    public var count: Int { members.count }

    /// The value of `key`; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = positions[key] else { return nil }
            return members[position].value
        }
        set {
            if let newValue {
                if let position = positions[key] {
                    members[position].value = newValue
                } else {
                    positions[key] = members.count
                    members.append(Member(key: key, value: newValue))
                }
            } else if let position = positions[key] {
                members.remove(at: position)
                positions = [:]
                for (index, member) in members.enumerated() { positions[member.key] = index }
            }
        }
    }
}

extension JSONObject: Equatable {
    /// Order-insensitive equality.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for member in lhs.members {
            guard let other = rhs[member.key], other == member.value else { return false }
        }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object with the literal's members in order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(key: $0.0, value: $0.1) })
    }
}
