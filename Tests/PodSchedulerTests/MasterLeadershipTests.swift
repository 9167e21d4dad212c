import AsyncHTTPClient
import Foundation
@testable import LocalMesos
import Logging
import MesosHTTP
import MesosProtocol
import NIOCore
import PodTestFixtures
@testable import PodSchedulerCore
import Synchronization
import Testing

/// Masters that do not lead, and a framework that follows a detected leader, in one process:
/// two embedded masters over one agent elected by the test, and a scheduler whose
/// `MasterLocator` the test drives. No executor runs, so nothing needs root.
@Suite(.serialized)
struct MasterLeadershipTests {
    /// A locator the test moves from leader to leader.
    final class StubLocator: MasterLocator {
        private struct State {
            var leader: LeadingMaster?
            var known = false
            var streams: [AsyncStream<LeadingMaster?>.Continuation] = []
        }
        private let state = Mutex(State())

        func report(_ leader: LeadingMaster?) {
            let streams = state.withLock { s in
                s.leader = leader
                s.known = true
                return s.streams
            }
            for stream in streams { stream.yield(leader) }
        }

        func leaders() -> AsyncStream<LeadingMaster?> {
            let (stream, continuation) = AsyncStream<LeadingMaster?>.makeStream()
            state.withLock { s in
                if s.known { continuation.yield(s.leader) }
                s.streams.append(continuation)
            }
            return stream
        }

        func finish() { for stream in state.withLock({ $0.streams }) { stream.finish() } }
    }

    struct Fixture {
        let agent: LocalAgent
        let masters: [LocalMaster]
        let directory: String
        let client: HTTPClient

        static func start() async throws -> Fixture {
            let directory = try DaemonProcess.temporaryDirectory("leadership")
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            var agentConfiguration = AgentConfiguration(workDirectory: directory + "/agent", cpus: 2, memoryMB: 1024, diskMB: 1000)
            agentConfiguration.port = 0
            agentConfiguration.executorCgroups = false
            let agent = LocalAgent(configuration: agentConfiguration, logger: logger)
            try await agent.start()
            var configuration = LocalMaster.Configuration()
            configuration.port = 0
            configuration.standby = true
            var masters: [LocalMaster] = []
            for _ in 0..<2 {
                let master = LocalMaster(agent: agent, configuration: configuration, logger: logger)
                try await master.start()
                masters.append(master)
            }
            return Fixture(agent: agent, masters: masters, directory: directory, client: SchedulerMasterClient.makeHTTPClient())
        }

        func endpoint(_ index: Int) async -> MesosEndpoint {
            MesosEndpoint(host: "127.0.0.1", port: await masters[index].boundPort ?? 0)
        }

        func address(_ index: Int) async -> LocalMaster.LeaderAddress {
            LocalMaster.LeaderAddress(hostname: "127.0.0.1", port: await masters[index].boundPort ?? 0)
        }

