import Foundation
import PodSchedulerCore
import PodSpec

/// Builders of instance snapshots for status and kill tests.
enum InstanceFixture {
    static let agentHost = "10.0.1.7"
    static let agentID = "4f1b6a2e-0b1c-4d4e-9f3a-1c2d3e4f5a6b-S2"

    static func instanceID(_ pod: String, _ index: Int) -> String {
        "\(pod).instance-0a1b2c3d-7400-11ea-bc55-0242ac1300\(index < 10 ? "0" : "")\(index)"
    }

    /// A task of `container` in `state`.
    static func task(_ instance: String, _ container: String, state: String = "TASK_RUNNING", healthy: Bool? = nil,
                     stagedAt: Date = Fixture.now.addingTimeInterval(1),
                     startedAt: Date? = Fixture.now.addingTimeInterval(5.1),
                     addresses: [TaskAddress] = [TaskAddress(network: nil, ip: agentHost)]) -> TaskSnapshot {
        TaskSnapshot(taskID: "\(instance).\(container).1", containerName: container, state: state, healthy: healthy,
                     stagedAt: stagedAt, startedAt: startedAt, addresses: addresses, message: nil)
    }

    /// An instance of `pod` (running on the agent unless placed is false).
    static func instance(pod: PodDefinition, index: Int, condition: InstanceCondition = .running,
                         goal: InstanceGoal = .running, placed: Bool = true,
                         since: Date = Fixture.now.addingTimeInterval(5.123), tasks: [TaskSnapshot]? = nil,
                         hostPorts: [Int] = []) -> InstanceSnapshot {
        let id = instanceID(pod.id.safeId, index)
        return InstanceSnapshot(
            instanceID: id, podID: pod.id, specVersion: pod.version, condition: condition, since: since,
            activeSince: condition == .running ? since : nil, goal: goal,
            agentHostname: placed ? agentHost : nil, agentID: placed ? agentID : nil,
            agentRegion: placed ? "r1" : nil, agentZone: placed ? "z1" : nil, role: pod.role,
            tasks: tasks ?? pod.containers.map { task(id, $0.name) }, hostPorts: hostPorts,
            unreachableStrategy: pod.scheduling.unreachableStrategy)
    }
}
