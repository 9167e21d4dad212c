/// Collects messages per path in the order they were first reported, one entry per
/// distinct path and no repeated message within an entry (Marathon groups its violations
/// by path and de-duplicates them).
struct ErrorCollector: Sendable {
    private(set) var details: [ErrorDetail] = []
    private var positions: [String: Int] = [:]

    var isEmpty: Bool { details.isEmpty }

    mutating func add(_ path: String, _ message: String) {
        if let position = positions[path] {
            if !details[position].errors.contains(message) {
                details[position].errors.append(message)
            }
        } else {
            positions[path] = details.count
            details.append(ErrorDetail(path: path, errors: [message]))
        }
    }

    mutating func add(_ path: JSONPath, _ message: String) {
        add(path.description, message)
    }

    /// Adds a validation violation: the pod root renders as `/`.
    mutating func violation(_ path: JSONPath, _ message: String) {
        add(path.validationDescription, message)
    }

    mutating func merge(_ other: ErrorCollector) {
        for detail in other.details {
            for message in detail.errors { add(detail.path, message) }
        }
    }
}
