/// A location inside the pod document, rendered like Play's `JsPath`
/// (`/containers(0)/resources/cpus`).
struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    private(set) var components: [Component] = []

    static let root = JSONPath()

    /// The path below `key`.
    func appending(_ key: String) -> JSONPath {
        var copy = self
        copy.components.append(.key(key))
        return copy
    }

    /// The path of the element at `index`.
    func at(_ index: Int) -> JSONPath {
        var copy = self
        copy.components.append(.index(index))
        return copy
    }

    static func / (lhs: JSONPath, rhs: String) -> JSONPath { lhs.appending(rhs) }

    /// Play's rendering: empty for the root.
    var description: String {
        components.map { component in
            switch component {
            case .key(let key): "/" + key
            case .index(let index): "(\(index))"
            }
        }.joined()
    }

    /// Marathon's rendering of validation paths: `/` for the root.
    var validationDescription: String {
        components.isEmpty ? "/" : description
    }
}
