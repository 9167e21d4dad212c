import Foundation
import PodTestFixtures
import Testing

/// Marathon's event stream on the real binary (docs/reference/marathon-pods-api.md §14): attached, pod and deployment
/// events in text/event-stream, filtered by `event_type`.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces and cgroups"))
struct SchedulerEventsTests {
    static func events(_ text: String) -> [(type: String, data: [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { frame in
            let lines = frame.split(separator: "\n").map(String.init)
            guard let type = lines.first(where: { $0.hasPrefix("event: ") })?.dropFirst(7),
                  let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst(6),
                  let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
            return (String(type), object)
        }
    }

    @Test("/v2/events: attached, then pod and deployment events with Marathon's fields; event_type filters")
    func stream() async throws {
        let daemon = try SchedulerDaemon()
        do {
            try await daemon.start()
            let pod = SchedulerFaultTests.sleeper("/evented", instances: 1)
            let text = try await daemon.events(whileOpen: {
                _ = try await daemon.request(.POST, "/v2/pods", body: pod)
            }, until: { text in Self.events(text).contains { $0.type == "deployment_success" } })
            let seen = Self.events(text)
            #expect(seen.first?.type == "event_stream_attached")
            #expect(seen.first?.data["remoteAddress"] as? String == "127.0.0.1")
            let created = seen.first { $0.type == "pod_created_event" }
            #expect(created?.data["eventType"] as? String == "pod_created_event")
            #expect(created?.data["uri"] as? String == "/v2/pods")
            #expect(created?.data["clientIp"] as? String == "127.0.0.1")
            #expect((created?.data["timestamp"] as? String)?.hasSuffix("Z") == true)
            #expect(seen.contains { $0.type == "deployment_info" })
            let success = seen.first { $0.type == "deployment_success" }
            let plan = success?.data["plan"] as? [String: Any]
            let steps = plan?["steps"] as? [[String: Any]] ?? []
            #expect(steps.compactMap { ($0["actions"] as? [[String: Any]])?.first?["action"] as? String } == ["StartPod", "ScalePod"], "\(text)")
            #expect(success?.data["id"] as? String == plan?["id"] as? String)

            // Filtered: only pod_deleted_event comes through.
            let filtered = try await daemon.events(query: "?event_type=pod_deleted_event", whileOpen: {
                _ = try await daemon.request(.DELETE, "/v2/pods/evented")
            }, until: { text in Self.events(text).contains { $0.type == "pod_deleted_event" } })
            let types = Self.events(filtered).map(\.type)
            #expect(types == ["pod_deleted_event"], "\(types)")
        } catch {
            Issue.record("\(error)\n\(daemon.logTail())")
        }
        await daemon.tearDown()
    }
}
