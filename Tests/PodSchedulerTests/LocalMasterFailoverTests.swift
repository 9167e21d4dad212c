import AsyncHTTPClient
import Foundation
@testable import LocalMesos
import Logging
import MesosHTTP
import MesosProtocol
import Testing

/// The embedded master's side of framework failover, over HTTP as a remote scheduler sees
/// it (Mesos 1.12 `Master::exited`, `_subscribe`, `frameworkFailoverTimeout`): a closed
/// connection disconnects the framework at once and rescinds its offers; a SUBSCRIBE with its
/// id within `failover_timeout` gets it back; after it, the framework is removed for good.
/// No executor runs, so nothing needs root.
@Suite(.serialized)
struct LocalMasterFailoverTests {
    /// One scheduler connection: its own HTTP client, so that closing it closes the stream.
    struct Connection {
        let client: HTTPClient
        let log: SchedulerEventLog

        func close() async {
            await log.stop()
            try? await client.shutdown()
        }
    }

    static func subscribe(port: Int, frameworkID: String?, failoverTimeout: Double) async throws -> Connection {
        let endpoint = MesosEndpoint(host: "127.0.0.1", port: port)
        let client = SchedulerMasterClient.makeHTTPClient()
        var call = Mesos_V1_Scheduler_Call()
        call.type = .subscribe
        call.subscribe.frameworkInfo.user = "root"
        call.subscribe.frameworkInfo.name = "failover-test"
        call.subscribe.frameworkInfo.failoverTimeout = failoverTimeout
        call.subscribe.frameworkInfo.checkpoint = true
        if let frameworkID {
            call.frameworkID = Mesos_V1_FrameworkID(frameworkID)
            call.subscribe.frameworkInfo.id = Mesos_V1_FrameworkID(frameworkID)
        }
        let subscription = try await SchedulerMasterClient(masters: [endpoint], httpClient: client).subscribe(call)
        let log = await SchedulerEventLog.reading(subscription.events)
        return Connection(client: client, log: log)
    }

    static func wait(_ what: String, timeout: Duration = .seconds(10), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { throw ClusterFailure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("disconnect at once with offers rescinded, failover within the timeout keeps the id, after it the framework is removed")
    func failover() async throws {
        let directory = try DaemonProcess.temporaryDirectory("master-failover")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var agentConfiguration = AgentConfiguration(workDirectory: directory + "/agent", cpus: 2, memoryMB: 1024, diskMB: 1000)
        agentConfiguration.port = 0
        agentConfiguration.executorCgroups = false
        let agent = LocalAgent(configuration: agentConfiguration, logger: logger)
        var configuration = LocalMaster.Configuration()
        configuration.port = 0  // heartbeats stay at 15 s: a disconnect must not wait for one
        let master = LocalMaster(agent: agent, configuration: configuration, logger: logger)
        try await agent.start()
        let port = try await master.start()
        do {
            try await Self.failover(master, port: port)
        } catch {
            await master.stop()
            await agent.stop()
            throw error
        }
        await master.stop()
        await agent.stop()
    }

    static func failover(_ master: LocalMaster, port: Int) async throws {
        let first = try await Self.subscribe(port: port, frameworkID: nil, failoverTimeout: 3600)
        try await Self.wait("SUBSCRIBED and an offer") {
            let types = await first.log.events.map(\.type)
            return types.contains(.subscribed) && types.contains(.offers)
        }
        let frameworkID = try #require(await first.log.events.first { $0.type == .subscribed }?.subscribed.frameworkID.value)
        #expect(await master.offers.values.contains { $0.frameworkID == frameworkID })

        await first.close()
        try await Self.wait("the framework to be disconnected", timeout: .seconds(5)) {
            await master.frameworks[frameworkID]?.stream == nil
        }
        #expect(await !master.offers.values.contains { $0.frameworkID == frameworkID }, "its offers are rescinded")
        #expect(await master.frameworks[frameworkID]?.failoverTimer != nil, "its failover timeout runs")

        // Back within the timeout: the same framework, offered again; now with a 1 s timeout.
        let second = try await Self.subscribe(port: port, frameworkID: frameworkID, failoverTimeout: 1)
        try await Self.wait("SUBSCRIBED again and an offer") {
            let types = await second.log.events.map(\.type)
            return types.contains(.subscribed) && types.contains(.offers)
        }
        #expect(await second.log.events.first { $0.type == .subscribed }?.subscribed.frameworkID.value == frameworkID)
        #expect(await master.frameworks[frameworkID]?.failoverTimer == nil)

        await second.close()
        try await Self.wait("the framework to be removed after its failover timeout") {
            let removed = await master.removedFrameworks.contains(frameworkID)
            return await master.frameworks[frameworkID] == nil && removed
        }
        let third = try await Self.subscribe(port: port, frameworkID: frameworkID, failoverTimeout: 1)
        try await Self.wait("the stream to end") { await third.log.ended }
        let events = await third.log.events
        #expect(events.map(\.type) == [.error])
        #expect(events.first?.error.message == "Framework has been removed")
        await third.close()
    }
}
