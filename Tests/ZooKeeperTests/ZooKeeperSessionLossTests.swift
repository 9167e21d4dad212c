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
        await session.close()  // Waits for the close that began on its own.
        #expect(CallbackTable.shared.count(session: session.core.key) == (0, 0, 0))
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

    /// A hung server: calls fail (OPERATIONTIMEOUT) once the client gave up on the connection
    /// (two thirds of the session timeout), and closing a session resumes its pending calls at
    /// once with CLOSING and releases everything it gave the C client.
    @Test func hungServerAndPendingCallsAtClose() async throws {
        try await ZooKeeperServer.with { server in
            let quick = try await ZK.session(server, timeout: .seconds(2))
            let slow = try await ZK.session(server, timeout: .seconds(30))
            defer { Task { await quick.close() } }
            let path = ZK.path("hung")
            _ = try await slow.create(path, data: ZK.bytes("x"))

            try server.pause()
            defer { try? server.resume() }
            let lost = try await withDeadline(.seconds(10), "a call to a hung server to fail") {
                await ZK.error { try await quick.get(path) }
            }
            // The C client says OPERATIONTIMEOUT when the server stops answering on an open
            // connection, CONNECTIONLOSS when the connection goes.
            #expect(lost?.code.isConnectionProblem == true, "\(String(describing: lost))")

            let pending = Task {
                await withTaskGroup(of: ZooKeeperError?.self) { group in
                    for _ in 0..<4 { group.addTask { await ZK.error { try await slow.get(path) } } }
                    // A multi: the C client writes its results into memory of ours.
                    group.addTask { await ZK.error { try await slow.multi([.check(path), .set(path, data: ZK.bytes("y"))]) } }
                    return await group.reduce(into: [ZooKeeperError?]()) { $0.append($1) }
                }
            }
            try await withDeadline(.seconds(10), "five pending calls") {
                while CallbackTable.shared.count(session: slow.core.key).calls < 5 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(CallbackTable.shared.count(session: slow.core.key).memory == 5)
            let closing = Task { await slow.close() }
            let errors = try await withDeadline(.seconds(2), "the pending calls to end") { await pending.value }
            #expect(errors.count == 5)
            #expect(errors.allSatisfy { $0?.code == .closing })
            // zookeeper_close waits (up to 4.5 s) for the hung server before it lets go.
            try await withDeadline(.seconds(15), "the close") { await closing.value }
            #expect(CallbackTable.shared.count(session: slow.core.key).memory == 0)
            #expect(CallbackTable.shared.count(session: slow.core.key) == (0, 0, 0))
        }
    }
}
