import Foundation
import MesosProtocol
import PodSpec

/// Resident pods (persistent volumes), as Marathon runs them (docs/operations.md, stateful
/// pods): an instance first reserves its resources on an agent and creates its volumes there
/// (one ACCEPT with RESERVE + CREATE), then launches on an offer that shows that reservation,
/// and after its tasks end it is relaunched only there, with the same id and data. A stopped
/// instance's reservation, and any of ours that no instance owns, is freed with DESTROY +
/// UNRESERVE when an offer shows it.
extension Scheduler {
    /// Places one waiting instance of a resident pod on the offer: a launch on its own
    /// reservation when it has one, else a new reservation on unreserved resources.
    func placeResident(_ record: InstanceRecord, pod: PodDefinition, on placement: inout OfferPlacement) -> PlacementOutcome {
        guard let frameworkID else { return .waiting }
        guard let reservation = record.reservation else {
            return reserve(record, pod: pod, frameworkID: frameworkID, on: &placement)
        }
        let now = Date()
        let held = ReservationOffer.held(by: record.instanceID, frameworkID: frameworkID, in: placement.offer)
        guard reservation.agentID == placement.offer.agentID.value, ReservationOffer.covers(held, reservation: reservation, pod: pod) else {
            offerStatistics[pod.id, default: OfferStatistics()].recordNoMatch(placement.offer, reasons: [.noCorrespondingReservationFound], at: now)
            return .waiting
        }
        guard let (ports, _) = OfferMatcher.assignPorts(pod.hostPortRequests, from: held.ports) else {
            offerStatistics[pod.id, default: OfferStatistics()].recordNoMatch(placement.offer, reasons: [.insufficientPorts], at: now)
            return .waiting
        }
        offerStatistics[pod.id, default: OfferStatistics()].recordMatch(at: now)
        var launched = record
        let match = OfferMatcher.Match(hostPorts: ports, role: held.role ?? reservation.role)
        guard let operation = launchOperation(&launched, pod: pod, match: match, offer: placement.offer, held: held) else {
            return .waiting
        }
        launched.reservation?.state = .launched
        launched.reservation?.since = now
        placement.operations.append(operation)
        placement.launched.append(launched)
        instances[launched.instanceID] = launched
        logger.info("launching on reservation", metadata: ["pod.instance": "\(record.instanceID)", "mesos.agent_id": "\(reservation.agentID)"])
        return .launched
    }

