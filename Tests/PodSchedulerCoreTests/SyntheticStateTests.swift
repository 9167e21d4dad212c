import Foundation
@testable import PodSchedulerCore
import PodSpec
import Testing

/// The state the store and failover benchmarks write: it must be what the scheduler itself
/// would load, or the figures say nothing about the scheduler.
@Suite("scheduler core: the benchmarks' synthetic state")
struct SyntheticStateTests {
    @Test("its records load as the scheduler's own: pods, versions, running instances with unique ids, the framework id")
    func loadsAsSchedulerState() throws {
        let state = try SyntheticState(pods: 3, instancesPerPod: 4, frameworkID: "fw-1")
        let changes = try state.changes()
        let records = changes.compactMap { change -> StoreRecord? in
            guard case .put(let key, let data) = change, key.category.isLoadedAtStart else { return nil }
            return StoreRecord(key: key, data: data)
        }
        let snapshot = try SchedulerStore.Snapshot(records: records)
        #expect(snapshot.frameworkID == "fw-1")
        #expect(snapshot.pods.count == 3 && snapshot.pods.allSatisfy { $0.instances == 4 })
        #expect(snapshot.instances.count == 12 && Set(snapshot.instances.map(\.instanceID)).count == 12)
        #expect(snapshot.instances.allSatisfy { $0.condition == .running && $0.tasks.count == 2 })
        #expect(changes.filter { $0.key.category == .versions }.count == 3)
    }

    @Test("a status update rewrites one instance record, different at each sequence")
    func statusUpdates() throws {
        let state = try SyntheticState(pods: 1, instancesPerPod: 2)
        let first = try state.statusUpdate(of: 1, sequence: 1)
        let second = try state.statusUpdate(of: 1, sequence: 2)
        #expect(first.count == 1 && first[0].key == second[0].key && first != second)
        #expect(try state.statusUpdates(of: [0, 1], sequence: 3).map(\.key.name).count == 2)
    }
}
