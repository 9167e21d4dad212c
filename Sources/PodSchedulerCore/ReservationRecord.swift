import Foundation
import PodSpec

/// The reservation and persistent volumes of a resident instance (Marathon's
/// `Reservation` with its `LocalVolumeId`s), stored inside the instance's record: the agent
/// they are on, the role, the labels that name the framework and the instance, and each
/// volume's persistence id. It outlives the instance's tasks: an instance that ends is
/// relaunched only on an offer that holds it (`ReservationOffer`).
struct ReservationRecord: Codable, Sendable, Equatable {
    /// Marathon's `Reservation.State`.
    enum State: String, Codable, Sendable {
        /// RESERVE + CREATE sent; no offer showed the reserved resources yet.
        case new
        /// Tasks were launched on it.
        case launched
        /// The instance's tasks ended; it waits for the reservation's next offer.
        case suspended
    }

    /// One persistent volume of the reservation.
    struct Volume: Codable, Sendable, Equatable {
        /// The pod volume's name (also the `container_path` in the executor's sandbox).
        var name: String
        /// `DiskInfo.persistence.id`: `<safe pod id>#<volume name>#<time-based uuid>`.
        var persistenceID: String
        /// Size in MiB.
        var size: Double
    }

    var agentID: String
    var agentHostname: String
    /// The reservation's role (the pod's role).
    var role: String
    /// `ReservationInfo.principal` (the framework's principal), when it has one.
    var principal: String?
    /// `marathon_framework_id` and `marathon_task_id` (the instance id).
    var frameworkID: String
    var volumes: [Volume]
    var state: State
    /// When the state last changed.
    var since: Date

    /// Marathon's `--task_reservation_timeout`: a `new` reservation that no offer confirmed
    /// within this time is given up (its resources, if they ever show, are freed as orphans).
    static let confirmationTimeout: TimeInterval = 20

    /// The reservation labels, in the order Marathon writes them (`TaskLabels.labelsForTask`).
    func labels(instanceID: String) -> [(key: String, value: String)] {
        ReservationLabels.pairs(frameworkID: frameworkID, instanceID: instanceID)
    }

    var snapshot: ReservationSnapshot {
        ReservationSnapshot(agentID: agentID, agentHostname: agentHostname, role: role, principal: principal,
                            frameworkID: frameworkID, state: state.rawValue,
                            volumes: volumes.map { ReservationSnapshot.Volume(name: $0.name, persistenceID: $0.persistenceID,
                                                                              containerPath: $0.name, size: $0.size) })
    }

    /// A new persistence id for `volume` of `pod` (Marathon's `LocalVolumeId.idString`).
    static func persistenceID(pod: PodId, volume: String, uuid: UUID) -> String {
        pod.safeId + "#" + volume + "#" + uuid.uuidString.lowercased()
    }
}

/// The label keys of a resident instance's reservation, as Marathon names them.
enum ReservationLabels {
    static let frameworkID = "marathon_framework_id"
    /// Keeps its legacy name (MARATHON-8517); the value is the instance id.
    static let instanceID = "marathon_task_id"

    /// The labels of an instance's reservation, in Marathon's order.
    static func pairs(frameworkID: String, instanceID: String) -> [(key: String, value: String)] {
        [(Self.frameworkID, frameworkID), (Self.instanceID, instanceID)]
    }
}

/// A resident instance's reservation as `::status` shows it.
public struct ReservationSnapshot: Sendable, Equatable {
    /// One persistent volume.
    public struct Volume: Sendable, Equatable {
        public var name: String
        public var persistenceID: String
        /// Where the agent puts it in the executor's sandbox (the volume's name).
        public var containerPath: String
        /// MiB.
        public var size: Double

        /// A volume.
        public init(name: String, persistenceID: String, containerPath: String, size: Double) {
            self.name = name
            self.persistenceID = persistenceID
            self.containerPath = containerPath
            self.size = size
        }
    }

    public var agentID: String
    public var agentHostname: String
    public var role: String
    public var principal: String?
    /// The value of the `marathon_framework_id` label.
    public var frameworkID: String
    /// `new`, `launched` or `suspended` (Marathon's reservation states).
    public var state: String
    public var volumes: [Volume]

    /// A reservation as shown.
    public init(agentID: String, agentHostname: String, role: String, principal: String?, frameworkID: String, state: String,
                volumes: [Volume]) {
        self.agentID = agentID
        self.agentHostname = agentHostname
        self.role = role
        self.principal = principal
        self.frameworkID = frameworkID
        self.state = state
        self.volumes = volumes
    }

    /// The reservation's labels for `instanceID`, key to value.
    public func labels(instanceID: String) -> [(key: String, value: String)] {
        ReservationLabels.pairs(frameworkID: frameworkID, instanceID: instanceID)
    }
}
