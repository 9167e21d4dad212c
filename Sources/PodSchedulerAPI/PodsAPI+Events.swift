import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PodSchedulerCore
import PodSpec
import Primitives
import ServiceLifecycle

extension PodsAPI {
    /// Publishes Marathon's pod event for a successful POST, PUT or DELETE.
    func publishPodEvent(_ type: String, pod: PodId, request: Request, context: some RequestContext) {
        var fields = JSONObject()
        fields["clientIp"] = .string(context.clientIP)
        fields["uri"] = .string(request.uri.path)
        service.events.publish(SchedulerEvent(type: type, fields: fields, podIDs: [pod]))
    }

    /// `GET /v2/events`: Marathon's server-sent event stream. It opens with
    /// `event_stream_attached`, then carries every event, each as `event: <type>` and
    /// `data: <json>`; `event_type` parameters keep only the named types (the attached
    /// event included). A comment line every 15 seconds keeps idle connections open
    /// through proxies and finds clients that left. Events about pods go only to principals
    /// that may view one of them.
    func eventStream(_ request: Request, context: some RequestContext) -> Response {
        let wanted = Set(request.uri.queryParameters.getAll("event_type").map { String($0) })
        let viewer = principal
        let subscription = service.events.subscribe()
        var attached = JSONObject()
        attached["remoteAddress"] = .string(context.clientIP)
        let first = SchedulerEvent(type: "event_stream_attached", fields: attached)
        let heartbeat = heartbeatInterval
        let body = ResponseBody { writer in
            defer { subscription.finish() }
            if wanted.isEmpty || wanted.contains(first.type) { try await writer.write(Self.frame(first)) }
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // The heartbeat ends the stream when the client has gone.
                        while !Task.isCancelled {
                            try await Task.sleep(for: heartbeat)
                            subscription.yield(SchedulerEvent(type: "", fields: JSONObject()))
                        }
                    }
                    for await event in subscription.events {
                        if event.type.isEmpty {
                            try await writer.write(ByteBuffer(string: ":\n\n"))
                        } else if wanted.isEmpty || wanted.contains(event.type), mayView(event, as: viewer) {
                            try await writer.write(Self.frame(event))
                        }
                    }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                subscription.finish()
            }
            try await writer.finish(nil)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        return Response(status: .ok, headers: headers, body: body)
    }

    /// One event in the text/event-stream format.
    static func frame(_ event: SchedulerEvent) -> ByteBuffer {
        var object = event.fields
        object["eventType"] = .string(event.type)
        object["timestamp"] = .string(MarathonTimestamp.version(event.date))
        var bytes = Array("event: \(event.type)\ndata: ".utf8)
        bytes += JSONValue.object(object).jsonBytes
        bytes += Array("\n\n".utf8)
        return ByteBuffer(bytes: bytes)
    }
}
