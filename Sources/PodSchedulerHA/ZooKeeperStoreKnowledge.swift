/// What a `ZooKeeperSchedulerStore` knows of which nodes exist, to choose create or set and to
/// leave out deletes of nodes that are not there.
///
/// A node is known to exist when the store read, listed or wrote it; known not to exist when
/// the store deleted it, ZooKeeper answered NONODE for it, or its parent was listed (or made by
/// the store) and it was not among the children. Of any other node (a pod version the leader
/// never read) nothing is known. Absence is learnt only from the listings of whole parents and
/// from the store's own transactions, never from a single read that found nothing: such a read
/// may overtake a write of the store in flight, and a wrong "absent" would make a delete be
/// left out. A wrong "exists" costs one corrected try at most.
struct Knowledge: Sendable {
    enum Presence: Equatable {
        case present
        case absent
        case unknown
    }

    /// Nodes known to exist (records and version groups).
    var existing: Set<String> = []
    /// Nodes known not to exist whose parent is not complete (a pod version deleted).
    var absent: Set<String> = []
    /// Nodes whose every child is known: listed whole, or made by this store since.
    var complete: Set<String> = []

    func presence(_ path: String) -> Presence {
        if existing.contains(path) { return .present }
        if absent.contains(path) { return .absent }
        guard let parent = Self.parent(of: path) else { return .unknown }
        if complete.contains(parent) { return .absent }
        return presence(parent) == .absent ? .absent : .unknown
    }

    /// `parents` were listed, and `children` are what they hold (read meanwhile).
    mutating func listed(_ parents: [String], children: [String]) {
        complete.formUnion(parents)
        existing.formUnion(children)
        absent.subtract(children)
    }

    mutating func exists(_ path: String, madeEmpty: Bool = false) {
        existing.insert(path)
        absent.remove(path)
        if madeEmpty { complete.insert(path) }
    }

    /// `path` is gone, and with it every node below it.
    mutating func gone(_ path: String) {
        existing.remove(path)
        if complete.remove(path) != nil || absent.contains(where: { $0.hasPrefix(path + "/") }) {
            let below = path + "/"
            existing = existing.filter { !$0.hasPrefix(below) }
            absent = absent.filter { !$0.hasPrefix(below) }
        }
        if let parent = Self.parent(of: path), complete.contains(parent) {
            absent.remove(path)
        } else {
            absent.insert(path)
        }
    }

    /// Whether a node is known to have a child that is not among `leaving`.
    func hasChild(_ path: String, besides leaving: Set<String>) -> Bool {
        let below = path + "/"
        return existing.contains { $0.hasPrefix(below) && !leaving.contains($0) }
    }

    static func parent(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return nil }
        return String(path[..<slash])
    }
}
