import Foundation
import MesosProtocol

/// Mesos' two formats of a reservation in `Resource` (the comment above `ReservationInfo`
/// in `mesos.proto`; `convertResourceFormat` and `Resources::validate` in
/// `mesos:src/common/resource_utils.cpp` and `resources.cpp`): pre-refinement (`role` and
/// `reservation {principal, labels}`), for frameworks without the
/// `RESERVATION_REFINEMENT` capability, and post-refinement (the `reservations` stack, the
/// last entry the current one). The embedded master keeps everything post-refinement.
enum ResourceFormat {
    case preRefinement
    case postRefinement

    /// The resource in the post-refinement format (`upgradeResource`): `role` and
    /// `reservation` moved into `reservations`, an unreserved one with neither.
    static func upgraded(_ resource: Mesos_V1_Resource) -> Mesos_V1_Resource {
        var r = resource
        if !r.reservations.isEmpty {
            r.clearRole()
            r.clearReservation()
            return r
        }
        let role = r.hasRole ? r.role : "*"
        r.clearRole()
        guard role != "*" else {
            r.clearReservation()
            return r
        }
        var reservation = Mesos_V1_Resource.ReservationInfo()
        if r.hasReservation {
            reservation = r.reservation
            reservation.type = .dynamic
        } else {
            reservation.type = .static
        }
        reservation.role = role
        r.clearReservation()
        r.reservations = [reservation]
        return r
    }

    /// A post-refinement resource in this format (`convertResourceFormat`); nil when a
    /// refined reservation cannot be written pre-refinement (Mesos offers those only to
    /// frameworks with the capability).
    func render(_ resource: Mesos_V1_Resource) -> Mesos_V1_Resource? {
        var r = resource
        switch self {
        case .postRefinement:
            return r
        case .preRefinement:
            switch r.reservations.count {
            case 0:
                r.role = "*"
            case 1:
                let source = r.reservations[0]
                if source.type == .dynamic {
                    var target = Mesos_V1_Resource.ReservationInfo()
                    if source.hasPrincipal { target.principal = source.principal }
                    if source.hasLabels { target.labels = source.labels }
                    r.reservation = target
                }
                r.role = source.role
                r.reservations = []
            default:
                return nil
            }
            return r
        }
    }

    /// What `Resources::validate` refuses in one resource (quantity and reservation
    /// format), worded as Mesos words it; nil when it is well formed.
    static func problem(_ r: Mesos_V1_Resource) -> String? {
        if r.name.isEmpty { return "Empty resource name" }
        switch r.type {
        case .scalar:
            if !r.hasScalar || r.hasRanges || r.hasSet { return "Invalid scalar resource" }
            if r.scalar.value != 0 && ResourceSet.round(r.scalar.value) <= 0 { return "Invalid scalar resource: value <= 0" }
        case .ranges:
            if r.hasScalar || !r.hasRanges || r.hasSet { return "Invalid ranges resource" }
            if r.ranges.range.contains(where: { $0.begin > $0.end }) { return "Invalid ranges resource: begin > end" }
        case .set:
            if r.hasScalar || r.hasRanges || !r.hasSet { return "Invalid set resource" }
        default:
            return "Unsupported resource type"
        }
        if r.hasDisk && r.name != "disk" { return "DiskInfo should not be set for \(r.name) resource" }
        if r.reservations.isEmpty {
            if let problem = roleProblem(r.hasRole ? r.role : "*") { return problem }
            if r.hasReservation {
                if r.reservation.hasType { return "'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field" }
                if r.reservation.hasRole { return "'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field" }
                if !r.hasRole || r.role == "*" { return "Invalid reservation: role \"*\" cannot be dynamically reserved" }
            }
        } else {
            return refinedProblem(r)
        }
        if r.hasShared && !(r.hasDisk && r.disk.hasPersistence) { return "Only persistent volumes can be shared" }
        return nil
    }

