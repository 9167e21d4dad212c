import Foundation
@testable import LocalMesos
import Testing

struct AgentCheckpointTests {
    static let sample = ExecutorCheckpoint(
        framework: Data([1, 2, 3]), executor: Data([4, 5]), containerID: "c-1", directory: "/var/lib/mesos/slaves/x/runs/c-1",
        pid: 4242, cgroupVersion: "v1", cgroupDirectories: ["cpu": "/sys/fs/cgroup/cpu/mesos/c-1", "memory": "/sys/fs/cgroup/memory/mesos/c-1"],
        everSubscribed: true,
        tasks: [.init(info: Data(repeating: 7, count: 300), groupTaskIDs: ["a", "b"], delivered: true, state: 1,
                      pending: [Data([9, 9]), Data()], seen: [Data(repeating: 1, count: 16)], completed: false),
                .init(info: Data([8]), groupTaskIDs: ["b"], delivered: false, state: 0, pending: [], seen: [], completed: true)])

    func same(_ a: ExecutorCheckpoint, _ b: ExecutorCheckpoint) -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(a)) == (try? encoder.encode(b))
    }

    @Test("the binary checkpoint reads back as written, and a JSON one of an earlier version still reads")
    func roundTrip() throws {
        let bytes = Self.sample.binaryEncoded()
        #expect(same(try ExecutorCheckpoint.decode(bytes), Self.sample))
        let json = try JSONEncoder().encode(Self.sample)
        #expect(same(try ExecutorCheckpoint.decode(Array(json)), Self.sample))
        var noCgroup = Self.sample
        noCgroup.cgroupVersion = nil
        noCgroup.cgroupDirectories = nil
        #expect(same(try ExecutorCheckpoint.decode(noCgroup.binaryEncoded()), noCgroup))
    }

    @Test("a damaged checkpoint is an error, never a crash or a partial state")
    func damaged() {
        let bytes = Self.sample.binaryEncoded()
        for cut in [0, 1, 5, bytes.count / 2, bytes.count - 1] {
            #expect(throws: (any Error).self) { try ExecutorCheckpoint.decode(Array(bytes.prefix(cut))) }
        }
        #expect(throws: (any Error).self) { try ExecutorCheckpoint.decode(bytes + [0]) }
        #expect(throws: (any Error).self) { try ExecutorCheckpoint.decode([2] + bytes.dropFirst()) }
        // A length far beyond the input.
        #expect(throws: (any Error).self) { try ExecutorCheckpoint.decode([1, 0xff, 0xff, 0xff, 0xff, 0x0f]) }
    }
}
