import Foundation

/// A pod instance id: `<safeId>.instance-<uuid>` (legacy: `<safeId>.marathon-<uuid>`).
public struct InstanceId: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The id prefix before the UUID.
    public enum Prefix: String, Sendable, Hashable, Codable {
        /// `instance-` (current).
        case instance = "instance-"
        /// `marathon-` (legacy).
        case marathon = "marathon-"
    }

    /// The pod this instance belongs to.
    public let podId: PodId
    /// The prefix.
    public let prefix: Prefix
    /// The instance UUID (time-based for new instances).
    public let uuid: UUID

    /// Marathon's pattern for instance ids, quoted in its error message.
    public static let patternText = #"^(.+)\.(instance-|marathon-)([^\.]+)$"#

    /// An instance id.
    public init(podId: PodId, prefix: Prefix = .instance, uuid: UUID) {
        self.podId = podId
        self.prefix = prefix
        self.uuid = uuid
    }

    /// A new id for an instance of `podId`, with a time-based UUID.
    public static func generate(for podId: PodId, using generator: TimeBasedUUIDGenerator = .shared) -> InstanceId {
        InstanceId(podId: podId, uuid: generator.next())
    }

    /// `<safeId>.instance-<uuid>`.
    public var idString: String { podId.safeId + "." + prefix.rawValue + uuid.uuidString.lowercased() }

    /// The executor id of this instance: `instance-<safeId>.<uuid>` (prefix first).
    public var executorId: String { prefix.rawValue + podId.safeId + "." + uuid.uuidString.lowercased() }

    /// The instance id text.
    public var description: String { idString }

    /// Orders by id text.
    public static func < (lhs: InstanceId, rhs: InstanceId) -> Bool { lhs.idString < rhs.idString }

    /// Parses an instance id.
    ///
    /// - Throws: `PodSpecError.notValid` (path `/`) when the text does not match
    ///   ``patternText``; `PodSpecError.invalidArgument("Invalid UUID string: …")` when the last
    ///   part is not a UUID. Both are 422 in Marathon.
    public static func parse(_ text: String) throws(PodSpecError) -> InstanceId {
        guard let parts = split(text) else {
            throw .notValid([ErrorDetail(path: "/", errors: ["must fully match regular expression '\(patternText)'"])])
        }
        guard let uuid = UUIDText.parse(parts.uuid) else {
            throw .invalidArgument("Invalid UUID string: \(parts.uuid)")
        }
        return InstanceId(podId: PodId(safeId: parts.safeId), prefix: parts.prefix, uuid: uuid)
    }

    /// Splits text matching ``patternText`` into its three groups (the last `.instance-` or
    /// `.marathon-` that is followed by a dot-free tail wins, as with the greedy regex).
    static func split(_ text: String) -> (safeId: String, prefix: Prefix, uuid: String)? {
        guard let lastDot = text.lastIndex(of: ".") else { return nil }
        let tail = text[text.index(after: lastDot)...]
        let head = text[..<lastDot]
        for prefix in [Prefix.instance, .marathon] where tail.hasPrefix(prefix.rawValue) {
            let uuid = tail.dropFirst(prefix.rawValue.count)
            guard !uuid.isEmpty, !head.isEmpty else { return nil }
            return (String(head), prefix, String(uuid))
        }
        return nil
    }

    /// Decodes from the id text.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try InstanceId.parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "Invalid instance id '\(text)'"))
        }
    }

    /// Encodes as the id text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(idString)
    }
}
