import Foundation

/// The Mesos task id of one container of a pod instance:
/// `<instanceId>.<containerName>.<incarnation>` (Marathon ≤ 1.7: without the incarnation).
public struct TaskId: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The instance.
    public let instanceId: InstanceId
    /// The container name.
    public let containerName: String
    /// The launch attempt of this instance, from 1; `nil` for legacy ids.
    public let incarnation: Int?

    /// A task id.
    public init(instanceId: InstanceId, containerName: String, incarnation: Int? = 1) {
        self.instanceId = instanceId
        self.containerName = containerName
        self.incarnation = incarnation
    }

    /// The id text.
    public var idString: String {
        var text = instanceId.idString + "." + containerName
        if let incarnation { text += "." + String(incarnation) }
        return text
    }

    /// The id text.
    public var description: String { idString }

    /// The id of the next launch of the same container.
    public var nextIncarnation: TaskId {
        TaskId(instanceId: instanceId, containerName: containerName, incarnation: (incarnation ?? 0) + 1)
    }

    /// Parses a task id, with or without incarnation, following Marathon's patterns
    /// `^(.+)\.(instance-|marathon-)([^_\.]+)[\._]([^\.]+)\.(\d+)$` and
    /// `^(.+)\.(instance-|marathon-)([^_\.]+)[\._]([^\.]+)$`.
    ///
    /// - Returns: `nil` if the text matches neither or its UUID part is not a UUID.
    public static func parse(_ text: String) -> TaskId? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 4, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCIIDigit),
           let incarnation = Int(last),
           let parsed = parseWithoutIncarnation(parts.dropLast().joined(separator: ".")) {
            return TaskId(instanceId: parsed.instanceId, containerName: parsed.containerName, incarnation: incarnation)
        }
        return parseWithoutIncarnation(text)
    }

    private static func parseWithoutIncarnation(_ text: String) -> TaskId? {
        // `(.+)\.(instance-|marathon-)([^_\.]+)[\._]([^\.]+)`: take the last prefix occurrence
        // whose remainder splits into a UUID, a separator and a dot-free container name.
        for prefix in [InstanceId.Prefix.instance, .marathon] {
            var searchEnd = text.endIndex
            while let marker = text.range(of: "." + prefix.rawValue, options: .backwards,
                                          range: text.startIndex..<searchEnd) {
                searchEnd = marker.lowerBound
                let safeId = text[..<marker.lowerBound]
                let rest = text[marker.upperBound...]
                guard !safeId.isEmpty,
                      let separator = rest.firstIndex(where: { $0 == "_" || $0 == "." })
                else { continue }
                let uuidText = rest[..<separator]
                let container = rest[rest.index(after: separator)...]
                guard !uuidText.isEmpty, !container.isEmpty, !container.contains("."),
                      let uuid = UUIDText.parse(String(uuidText))
                else { continue }
                let instance = InstanceId(podId: PodId(safeId: String(safeId)), prefix: prefix, uuid: uuid)
                return TaskId(instanceId: instance, containerName: String(container), incarnation: nil)
            }
        }
        return nil
    }
}