        /// A POST to a master's scheduler API: status, Location, body.
        func post(_ index: Int, path: String = "/api/v1/scheduler") async throws -> (Int, String?, String) {
            var request = HTTPClientRequest(url: await endpoint(index).url(path))
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"type":"SUBSCRIBE"}"#))
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 16)
            return (Int(response.status.code), response.headers.first(name: "Location"), String(buffer: body))
        }

        func stop() async {
            for master in masters { await master.stop() }
            await agent.stop()
            try? await client.shutdown()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func wait(_ what: String, timeout: Duration = .seconds(15), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { throw ClusterFailure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("standbys answer 503 No leader elected, then 307 to the leader (protocol-relative, same path); the elected master serves")
    func standbyAnswers() async throws {
        let fixture = try await Fixture.start()
        do {
            for index in 0..<2 {
                let (status, location, body) = try await fixture.post(index)
                #expect(status == 503 && location == nil && body == "No leader elected")
            }
            await fixture.masters[0].elect()
            await fixture.masters[1].follow(await fixture.address(0))
            let leaderPort = await fixture.masters[0].boundPort ?? 0
            for path in ["/api/v1/scheduler", "/master/api/v1/scheduler"] {
                let (status, location, body) = try await fixture.post(1, path: path)
                #expect(status == 307 && location == "//127.0.0.1:\(leaderPort)\(path)" && body.isEmpty)
            }
            // The leader takes calls: its answer to this incomplete SUBSCRIBE is its own 400.
            let (status, _, body) = try await fixture.post(0)
            #expect(status == 400 && body.contains("subscribe"), "\(body)")
            // A master that led does not become a standby by being told so: Mesos masters abort instead.
            await fixture.masters[0].follow(await fixture.address(1))
            #expect(await fixture.masters[0].isLeading)
            // The scheduler client does not follow a detected master's 307: it waits for the detector.
            var call = Mesos_V1_Scheduler_Call()
            call.type = .subscribe
            call.subscribe.frameworkInfo.user = "root"
            call.subscribe.frameworkInfo.name = "leadership-test"
            let client = SchedulerMasterClient(masters: [], httpClient: fixture.client)
            do {
                _ = try await client.subscribe(call, to: await fixture.endpoint(1))
                Issue.record("a standby's 307 was followed")
            } catch let error as MesosHTTPError {
                #expect(error.kind == .redirect(location: "//127.0.0.1:\(leaderPort)/api/v1/scheduler"))
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test("the framework subscribes to the detected leader only, waits while there is none, and follows a new leader with its id")
    func frameworkFollowsTheLeader() async throws {
        let fixture = try await Fixture.start()
        let directory = fixture.directory
        var command = Mesos_V1_CommandInfo()
        command.value = "/bin/true"
        var configuration = Scheduler.Configuration(executorCommand: command)
        configuration.secretsDirectory = directory + "/secrets"
        let logs = LogCapture()
        var logger = logs.logger()
        logger.logLevel = .info
        let scheduler = try await Scheduler(configuration: configuration, databasePath: directory + "/state.db", logger: logger)
        let locator = StubLocator()
        do {
            // A standby is reported: its 307 is not followed, nothing subscribes.
            await fixture.masters[0].elect()
            await fixture.masters[1].follow(await fixture.address(0))
            locator.report(LeadingMaster(endpoint: await fixture.endpoint(1)))
            await scheduler.start(masters: [], client: SchedulerMasterClient(masters: [], httpClient: fixture.client), locator: locator)
            try await Self.wait("the standby's 307") { logs.text.contains("is not the leading master (307") }
            locator.report(nil)
            try await Self.wait("waiting for a leader") { logs.text.contains("waiting for a leading master to be detected") }
            #expect(await fixture.masters[0].frameworks.isEmpty, "the 307 was not followed")

            locator.report(LeadingMaster(endpoint: await fixture.endpoint(0)))
            try await Self.wait("subscribed to the first master") { await scheduler.subscribed }
            let frameworkID = try #require(await scheduler.frameworkID)
            #expect(await fixture.masters[0].frameworks[frameworkID]?.stream != nil)
            #expect(await scheduler.info().mesosLeaderURL == "http://127.0.0.1:\(await fixture.masters[0].boundPort ?? 0)/")

            // Failover: the first master is gone, the second elected; it learns the framework from the agent or its SUBSCRIBE.
            await fixture.masters[0].stop()
            await fixture.masters[1].elect()
            locator.report(LeadingMaster(endpoint: await fixture.endpoint(1)))
            try await Self.wait("subscribed to the second master") { await fixture.masters[1].frameworks[frameworkID]?.stream != nil }
            try await Self.wait("the scheduler subscribed again") { await scheduler.subscribed }
            #expect(await scheduler.frameworkID == frameworkID, "the same framework id")
            #expect(await scheduler.info().mesosLeaderURL == "http://127.0.0.1:\(await fixture.masters[1].boundPort ?? 0)/")

            // No leader: the subscription ends and the framework waits; the leader back: it subscribes again.
            locator.report(nil)
            try await Self.wait("disconnected while no master leads") { await !scheduler.subscribed }
            try await Self.wait("the master saw the stream close") { await fixture.masters[1].frameworks[frameworkID]?.stream == nil }
            locator.report(LeadingMaster(endpoint: await fixture.endpoint(1)))
            try await Self.wait("subscribed again") { await scheduler.subscribed }
            #expect(await scheduler.frameworkID == frameworkID)
        } catch {
            await scheduler.stop()
            locator.finish()
            await fixture.stop()
            throw error
        }
        await scheduler.stop()
        locator.finish()
        await fixture.stop()
    }
}