    /// RESERVE + CREATE for an instance without a reservation, on the offer's unreserved
    /// resources of the pod's role (Marathon's `maybeReserveAndCreateVolumes`). Nothing is
    /// reserved unless everything fits, the volumes included.
    private func reserve(_ record: InstanceRecord, pod: PodDefinition, frameworkID: String,
                         on placement: inout OfferPlacement) -> PlacementOutcome {
        let volumes = pod.volumes.compactMap { volume -> (String, Double)? in
            guard case .persistent(let name, let info) = volume else { return nil }
            return (name, Double(info.size))
        }
        let volumeDisk = volumes.reduce(0) { $0 + $1.1 }
        let key = "*|" + pod.role
        var remaining = placement.remainingByRole[key]
            ?? OfferMatcher.remaining(of: placement.offer, acceptedRoles: ["*"], podRole: pod.role)
        let available = remaining.disk
        let placed = placement.placedByPod[pod.id] ?? placedAgents(pod.id)
        let now = Date()
        switch OfferMatcher.match(pod, remaining: &remaining, agent: placement.agent, placed: placed, extraDisk: volumeDisk) {
        case .noMatch(let reasons):
            placement.refused.insert(pod.id)
            offerStatistics[pod.id, default: OfferStatistics()].recordNoMatch(placement.offer, reasons: reasons, at: now)
            if reasons.contains(.insufficientDisk) {
                let need = pod.resourceAsk.disk + volumeDisk
                reservationWaits[pod.id] = "waiting for an offer with \(Self.mib(need)) MiB of unreserved disk (persistent volumes "
                    + "\(Self.mib(volumeDisk)) MiB, the pod \(Self.mib(pod.resourceAsk.disk)) MiB); the last offer, from agent "
                    + "\(placement.offer.hostname), had \(Self.mib(available)) MiB; nothing is reserved until one fits"
            }
            return .waiting
        case .match(let match):
            offerStatistics[pod.id, default: OfferStatistics()].recordMatch(at: now)
            reservationWaits.removeValue(forKey: pod.id)
            let reservation = ReservationRecord(
                agentID: placement.offer.agentID.value, agentHostname: placement.offer.hostname, role: match.role,
                principal: configuration.principal, frameworkID: frameworkID,
                volumes: volumes.map { name, size in
                    .init(name: name, persistenceID: ReservationRecord.persistenceID(pod: pod.id, volume: name, uuid: generator.next()),
                          size: size)
                },
                state: .new, since: now)
            let hostPorts = pod.hostPortRequests.compactMap { match.hostPorts[$0.endpointName] }
            var reserved = record
            reserved.reservation = reservation
            reserved.agentID = reservation.agentID
            reserved.agentHostname = reservation.agentHostname
            reserved.role = match.role
            placement.remainingByRole[key] = remaining
            placement.placedByPod[pod.id] = placed + [placement.agent]
            placement.operations += ReservationOffer.reserveAndCreate(pod: pod, hostPorts: hostPorts, reservation: reservation,
                                                                      instanceID: record.instanceID)
            placement.launched.append(reserved)
            instances[reserved.instanceID] = reserved
            logger.info("reserving", metadata: ["pod.instance": "\(record.instanceID)", "mesos.agent_id": "\(reservation.agentID)",
                                               "mesos.role": "\(match.role)", "disk": "\(volumeDisk)"])
            return .reserved
        }
    }

    static func mib(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }

    /// DESTROY + UNRESERVE for the offer's resources reserved with our framework's labels that
    /// no instance owns: those of stopped instances (their records are then dropped), of
    /// instances this scheduler no longer knows, and volumes an instance does not list.
    func releaseOrphans(on placement: inout OfferPlacement) {
        guard let frameworkID else { return }
        let agentID = placement.offer.agentID.value
        var releasing = Set<String>()
        let orphans = ReservationOffer.orphans(in: placement.offer, frameworkID: frameworkID) { instanceID, resource in
            guard let record = instances[instanceID] else { return false }
            // Its tasks may still use it (being killed), or its executor, which holds the
            // volume and the executor's share until it ended: not before they did, so that
            // the whole reservation is freed at once.
            if record.hasLiveTasks { return true }
            if let executorID = record.executorID, placement.liveExecutors.contains(executorID) { return true }
            guard record.goal == .running, let reservation = record.reservation, reservation.agentID == agentID else {
                if record.isReleasingReservation, record.reservation?.agentID == agentID { releasing.insert(instanceID) }
                return false
            }
            guard resource.hasDisk, resource.disk.hasPersistence else { return true }
            return reservation.volumes.contains { $0.persistenceID == resource.disk.persistence.id }
        }
        guard !orphans.isEmpty else { return }
        placement.operations += ReservationOffer.destroyAndUnreserve(orphans)
        // A stopped instance's record goes once every volume of it was in the offer.
        let destroyed = Set(orphans.filter { $0.hasDisk && $0.disk.hasPersistence }.map(\.disk.persistence.id))
        placement.released += releasing.sorted().filter { id in
            instances[id]?.reservation?.volumes.allSatisfy { destroyed.contains($0.persistenceID) } ?? true
        }
        let owners = Set(orphans.compactMap { ReservationOffer.ownerLabels($0)?.instanceID })
        logger.info("freeing reservations", metadata: ["mesos.agent_id": "\(agentID)", "pod.instances": "\(owners.sorted())",
                                                      "volumes": "\(orphans.filter { $0.hasDisk }.map(\.disk.persistence.id))"])
    }

