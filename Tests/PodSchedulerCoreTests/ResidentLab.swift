import Foundation
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// What the resident-pod tests need beside `SchedulerLab`: resident pods of role `pods`,
/// offers allocated to that role, and the offer a Mesos master makes of the resources an
/// ACCEPT reserved (RESERVE applied, then CREATE: the reserved disk less the volumes, and
/// the volumes). The scheduler's calls are recorded (it has no master).
enum ResidentLab {
    static let role = "pods"

    /// A resident pod: one container mounting persistent volume `data` of `size` MiB at `/data`.
    static func pod(_ id: String = "/db", instances: Int = 1, size: Int = 128, hostPort: Int? = nil,
                    command: String = "sleep 1000") throws -> PodDefinition {
        let endpoints = hostPort.map { #", "endpoints": [{"name": "http", "hostPort": \#($0)}]"# } ?? ""
        return try PodDefinition.parse(Data("""
            {"id": "\(id)", "role": "\(role)", "scaling": {"kind": "fixed", "instances": \(instances)},
             "containers": [{"name": "c", "exec": {"command": {"shell": "\(command)"}}, "resources": {"cpus": 0.1, "mem": 32},
                             "volumeMounts": [{"name": "data", "mountPath": "/data"}]\(endpoints)}],
             "volumes": [{"name": "data", "persistent": {"type": "root", "size": \(size)}}],
             "networks": [{"mode": "host"}]}
            """.utf8), options: PodSpecConfiguration(mesosRole: role))
    }

    /// Unreserved resources of an agent, allocated to `pods`.
    static func offer(_ agent: String = "S1", disk: Double = 100_000) -> Mesos_V1_Offer {
        var offer = OfferMatcherTests.offer(agent, host: "\(agent.lowercased()).example", cpus: 8, mem: 8192, disk: disk,
                                            ports: [31000...31999])
        for i in offer.resources.indices { offer.resources[i].allocationInfo.role = role }
        offer.id = Mesos_V1_OfferID("O-\(agent)-\(UUID().uuidString.prefix(8))")
        return offer
    }

    /// `base` with the resources `operations` reserved and created on it, as the master
    /// offers them after the ACCEPT.
    static func applying(_ operations: [Mesos_V1_Offer.Operation], to base: Mesos_V1_Offer) -> Mesos_V1_Offer {
        var offer = base
        offer.id = Mesos_V1_OfferID("O-\(base.agentID.value)-\(UUID().uuidString.prefix(8))")
        for operation in operations {
            switch operation.type {
            case .reserve:
                offer.resources += operation.reserve.resources
            case .create:
                for volume in operation.create.volumes {
                    if let disk = offer.resources.firstIndex(where: {
                        $0.name == "disk" && !$0.hasDisk && $0.reservations == volume.reservations
                    }) {
                        offer.resources[disk].scalar.value -= volume.scalar.value
                    }
                    offer.resources.append(volume)
                }
            default:
                continue
            }
        }
        return offer
    }

    /// The one ACCEPT among `calls`.
    static func accept(_ calls: [Mesos_V1_Scheduler_Call]) throws -> Mesos_V1_Scheduler_Call.Accept {
        let accepts = calls.filter { $0.type == .accept }
        try #require(accepts.count == 1, "one ACCEPT, got \(calls.map(\.type))")
        return accepts[0].accept
    }

    static func labels(_ resource: Mesos_V1_Resource) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (resource.reservations.last?.labels.labels ?? []).map { ($0.key, $0.value) })
    }
}

extension Scheduler {
    /// Records the calls from now on.
    func recordCalls() { recordedCalls = [] }

    /// The answers to offers (ACCEPT, DECLINE) recorded since the last time, and starts again
    /// (acknowledgements go out from tasks of their own, REVIVE and SUPPRESS as interest changes).
    func takeCalls() -> [Mesos_V1_Scheduler_Call] {
        defer { recordedCalls = [] }
        return (recordedCalls ?? []).filter { $0.type == .accept || $0.type == .decline }
    }

    func record(_ instanceID: String) -> InstanceRecord? { instances[instanceID] }

    func ageReservation(_ instanceID: String, by seconds: TimeInterval) {
        instances[instanceID]?.reservation?.since.addTimeInterval(-seconds)
    }
}
