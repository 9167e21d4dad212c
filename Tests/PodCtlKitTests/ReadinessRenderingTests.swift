import Foundation
import PodCtlKit
import Primitives
import Testing

/// `podctl pod status` with readiness checks: a READY column, only when a container has one.
@Suite struct ReadinessRenderingTests {
    static let status = """
        {"id":"/web","status":"DEGRADED","instances":[
          {"id":"web.instance-1","status":"STABLE","conditions":[{"name":"ready","value":"true"}],
           "containers":[{"name":"app","status":"TASK_RUNNING","conditions":[{"name":"ready","value":"true"}]},
                         {"name":"side","status":"TASK_RUNNING","conditions":[]}]},
          {"id":"web.instance-2","status":"STABLE","conditions":[{"name":"ready","value":"false"}],
           "containers":[{"name":"app","status":"TASK_RUNNING","conditions":[{"name":"ready","value":"false"}]},
                         {"name":"side","status":"TASK_RUNNING","conditions":[]}]}],
         "terminationHistory":[]}
        """

    @Test("the ready condition per instance and per container, and the READY column of pod status")
    func readyColumn() throws {
        let status = try PodStatus(json: try JSONValue.parse(Data(Self.status.utf8)))
        #expect(status.instances.map(\.ready) == [true, false])
        #expect(status.instances[0].containers.map(\.ready) == [true, nil])
        let lines = PodStatusFormatter.report(status).split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("INSTANCE/CONTAINER") })
        #expect(header.contains("HEALTH") && header.contains("READY"))
        #expect(lines.contains { $0.hasPrefix("web.instance-1") && $0.contains(" ready ") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("web.instance-2") && $0.contains("not ready") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("  side") && !$0.contains("ready") }, "\(lines)")

        let plain = try PodStatus(json: try JSONValue.parse(Data(Fixtures.webStatus.utf8)))
        #expect(!PodStatusFormatter.report(plain).contains("READY"), "no readiness checks, no column: as before")
    }
}