    private static func refinedProblem(_ r: Mesos_V1_Resource) -> String? {
        for reservation in r.reservations {
            if !reservation.hasType { return "Invalid reservation: 'Resource.ReservationInfo.type' field must be set." }
            if !reservation.hasRole { return "Invalid reservation: 'Resource.ReservationInfo.role' field must be set." }
            if let problem = roleProblem(reservation.role) { return problem }
            if reservation.role == "*" { return "Invalid reservation: role \"*\" cannot be reserved" }
        }
        var ancestor = r.reservations[0].role
        for reservation in r.reservations.dropFirst() {
            if reservation.type == .static { return "Invalid refined reservation: A refined reservation cannot be STATIC" }
            guard reservation.role.hasPrefix(ancestor + "/") else {
                return "Invalid refined reservation: role '\(reservation.role)' is not a refinement of '\(ancestor)'"
            }
            ancestor = reservation.role
        }
        if r.reservations.count > 1 {
            if r.hasRole { return "Invalid resource format: 'Resource.role' must not be set if there is more than one reservation in 'Resource.reservations'" }
            if r.hasReservation { return "Invalid resource format: 'Resource.reservation' must not be set if there is more than one reservation in 'Resource.reservations'" }
            return nil
        }
        let reservation = r.reservations[0]
        if r.hasRole && r.role != reservation.role {
            return "Invalid resource format: 'Resource.role' field with '\(r.role)' does not match the role '\(reservation.role)' in 'Resource.reservations'"
        }
        switch reservation.type {
        case .static where r.hasReservation:
            return "Invalid resource format: 'Resource.reservation' must not be set if the single reservation in 'Resource.reservations' is STATIC"
        case .dynamic where r.hasRole != r.hasReservation:
            return "Invalid resource format: 'Resource.role' and 'Resource.reservation' must either be both set or both not set if the single reservation in 'Resource.reservations' is DYNAMIC"
        case .unknown:
            return "Unsupported 'Resource.ReservationInfo.Type'"
        default:
            return nil
        }
    }

    /// `roles::validate` (`mesos:src/common/roles.cpp`), the rules a role name follows.
    static func roleProblem(_ role: String) -> String? {
        if role == "*" { return nil }
        if role.isEmpty { return "Role names cannot be the empty string" }
        if role.hasPrefix("/") { return "Role '\(role)' cannot start with a slash" }
        if role.hasSuffix("/") { return "Role '\(role)' cannot end with a slash" }
        if role.contains("//") { return "Role '\(role)' cannot contain two adjacent slashes" }
        for part in role.split(separator: "/") {
            if part == "." { return "Role '\(role)' cannot include '.' as a component" }
            if part == ".." { return "Role '\(role)' cannot include '..' as a component" }
            if part == "*" { return "Role '\(role)' cannot include '*' as a component" }
            if part.hasPrefix("-") { return "Role component '\(part)' is invalid because it starts with a dash" }
            if part.unicodeScalars.contains(where: { $0.value == 0x08 || $0.properties.isWhitespace }) {
                return "Role component '\(part)' is invalid because it contains backspace or whitespace"
            }
        }
        return nil
    }
}

/// Resources as Mesos prints them in its messages (`operator<<` in
/// `mesos:src/common/resources.cpp`): `disk(allocated: pods)(reservations:
/// [(DYNAMIC,pods,pod-scheduler,{k: v})])[db#pst#1:pst]:128`.
enum MesosResourceText {
    static func resource(_ r: Mesos_V1_Resource) -> String {
        var out = r.name
        if r.hasAllocationInfo { out += "(allocated: \(r.allocationInfo.role))" }
        if !r.reservations.isEmpty {
            out += "(reservations: [" + r.reservations.map { "(" + reservation($0) + ")" }.joined(separator: ",") + "])"
        }
        if r.hasDisk {
            var disk = ""
            if r.disk.hasPersistence { disk += r.disk.persistence.id }
            if r.disk.hasVolume { disk += ":" + r.disk.volume.containerPath }
            out += "[\(disk)]"
        }
        if r.hasRevocable { out += "{REV}" }
        if r.hasShared { out += "<SHARED>" }
        out += ":"
        switch r.type {
        case .scalar: out += number(r.scalar.value)
        case .ranges: out += "[" + r.ranges.range.map { "\($0.begin)-\($0.end)" }.joined(separator: ", ") + "]"
        case .set: out += "{" + r.set.item.joined(separator: ", ") + "}"
        default: break
        }
        return out
    }

    static func resources(_ list: [Mesos_V1_Resource]) -> String {
        list.isEmpty ? "{}" : list.map(resource).joined(separator: "; ")
    }

    static func reservation(_ r: Mesos_V1_Resource.ReservationInfo) -> String {
        var out = (r.type == .dynamic ? "DYNAMIC" : r.type == .static ? "STATIC" : "UNKNOWN") + "," + r.role
        if r.hasPrincipal { out += "," + r.principal }
        if r.hasLabels {
            out += ",{" + r.labels.labels.map { $0.hasValue ? "\($0.key): \($0.value)" : $0.key }.joined(separator: ", ") + "}"
        }
        return out
    }

    /// A double as an `ostream` writes it by default (6 significant digits).
    static func number(_ v: Double) -> String {
        let rounded = ResourceSet.round(v)
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return String(format: "%g", rounded)
    }
}