    /// Whether a stopped instance's reservation waits to be freed (offers are wanted).
    var hasReservationsToRelease: Bool {
        instances.values.contains(where: \.isReleasingReservation)
    }

    /// After an instance's tasks all ended: a resident one keeps its reservation and its
    /// agent and waits for the reservation's next offer (`Reserved`).
    func suspendReservation(_ record: inout InstanceRecord) {
        guard record.reservation != nil else {
            record.agentID = nil
            record.agentHostname = nil
            return
        }
        record.reservation?.state = .suspended
        record.reservation?.since = Date()
    }

    /// A reservation no offer confirmed in time (RESERVE or CREATE dropped by the master, or
    /// its offer lost) is given up, as Marathon does after `--task_reservation_timeout`: a
    /// running instance reserves anew; a stopped one is forgotten. Resources of it that show
    /// later are freed as orphans.
    func expireUnconfirmedReservations(now: Date) {
        var changed: [InstanceRecord] = []
        var dropped: [String] = []
        for (id, record) in instances {
            guard let reservation = record.reservation, reservation.state == .new, record.tasks.isEmpty,
                  now.timeIntervalSince(reservation.since) > ReservationRecord.confirmationTimeout else { continue }
            logger.warning("reservation not confirmed by an offer; given up",
                           metadata: ["pod.instance": "\(id)", "mesos.agent_id": "\(reservation.agentID)"])
            if record.goal == .running {
                var updated = record
                updated.reservation = nil
                updated.agentID = nil
                updated.agentHostname = nil
                instances[id] = updated
                changed.append(updated)
            } else {
                instances.removeValue(forKey: id)
                dropped.append(id)
            }
        }
        if !changed.isEmpty || !dropped.isEmpty { save(changed, deleted: dropped) }
    }

    /// RestartPod of a resident pod: each old instance is relaunched with the new spec on its
    /// own reservation, keeping its id and data (Marathon stops old resident instances and
    /// reschedules them, reservation and all). Instances not running take the new version at
    /// once; running ones are killed within minimumHealthCapacity, and as Marathon does for
    /// resident specs, one below it when nothing could go otherwise (`maximumOverCapacity` is 0).
    func restartInPlace(_ pod: PodDefinition) async -> Bool {
        let old = DeploymentPlan.old(pod, podInstances(pod.id))
        var updated: [InstanceRecord] = []
        for record in old where !record.hasLiveTasks {
            var r = record
            r.specVersion = pod.version
            instances[r.instanceID] = r
            updated.append(r)
        }
        if !updated.isEmpty { save(updated) }
        let live = old.filter(\.hasLiveTasks)
        let stopping = Set(live.filter { $0.tasks.contains { kills[$0.taskID] != nil } }.map(\.instanceID))
        let candidates = live.filter { !stopping.contains($0.instanceID) }
        let ready = podInstances(pod.id).filter { $0.goal == .running && $0.isReady(pod) && !stopping.contains($0.instanceID) }.count
        var allowed = max(0, ready - DeploymentPlan.Capacity(pod).minimumHealthy)
        if allowed == 0 && stopping.isEmpty && !candidates.isEmpty { allowed = 1 }
        let unready = candidates.filter { !$0.isReady(pod) }
        let readyOld = candidates.filter { $0.isReady(pod) }.sorted { $0.createdAt < $1.createdAt }
        let relaunching = (unready + readyOld.prefix(allowed)).map { record in
            var r = record
            r.relaunchWithoutDelay = true
            instances[r.instanceID] = r
            return r
        }
        // One write for all of them, before any is killed.
        if !relaunching.isEmpty { save(relaunching) }
        for record in relaunching { await killTasks(of: record) }
        return DeploymentPlan.restartDone(pod, podInstances(pod.id))
    }
}
