import AsyncHTTPClient
import Foundation
@testable import LocalMesos
import Logging
import MesosHTTP
import MesosProtocol
import NIOCore
import NIOHTTP1
import NIOSSL
import PodTestFixtures

/// An embedded master (and its agent, which runs nothing here) on a free loopback port,
/// optionally requiring framework credentials or serving HTTPS, and a raw HTTP client to
/// talk to it as a scheduler would.
final class MasterFixture: Sendable {
    let master: LocalMaster
    let agent: LocalAgent
    let directory: String
    let client: HTTPClient
    let port: Int

    static let frameworkJSON = #"{"user":"root","name":"auth-test","failover_timeout":300,"checkpoint":true,"roles":["*"]}"#

    init(credentials: MesosCredentials? = nil, tls: TLSConfiguration? = nil, clientTLS: TLSConfiguration? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("master-\(UUID().uuidString.prefix(8))").path
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var agentConfig = AgentConfiguration(workDirectory: directory + "/agent", cpus: 1, memoryMB: 1024, diskMB: 1000)
        agentConfig.port = 0
        agentConfig.hostname = "127.0.0.1"
        agentConfig.executorCgroups = false
        agent = LocalAgent(configuration: agentConfig, logger: logger)
        var configuration = LocalMaster.Configuration()
        configuration.port = 0
        configuration.frameworkCredentials = credentials
        configuration.tls = tls
        master = LocalMaster(agent: agent, configuration: configuration, logger: logger)
        try await agent.start()
        port = try await master.start()
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.tlsConfiguration = clientTLS
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    /// Runs `body` with a fixture and always stops it.
    static func with(credentials: MesosCredentials? = nil, tls: TLSConfiguration? = nil, clientTLS: TLSConfiguration? = nil,
                     _ body: (MasterFixture) async throws -> Void) async throws {
        let fixture = try await MasterFixture(credentials: credentials, tls: tls, clientTLS: clientTLS)
        do {
            try await body(fixture)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    func stop() async {
        try? await client.shutdown()
        await master.stop()
        await agent.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var endpoint: MesosEndpoint { MesosEndpoint(host: "127.0.0.1", port: port) }

    static func basic(_ principal: String, _ secret: String) -> String {
        "Basic " + Data("\(principal):\(secret)".utf8).base64EncodedString()
    }

    /// A SUBSCRIBE call in JSON; `principal` and `frameworkID` go into its FrameworkInfo.
    static func subscribe(principal: String? = nil, frameworkID: String? = nil) -> String {
        var info = String(frameworkJSON.dropLast())
        if let principal { info += #","principal":"\#(principal)""# }
        if let frameworkID { info += #","id":{"value":"\#(frameworkID)"}"# }
        info += "}"
        let id = frameworkID.map { #""framework_id":{"value":"\#($0)"},"# } ?? ""
        return #"{"type":"SUBSCRIBE",\#(id)"subscribe":{"framework_info":\#(info)}}"#
    }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var response: HTTPClientResponse
        var text: String = ""
    }

    /// POSTs a call; for error answers the body is read into `text`, a 200's stream is left
    /// to the caller.
    func post(_ json: String, authorization: String? = nil, streamID: String? = nil, method: HTTPMethod = .POST,
              scheme: String = "http", host: String = "127.0.0.1") async throws -> Answer {
        var request = HTTPClientRequest(url: "\(scheme)://\(host):\(port)/api/v1/scheduler")
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let streamID { request.headers.add(name: "Mesos-Stream-Id", value: streamID) }
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await client.execute(request, timeout: .seconds(10))
        var answer = Answer(status: Int(response.status.code), headers: response.headers, response: response)
        if response.status != .ok {
            answer.text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        }
        return answer
    }

    /// The events of a 200 SUBSCRIBE answer until `count` arrived or the stream ended.
    /// Reads a 200's stream in the background for as long as the test keeps it (a stream
    /// the test stops reading closes its connection, and the master disconnects the framework).
    static func keepReading(_ answer: Answer) async -> SchedulerEventLog {
        await SchedulerEventLog.reading(EventStream(body: answer.response.body, encoding: .json))
    }

    /// The first `count` events of a 200's stream; the stream is closed after them.
    static func events(_ answer: Answer, count: Int) async throws -> [Mesos_V1_Scheduler_Event] {
        var events: [Mesos_V1_Scheduler_Event] = []
        let stream = EventStream<Mesos_V1_Scheduler_Event, HTTPClientResponse.Body>(body: answer.response.body, encoding: .json)
        for try await item in stream {
            events.append(try item.get())
            if events.count >= count { break }
        }
        return events
    }
}
