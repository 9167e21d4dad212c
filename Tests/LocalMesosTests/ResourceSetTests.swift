@testable import LocalMesos
import MesosProtocol
import Testing

/// The embedded master's resource arithmetic, as data: no agent, no root.
@Suite("ResourceSet: scalars and ranges of one role")
struct ResourceSetTests {
    static let agent = ResourceSet([.scalar("cpus", 4), .scalar("mem", 4096), .ranges("ports", [31000...31009, 31020...31029])])

    @Test("adding merges ranges and sums scalars; an inverted range is ignored")
    func adding() {
        var set = ResourceSet([.scalar("cpus", 1), .ranges("ports", [10...12])])
        set.add(.scalar("cpus", 0.5))
        set.add(.ranges("ports", [13...15, 20...21]))
        var inverted = Mesos_V1_Resource.ranges("ports", [])
        var range = Mesos_V1_Value.Range()
        range.begin = 9
        range.end = 3
        inverted.ranges.range = [range]
        set.add(inverted)
        #expect(set.scalars["cpus"] == 1.5)
        #expect(set.ranges["ports"] == [10...15, 20...21])
    }

    @Test("what a task takes is subtracted: scalars never below zero, ports split around the used ones")
    func subtracting() {
        let used = ResourceSet([.scalar("cpus", 1.5), .scalar("mem", 5000), .ranges("ports", [31005...31005, 31020...31029])])
        let left = Self.agent - used
        #expect(left.scalars["cpus"] == 2.5)
        #expect(left.scalars["mem"] == 0)
        #expect(left.ranges["ports"] == [31000...31004, 31006...31009])
        #expect(left + ResourceSet([.ranges("ports", [31005...31005])]) == ResourceSet([.scalar("cpus", 2.5), .scalar("mem", 0),
                                                                                         .ranges("ports", [31000...31009])]))
    }

    @Test("contains: scalars compared at Mesos' three decimals, every asked port inside one offered range")
    func containing() {
        #expect(Self.agent.contains(ResourceSet([.scalar("cpus", 4.0004), .ranges("ports", [31000...31009])])))
        #expect(!Self.agent.contains(ResourceSet([.scalar("cpus", 4.001)])))
        #expect(!Self.agent.contains(ResourceSet([.scalar("gpus", 1)])), "a resource the agent lacks")
        #expect(!Self.agent.contains(ResourceSet([.ranges("ports", [31009...31010])])), "a range across a gap")
        #expect(Self.agent.contains(ResourceSet()))
        #expect(ResourceSet([.scalar("cpus", 0.0001)]).isEmpty, "below Mesos' precision counts as nothing")
    }

    @Test("as resources of a role: ranges first, each resource with the role set")
    func rendering() {
        let resources = Self.agent.resources(role: "web")
        #expect(resources.first?.name == "ports")
        let allOfRole = resources.allSatisfy { $0.role == "web" }
        #expect(allOfRole)
        #expect(ResourceSet(resources) == Self.agent, "rendering and reading back loses nothing")
    }
}
