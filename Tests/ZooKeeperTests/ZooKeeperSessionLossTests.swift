import Foundation
import PodTestFixtures
import Testing
@testable import ZooKeeper

/// Expiry and server loss. The tests that stop the server have one of their own.
@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct ZooKeeperSessionLossTests {
    @Test func expiryIsReportedAndEndsTheSession() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        let observer = try await ZK.session(server)
        defer { Task { await observer.close() } }
        let path = ZK.path("expiry")
        _ = try await session.create(path, mode: .ephemeral)
        let (_, watch) = try await session.existsAndWatch(path + "-other")
        let states = Recorder(session.stateUpdates())
        try await states.wait("the connected state") { $0 == [.connected] }

        try await server.expire(session)
        try await states.waitForEnd("the state stream to end")
        #expect(states.values.first == .connected)
        #expect(states.values.last == .expired)
        #expect(session.state == .expired)
        #expect(await ZK.error { try await watch.event() }?.code == .sessionExpired)
        #expect(await ZK.error { try await session.get("/") }?.code == .sessionExpired)
        #expect(await ZK.error { try await session.waitUntilConnected() }?.code == .sessionExpired)
        #expect(try await observer.exists(path) == nil)
        // A new stream of a dead session says so and ends.
        var after: [ZooKeeperSession.State] = []
        for await state in session.stateUpdates() { after.append(state) }
        #expect(after == [.expired])
        // The dead handle is freed without the owner's help; nothing is left pending.
        try await withDeadline(.seconds(10), "the handle to be freed") {
            while session.core.withHandle({ _ in true }) != nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(CallbackTable.shared.count(session: session.core.key) == (0, 0))
    }

    @Test func connectFailsInTimeWhenNoServerAnswers() async throws {
        let port = try ZooKeeperServer.freePort()
        let began = ContinuousClock.now
        let error = await ZK.error {
            try await ZooKeeperSession.connect(.init(servers: "127.0.0.1:\(port)", connectTimeout: .milliseconds(800), logger: ZK.logger))
        }
        #expect(error?.code == .connectionLoss)
        #expect(error?.operation == "connect")
        #expect(ContinuousClock.now - began < .seconds(10))
    }

    /// The server goes away: calls fail with CONNECTIONLOSS instead of hanging, the state says
    /// disconnected; the server comes back (same data): the session reconnects, its ephemeral
    /// node and its watch are still there.
    @Test func serverLossAndRecovery() async throws {
        try await ZooKeeperServer.with { server in
            let session = try await ZK.session(server, timeout: .seconds(20))
            defer { Task { await session.close() } }
            let path = ZK.path("loss")
            _ = try await session.create(path, data: ZK.bytes("1"), mode: .ephemeral)
            let (_, _, watch) = try await session.getAndWatch(path)
            let states = Recorder(session.stateUpdates())
            let identity = session.identity

            await server.stop()
            try await states.wait("the disconnected state") { $0.contains(.disconnected) }
            let lost = try await withDeadline(.seconds(15), "a call to fail while the server is down") {
                await ZK.error { try await session.get(path) }
            }
            #expect(lost?.code == .connectionLoss)
            #expect(lost?.code.isConnectionProblem == true)
            #expect(watch.result == nil)

            try await server.start()
            try await withDeadline(.seconds(20), "the session to reconnect") { try await session.waitUntilConnected() }
            #expect(session.identity == identity)
            #expect(try await session.get(path).data == ZK.bytes("1"))
            let writer = try await ZK.session(server)
            defer { Task { await writer.close() } }
            try await writer.set(path, data: ZK.bytes("2"))
            #expect(try await withDeadline(.seconds(10), "the watch") { try await watch.event() }.kind == .dataChanged)
            #expect(states.values.prefix(3) == [.connected, .disconnected, .connected])
        }
    }
}
