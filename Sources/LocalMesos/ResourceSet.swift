import MesosProtocol

/// Arithmetic over Mesos resources of one role: scalars by name and ranges by name.
/// Enough for the embedded master's offers and its "more than available" check.
struct ResourceSet: Sendable, Equatable, CustomStringConvertible {
    var scalars: [String: Double] = [:]
    var ranges: [String: [ClosedRange<UInt64>]] = [:]

    init() {}

    init(_ resources: [Mesos_V1_Resource]) {
        for r in resources { add(r) }
    }

    mutating func add(_ r: Mesos_V1_Resource) {
        switch r.type {
        case .scalar: scalars[r.name, default: 0] += r.scalar.value
        case .ranges: ranges[r.name] = Self.union(ranges[r.name, default: []] + r.ranges.range.compactMap { $0.begin <= $0.end ? $0.begin...$0.end : nil })
        default: break
        }
    }

    static func + (a: ResourceSet, b: ResourceSet) -> ResourceSet {
        var out = a
        for (k, v) in b.scalars { out.scalars[k, default: 0] += v }
        for (k, v) in b.ranges { out.ranges[k] = union(out.ranges[k, default: []] + v) }
        return out
    }

    static func - (a: ResourceSet, b: ResourceSet) -> ResourceSet {
        var out = a
        for (k, v) in b.scalars { out.scalars[k] = max(0, (out.scalars[k] ?? 0) - v) }
        for (k, v) in b.ranges { out.ranges[k] = subtract(out.ranges[k, default: []], v) }
        return out
    }

    /// Whether `other` fits inside this set (scalars rounded to Mesos' 3 decimals).
    func contains(_ other: ResourceSet) -> Bool {
        for (k, v) in other.scalars where Self.round(v) > Self.round(scalars[k] ?? 0) { return false }
        for (k, v) in other.ranges {
            let have = ranges[k, default: []]
            for r in v where !have.contains(where: { $0.lowerBound <= r.lowerBound && r.upperBound <= $0.upperBound }) {
                return false
            }
        }
        return true
    }

    var isEmpty: Bool {
        scalars.values.allSatisfy { Self.round($0) <= 0 } && ranges.values.allSatisfy(\.isEmpty)
    }

    /// As Mesos resources of a role, in the order Mesos offers them (ports first).
    func resources(role: String) -> [Mesos_V1_Resource] {
        resources().map { r in
            var r = r
            r.role = role
            r.allocationInfo.role = role
            return r
        }
    }

    /// As Mesos resources with no role or allocation, ports first.
    func resources() -> [Mesos_V1_Resource] {
        var out: [Mesos_V1_Resource] = []
        for (name, list) in ranges.sorted(by: { $0.key < $1.key }) where !list.isEmpty {
            out.append(Mesos_V1_Resource.ranges(name, list))
        }
        for name in ["cpus", "mem", "disk", "gpus"] + scalars.keys.sorted().filter({ !["cpus", "mem", "disk", "gpus"].contains($0) }) {
            guard let v = scalars[name], Self.round(v) > 0 else { continue }
            out.append(Mesos_V1_Resource.scalar(name, Self.round(v)))
        }
        return out
    }

    var description: String {
        let s = scalars.sorted { $0.key < $1.key }.map { "\($0.key):\(Self.round($0.value))" }
        let r = ranges.sorted { $0.key < $1.key }.map { k, v in "\(k):[" + v.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",") + "]" }
        return (s + r).joined(separator: "; ")
    }

    static func round(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

    static func union(_ list: [ClosedRange<UInt64>]) -> [ClosedRange<UInt64>] {
        let sorted = list.sorted { $0.lowerBound < $1.lowerBound }
        var out: [ClosedRange<UInt64>] = []
        for r in sorted {
            if let last = out.last, r.lowerBound <= last.upperBound &+ 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    static func subtract(_ from: [ClosedRange<UInt64>], _ remove: [ClosedRange<UInt64>]) -> [ClosedRange<UInt64>] {
        var current = from
        for cut in remove {
            var next: [ClosedRange<UInt64>] = []
            for r in current {
                if cut.upperBound < r.lowerBound || cut.lowerBound > r.upperBound {
                    next.append(r)
                    continue
                }
                if cut.lowerBound > r.lowerBound { next.append(r.lowerBound...(cut.lowerBound - 1)) }
                if cut.upperBound < r.upperBound { next.append((cut.upperBound + 1)...r.upperBound) }
            }
            current = next
        }
        return current
    }
}
