import Foundation
import Logging
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// The single-use secret tokens and the secret waits, on a scheduler core without Mesos:
/// launches are simulated on its records, redemptions go through `redeemSecrets` as the
/// REST endpoint calls it. No root needed.
@Suite("secret tokens and waits (scheduler core)", .serialized)
struct SecretTokenTests {
    static let dbPassword = "db-\(UUID().uuidString)"
    static let pod = #"""
        {"id": "/team-a/app", "scaling": {"kind": "fixed", "instances": 2},
         "secrets": {"db": {"source": "/team-a/db"}, "spare": {"source": "/team-a/spare"}},
         "environment": {"DB_PASSWORD": {"secret": "db"}},
         "containers": [{"name": "c", "resources": {"cpus": 0.1, "mem": 16}, "exec": {"command": {"shell": "sleep 1"}}}]}
        """#

    /// A scheduler core on a temporary store, its secret directory holding `/team-a/db`.
    struct Core {
        let directory: String
        let scheduler: Scheduler

        static func make(directory existing: String? = nil, lifetime: TimeInterval = 600, writeSecret: Bool = true) async throws -> Core {
            let directory = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory + "/secrets/team-a", withIntermediateDirectories: true)
            if writeSecret { try SecretTokenTests.dbPassword.write(toFile: directory + "/secrets/team-a/db", atomically: true, encoding: .utf8) }
            var command = Mesos_V1_CommandInfo()
            command.value = "/bin/true"
            var configuration = Scheduler.Configuration(executorCommand: command)
            configuration.secretsDirectory = directory + "/secrets"
            configuration.secretsURL = "http://127.0.0.1:1"
            configuration.secretTokenLifetime = lifetime
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            return Core(directory: directory, scheduler: try await Scheduler(configuration: configuration, databasePath: directory + "/state.db",
                                                                       logger: logger))
        }

        func createPod() async throws -> [String] {
            _ = try await scheduler.create(try PodDefinition.parse(Data(SecretTokenTests.pod.utf8)), force: false)
            return await scheduler.instanceIDs
        }
    }

    @Test("a token opens its instance's secrets once; not another instance's, not names it lacks, not tampered")
    func singleUse() async throws {
        let core = try await Core.make()
        defer { try? FileManager.default.removeItem(atPath: core.directory) }
        let ids = try await core.createPod()
        #expect(ids.count == 2)
        let tokenA = try #require(await core.scheduler.simulateLaunch(ids[0]))
        let tokenB = try #require(await core.scheduler.simulateLaunch(ids[1]))
        // Another instance's token does not give this instance's secrets.
        await #expect(throws: SecretAccessError.forbidden("the token was not issued to instance \(ids[0])")) {
            try await core.scheduler.redeemSecrets(token: tokenB, instanceID: ids[0], names: ["db"])
        }
        // Names outside the launch's references are not covered ("spare" is declared, unused).
        await #expect(throws: SecretAccessError.forbidden("the token does not cover 'spare'")) {
            try await core.scheduler.redeemSecrets(token: tokenA, instanceID: ids[0], names: ["db", "spare"])
        }
        var tampered = Array(tokenA)
        tampered[tokenA.count - 3] = tampered[tokenA.count - 3] == "A" ? "B" : "A"
        await #expect(throws: SecretAccessError.invalidToken("secret token not issued by this scheduler")) {
            try await core.scheduler.redeemSecrets(token: String(tampered), instanceID: ids[0], names: ["db"])
        }
        let values = try await core.scheduler.redeemSecrets(token: tokenA, instanceID: ids[0], names: ["db"])
        #expect(values == ["db": Array(Self.dbPassword.utf8)])
        // A second redemption fails.
        await #expect(throws: SecretAccessError.forbidden("the token has been used already")) {
            try await core.scheduler.redeemSecrets(token: tokenA, instanceID: ids[0], names: ["db"])
        }
        // B's own token still works, once.
        #expect(try await core.scheduler.redeemSecrets(token: tokenB, instanceID: ids[1], names: ["db"]).count == 1)
    }

    @Test("after the instance ended (or relaunched), its token opens nothing; an expired token neither")
    func endedAndExpired() async throws {
        let core = try await Core.make()
        defer { try? FileManager.default.removeItem(atPath: core.directory) }
        let ids = try await core.createPod()
        let token = try #require(await core.scheduler.simulateLaunch(ids[0]))
        await core.scheduler.simulateEnd(ids[0])
        await #expect(throws: SecretAccessError.forbidden("instance \(ids[0]) is not launching this incarnation any more")) {
            try await core.scheduler.redeemSecrets(token: token, instanceID: ids[0], names: ["db"])
        }
        // The relaunch (next incarnation) gets a token of its own; the old one stays dead.
        let next = try #require(await core.scheduler.simulateLaunch(ids[0]))
        await #expect(throws: SecretAccessError.self) {
            try await core.scheduler.redeemSecrets(token: token, instanceID: ids[0], names: ["db"])
        }
        #expect(try await core.scheduler.redeemSecrets(token: next, instanceID: ids[0], names: ["db"]).count == 1)

        let expiring = try await Core.make(lifetime: -1)
        defer { try? FileManager.default.removeItem(atPath: expiring.directory) }
        let other = try await expiring.createPod()
        let expired = try #require(await expiring.scheduler.simulateLaunch(other[0]))
        await #expect(throws: SecretAccessError.invalidToken("secret token expired")) {
            try await expiring.scheduler.redeemSecrets(token: expired, instanceID: other[0], names: ["db"])
        }
    }

    @Test("a scheduler started on the same store honours unused tokens of launches before it, and no used one")
    func failover() async throws {
        let first = try await Core.make()
        defer { try? FileManager.default.removeItem(atPath: first.directory) }
        let ids = try await first.createPod()
        let used = try #require(await first.scheduler.simulateLaunch(ids[0]))
        let pending = try #require(await first.scheduler.simulateLaunch(ids[1]))
        _ = try await first.scheduler.redeemSecrets(token: used, instanceID: ids[0], names: ["db"])
        let second = try await Core.make(directory: first.directory)
        await #expect(throws: SecretAccessError.forbidden("the token has been used already")) {
            try await second.scheduler.redeemSecrets(token: used, instanceID: ids[0], names: ["db"])
        }
        #expect(try await second.scheduler.redeemSecrets(token: pending, instanceID: ids[1], names: ["db"]) == ["db": Array(Self.dbPassword.utf8)])
    }

    @Test("instances whose secret is not in the store wait with a value-free reason in ::status and the queue, until it is")
    func waitsForMissingSecret() async throws {
        let core = try await Core.make(writeSecret: false)
        defer { try? FileManager.default.removeItem(atPath: core.directory) }
        let ids = try await core.createPod()
        let id = PodId(canonicalizing: "/team-a/app")
        #expect(await core.scheduler.refreshSecretWaits([id]) == [id])
        let snapshot = try #require(await core.scheduler.statusSnapshot(id))
        let expected = "waiting for secret 'db' (source '/team-a/db' is not in the secret store)"
        #expect(snapshot.instances.map(\.waitingReason) == [expected, expected])
        #expect(snapshot.instances.map(\.instanceID).sorted() == ids.sorted())
        let queue = await core.scheduler.queue(embedLastUnusedOffers: false)
        #expect(queue.first?.waitingForSecrets == SecretWait(secrets: ["db"], message: expected))
        try "s3cr3t".write(toFile: core.directory + "/secrets/team-a/db", atomically: true, encoding: .utf8)
        #expect(await core.scheduler.refreshSecretWaits([id]).isEmpty)
        #expect(try #require(await core.scheduler.statusSnapshot(id)).instances.allSatisfy { $0.waitingReason == nil })
        #expect(await core.scheduler.queue(embedLastUnusedOffers: false).first?.waitingForSecrets == nil)
    }

    @Test("token format: verified statelessly under the store's key; another key or a changed claim fails")
    func tokenFormat() throws {
        let authority = SecretTokenAuthority(key: SecretTokenAuthority.newKey())
        let token = authority.mint(instanceID: "a.instance-1", incarnation: 2, names: ["b", "a"], expiresAt: Date().addingTimeInterval(60))
        #expect(token.hasPrefix(PodSecretsContract.tokenPrefix))
        let verified = try authority.verify(token, now: Date())
        #expect(verified.claims.instanceID == "a.instance-1" && verified.claims.incarnation == 2 && verified.claims.names == ["a", "b"])
        #expect(throws: SecretAccessError.invalidToken("secret token not issued by this scheduler")) {
            try SecretTokenAuthority(key: SecretTokenAuthority.newKey()).verify(token, now: Date())
        }
        // A claim rewritten (another instance) with the old MAC.
        let parts = token.dropFirst(PodSecretsContract.tokenPrefix.count).split(separator: ".")
        let claims = String(decoding: try #require(SecretTokenAuthority.decodeBase64URL(parts[0])), as: UTF8.self)
        let forged = SecretTokenAuthority.base64URL(Array(claims.replacingOccurrences(of: "a.instance-1", with: "x.instance-1").utf8))
        #expect(throws: SecretAccessError.self) {
            try authority.verify(PodSecretsContract.tokenPrefix + forged + "." + parts[1], now: Date())
        }
        #expect(throws: SecretAccessError.invalidToken("not a secret token")) { try authority.verify("Bearer x", now: Date()) }
    }

    @Test("directory store: sources below the directory only; errors name the source, never the value")
    func directoryStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/a", withIntermediateDirectories: true)
        try "value-1".write(toFile: directory + "/a/b", atomically: true, encoding: .utf8)
        let store = DirectorySecretStore(directory: directory)
        let found = [try await store.contains("/a/b"), try await store.contains("/a/c"), try await store.contains("/a")]
        #expect(found == [true, false, false])
        #expect(try await store.read("//a/b") == Array("value-1".utf8))
        for bad in ["/a/../a/b", "..", "", "/./a/b"] {
            await #expect(throws: SecretStoreError.self) { try await store.read(bad) }
        }
        do {
            _ = try await store.read("/a/missing")
            Issue.record("a missing secret was read")
        } catch {
            #expect(error.code == .notFound && error.message == "secret '/a/missing' not found in the secret store")
        }
        try Data(count: DirectorySecretStore.maximumSize + 1).write(to: URL(fileURLWithPath: directory + "/a/big"))
        await #expect(throws: SecretStoreError(.tooLarge, "secret '/a/big' is larger than 512 KiB")) { try await store.read("/a/big") }
    }
}

extension Scheduler {
    var instanceIDs: [String] { instances.keys.sorted() }

    /// What a launch does to the record (tasks staged, the token minted); the token.
    func simulateLaunch(_ instanceID: String) -> String? {
        guard var record = instances[instanceID], let pod = pods[record.podID],
              let access = secretAccess(for: record, pod: pod) else { return nil }
        record.tasks = [InstanceRecord.Task(taskID: "\(instanceID).c.\(record.incarnation)", containerName: "c", state: "TASK_STAGING",
                                            healthy: nil, stagedAt: Date(), startedAt: nil, addresses: [], message: nil, lastUUID: nil)]
        record.baseCondition = .provisioned
        instances[instanceID] = record
        save([record])
        return access.token
    }

    /// The instance's tasks failed: it is relaunched (next incarnation).
    func simulateEnd(_ instanceID: String) async {
        guard var record = instances[instanceID] else { return }
        record.tasks = record.tasks.map { var task = $0; task.state = "TASK_FAILED"; return task }
        instances[instanceID] = record
        await instanceEnded(instanceID)
    }
}
