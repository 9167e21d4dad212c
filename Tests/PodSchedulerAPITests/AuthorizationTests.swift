import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MesosProtocol
@testable import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Primitives
import Testing

/// Principals and per-path permissions (Marathon's `AuthorizedAction` on pod paths): who may
/// do what is answered as the permissions file says, lists show only what may be viewed,
/// and the executors' secret endpoint takes no user's credentials.
@Suite("authorization: principals × paths × actions")
struct AuthorizationTests {
    static let passwords = ["admin": "admin-pass", "alice": "alice-pass", "carol": "carol-pass"]
    static let bobToken = "bob-token-0123456789abcdef"

    /// The permissions file of every test (hashes made with the minimum iterations: fast).
    static let permissions: Permissions = {
        func hash(_ name: String) -> String {
            (try? PasswordHash.make(password: passwords[name] ?? "", iterations: PasswordHash.minimumIterations).description) ?? ""
        }
        let file = """
            {"principals": [
               {"name": "admin", "passwordHash": "\(hash("admin"))"},
               {"name": "alice", "passwordHash": "\(hash("alice"))"},
               {"name": "bob", "tokenHash": "\(TokenHash(token: bobToken))"},
               {"name": "carol", "passwordHash": "\(hash("carol"))"}],
             "rules": [
               {"principal": "admin", "actions": ["view", "create", "update", "delete"], "paths": ["/"]},
               {"principal": "alice", "actions": ["view", "create", "update", "delete"], "paths": ["/team-a/"]},
               {"principal": "bob", "actions": ["view"], "paths": ["/team-a", "/team-b"]},
               {"principal": "bob", "actions": ["create"], "paths": ["/team-b"]}]}
            """
        do { return try Permissions(parsing: Data(file.utf8)) } catch { fatalError("test permissions: \(error)") }
    }()

    static func pod(_ id: String, instances: Int = 1) -> String {
        #"{"id": "\#(id)", "scaling": {"kind": "fixed", "instances": \#(instances)}, "#
            + #""containers": [{"name": "c", "resources": {"cpus": 0.1, "mem": 16}, "exec": {"command": {"shell": "sleep 1"}}}]}"#
    }

    static func headers(_ who: String) -> HTTPFields {
        var fields = Fixture.jsonHeaders
        switch who {
        case "bob": fields[.authorization] = "Bearer " + bobToken
        case "nobody": break
        case "ops": fields[.authorization] = "Basic " + Data("ops:legacy-pass".utf8).base64EncodedString()
        case "alice-wrong": fields[.authorization] = "Basic " + Data("alice:admin-pass".utf8).base64EncodedString()
        default: fields[.authorization] = "Basic " + Data("\(who):\(passwords[who] ?? "")".utf8).base64EncodedString()
        }
        return fields
    }

    /// An API with the permissions file (and the legacy `ops` user of --auth-basic-file)
    /// over a service holding /team-a/web, /team-b/api and /ops/db.
    static func api() async throws -> (PodsAPI, FakePodService) {
        let service = FakePodService()
        for id in ["/team-a/web", "/team-b/api", "/ops/db"] { await service.seed(try Fixture.parsed(pod(id))) }
        var configuration = APIConfiguration(baseURL: Fixture.baseURL, authentication: .basic(username: "ops", password: "legacy-pass"))
        configuration.permissions = permissions
        return (PodsAPI(service: service, configuration: configuration, logger: Fixture.logger, now: { Fixture.now }), service)
    }

    struct Row: CustomStringConvertible {
        var who: String
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var status: Int
        var description: String { "\(who) \(method) \(path) → \(status)" }
    }

    static let table: [Row] = [
        // alice: everything below /team-a, nothing elsewhere.
        Row(who: "alice", method: .get, path: "/v2/pods/team-a/web", status: 200),
        Row(who: "alice", method: .get, path: "/v2/pods/team-a/web::versions", status: 200),
        Row(who: "alice", method: .put, path: "/v2/pods/team-a/web", body: pod("/team-a/web", instances: 2), status: 200),
        Row(who: "alice", method: .post, path: "/v2/pods", body: pod("/team-a/new"), status: 201),
        Row(who: "alice", method: .delete, path: "/v2/pods/team-a/web", status: 202),
        Row(who: "alice", method: .get, path: "/v2/pods/team-b/api", status: 403),
        Row(who: "alice", method: .get, path: "/v2/pods/team-b/api::versions", status: 403),
        Row(who: "alice", method: .get, path: "/v2/pods/team-b/api::status", status: 404),
        Row(who: "alice", method: .put, path: "/v2/pods/team-b/api", body: pod("/team-b/api", instances: 2), status: 403),
        Row(who: "alice", method: .post, path: "/v2/pods", body: pod("/team-ab/x"), status: 403),
        Row(who: "alice", method: .delete, path: "/v2/pods/ops/db", status: 403),
        Row(who: "alice", method: .delete, path: "/v2/pods/ops/db::instances/ops_db.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002",
            status: 403),
        // bob (a bearer token): views /team-a and /team-b, creates below /team-b only.
        Row(who: "bob", method: .get, path: "/v2/pods/team-a/web", status: 200),
        Row(who: "bob", method: .get, path: "/v2/pods/team-b/api::status", status: 200),
        Row(who: "bob", method: .post, path: "/v2/pods", body: pod("/team-b/new"), status: 201),
        Row(who: "bob", method: .put, path: "/v2/pods/team-b/other", body: pod("/team-b/other"), status: 200),
        Row(who: "bob", method: .put, path: "/v2/pods/team-b/api", body: pod("/team-b/api", instances: 3), status: 403),
        Row(who: "bob", method: .delete, path: "/v2/pods/team-b/api", status: 403),
        Row(who: "bob", method: .post, path: "/v2/pods", body: pod("/team-a/bob"), status: 403),
        Row(who: "bob", method: .get, path: "/v2/pods/ops/db", status: 403),
        // carol: signs in, may do nothing to pods.
        Row(who: "carol", method: .get, path: "/v2/pods", status: 200),
        Row(who: "carol", method: .get, path: "/v2/info", status: 200),
        Row(who: "carol", method: .get, path: "/v2/pods/ops/db", status: 403),
        Row(who: "carol", method: .post, path: "/v2/pods", body: pod("/carol"), status: 403),
        // admin, and the legacy --auth-basic-file user: everything.
        Row(who: "admin", method: .put, path: "/v2/pods/ops/db", body: pod("/ops/db", instances: 2), status: 200),
        Row(who: "admin", method: .delete, path: "/v2/pods/team-b/api", status: 202),
        Row(who: "ops", method: .post, path: "/v2/pods", body: pod("/anywhere"), status: 201),
        Row(who: "ops", method: .delete, path: "/v2/pods/ops/db", status: 202),
        // No or wrong credentials.
        Row(who: "nobody", method: .get, path: "/v2/pods", status: 401),
        Row(who: "alice-wrong", method: .get, path: "/v2/pods/team-a/web", status: 401),
        Row(who: "nobody", method: .get, path: "/ping", status: 200),
    ]

    @Test("each principal × path × action is answered as the permissions file says", arguments: table)
    func row(_ row: Row) async throws {
        let (api, service) = try await Self.api()
        try await Fixture.application(api).test(.router) { client in
            let response = try await client.send(row.method, row.path, body: row.body, headers: Self.headers(row.who))
            #expect(Int(response.status.code) == row.status, "\(row): \(response.text)")
            if row.status == 403 {
                #expect(response.json == ["message": "Not Authorized to perform this action!"])
            }
        }
        if row.status == 403 {
            // Nothing changed.
            #expect(await service.current.keys.map(\.absolute).sorted() == ["/ops/db", "/team-a/web", "/team-b/api"])
        }
    }

    @Test("lists show only what the principal may view: pods, ::status, deployments, queue")
    func listsAreFiltered() async throws {
        let (api, service) = try await Self.api()
        for id in ["/team-a/web", "/team-b/api", "/ops/db"] {
            _ = try await service.update(try Fixture.parsed(Self.pod(id, instances: 3)), force: false)
        }
        let queued = try await ["/team-a/web", "/ops/db"].asyncMap { id in
            QueueItemSnapshot(pod: try #require(await service.pod(PodId(canonicalizing: id))), role: "*", count: 1, backoffUntil: nil,
                              since: Fixture.now, offers: ProcessedOffersSnapshot())
        }
        await service.setQueue(queued)
        try await Fixture.application(api).test(.router) { client in
            let expected: [String: [String]] = ["alice": ["/team-a/web"], "bob": ["/team-a/web", "/team-b/api"], "carol": [],
                                                "admin": ["/ops/db", "/team-a/web", "/team-b/api"]]
            for (who, ids) in expected {
                let pods = try await client.send(.get, "/v2/pods", headers: Self.headers(who)).json
                #expect(pods.arrayValue?.compactMap { $0["id"]?.stringValue } == ids, "\(who) /v2/pods")
                let statuses = try await client.send(.get, "/v2/pods/::status", headers: Self.headers(who)).json
                #expect(statuses.arrayValue?.compactMap { $0["id"]?.stringValue } == ids, "\(who) ::status")
                let deployments = try await client.send(.get, "/v2/deployments", headers: Self.headers(who)).json
                let affected = Set(deployments.arrayValue?.flatMap { $0["affectedPods"]?.arrayValue?.compactMap(\.stringValue) ?? [] } ?? [])
                #expect(affected == Set(ids), "\(who) /v2/deployments")
                let queue = try await client.send(.get, "/v2/queue", headers: Self.headers(who)).json
                let inQueue = queue["queue"]?.arrayValue?.compactMap { $0["pod"]?["id"]?.stringValue } ?? []
                #expect(Set(inQueue) == Set(ids.filter { ["/team-a/web", "/ops/db"].contains($0) }), "\(who) /v2/queue")
            }
            // A deployment alice cannot see does not exist for her; one she sees but cannot
            // change is refused.
            let opsDeployment = try #require(await service.deployments().first { $0.affectedPods == [PodId(canonicalizing: "/ops/db")] })
            let hidden = try await client.send(.delete, "/v2/deployments/\(opsDeployment.id)", headers: Self.headers("alice"))
            #expect(hidden.status == .notFound)
            let teamB = try #require(await service.deployments().first { $0.affectedPods == [PodId(canonicalizing: "/team-b/api")] })
            #expect(try await client.send(.delete, "/v2/deployments/\(teamB.id)", headers: Self.headers("bob")).status == .forbidden)
            #expect(try await client.send(.delete, "/v2/queue/team-b/api/delay", headers: Self.headers("bob")).status == .forbidden)
        }
    }

    @Test("events about a pod reach only principals that may view it")
    func eventsAreFiltered() throws {
        let api = PodsAPI(service: FakePodService(), configuration: APIConfiguration(baseURL: Fixture.baseURL), logger: Fixture.logger)
        let event = SchedulerEvent(type: "pod_created_event", fields: JSONObject(), podIDs: [PodId(canonicalizing: "/team-a/web")])
        let alice = try #require(Self.permissions.principal(name: "alice", password: "alice-pass"))
        let carol = try #require(Self.permissions.principal(name: "carol", password: "carol-pass"))
        #expect(api.mayView(event, as: alice))
        #expect(!api.mayView(event, as: carol))
        #expect(api.mayView(SchedulerEvent(type: "event_stream_attached", fields: JSONObject()), as: carol))
    }

    @Test("the executors' secret endpoint takes a secret token only: user credentials get 401, a token its secrets once")
    func executorEndpoint() async throws {
        let (api, service) = try await Self.api()
        let token = PodSecretsContract.tokenPrefix + "abc.def"
        await service.setSecretToken(token, instanceID: "team-a_web.instance-1", secrets: ["db": Array("s3cr3t".utf8)])
        let body = #"{"instanceId": "team-a_web.instance-1", "secrets": ["db"]}"#
        try await Fixture.application(api).test(.router) { client in
            for who in ["admin", "ops", "bob", "nobody"] {
                let refused = try await client.send(.post, PodSecretsContract.path, body: body, headers: Self.headers(who))
                #expect(refused.status == .unauthorized, "\(who)")
                #expect(!refused.text.contains("s3cr3t"))
            }
            var headers = Fixture.jsonHeaders
            headers[.authorization] = "Bearer " + token
            let answer = try await client.send(.post, PodSecretsContract.path, body: body, headers: headers)
            #expect(answer.status == .ok)
            #expect(answer.json == ["secrets": ["db": .string(Data("s3cr3t".utf8).base64EncodedString())]])
            expectCacheHeaders(answer)
            let again = try await client.send(.post, PodSecretsContract.path, body: body, headers: headers)
            #expect(again.status == .unauthorized)
            let malformed = try await client.send(.post, PodSecretsContract.path, body: "[]", headers: headers)
            #expect(malformed.status == .badRequest)
        }
        // Users cannot read values anywhere else either: no GET route serves the endpoint.
        try await Fixture.application(api).test(.router) { client in
            let get = try await client.send(.get, PodSecretsContract.path, headers: Self.headers("admin"))
            #expect(get.status == .notFound || get.status == .methodNotAllowed)
        }
    }

    @Test("the permissions file: every problem reported by location; credentials checked against hashes only")
    func fileProblems() throws {
        let file = #"""
            {"principals": [{"name": "a", "passwordHash": "plain-text"}, {"name": "b"}, {"name": "a:b", "tokenHash": "sha256$00"},
                            {"name": "c", "tokenHash": "sha256$\#(String(repeating: "0", count: 64))", "extra": 1}],
             "rules": [{"principal": "zed", "actions": ["view"], "paths": ["/x"]},
                       {"principal": "c", "actions": ["list"], "paths": ["relative", "/a/../.."]},
                       {"principal": "c", "actions": [], "paths": ["/"]}],
             "groups": []}
            """#
        do {
            _ = try Permissions(parsing: Data(file.utf8))
            Issue.record("an invalid file was accepted")
        } catch {
            #expect(error.problems.contains("groups: unknown key (known: principals, rules)"), "\(error.problems)")
            #expect(error.problems.contains { $0.hasPrefix("principals[0].passwordHash: is not 'pbkdf2-sha256$") })
            #expect(error.problems.contains("principals[1]: needs exactly one of 'passwordHash' and 'tokenHash'"))
            #expect(error.problems.contains("principals[2].name: must be a non-empty string without ':'"))
            #expect(error.problems.contains("principals[3].extra: unknown key (known: name, passwordHash, tokenHash)"))
            #expect(error.problems.contains("rules[0].principal: 'zed' is not one of the principals"))
            #expect(error.problems.contains("rules[1].actions[0]: must be one of view, create, update, delete"))
            #expect(error.problems.contains("rules[1].paths[0]: must be an absolute pod path such as \"/\" or \"/team-a\""))
            #expect(error.problems.contains("rules[1].paths[1]: must be an absolute pod path such as \"/\" or \"/team-a\""))
            #expect(error.problems.contains("rules[2].actions: must not be empty"))
            #expect(!error.description.contains("plain-text"), "a credential is never echoed")
        }
        #expect(throws: PermissionsError.self) { try Permissions(parsing: Data("{".utf8)) }
        let hash = try PasswordHash.make(password: "pw", iterations: PasswordHash.minimumIterations)
        #expect(hash.matches("pw") && !hash.matches("pW") && !hash.description.contains("pw$"))
        #expect(try PasswordHash(parsing: hash.description) == hash)
        #expect(throws: PermissionsError.self) { try PasswordHash(parsing: "pbkdf2-sha256$1000$c2FsdHNhbHQ=$" + hash.description.split(separator: "$")[3]) }
        #expect(Self.permissions.principal(name: "alice", password: "alice-pass")?.name == "alice")
        #expect(Self.permissions.principal(name: "alice", password: "wrong") == nil)
        #expect(Self.permissions.principal(token: Self.bobToken)?.name == "bob")
        #expect(Self.permissions.principal(token: "guess") == nil)
    }

    @Test("path rules cover a path and what is below it, segment by segment")
    func pathRules() {
        let rule = PermissionRule(actions: [.view], paths: [PodId(canonicalizing: "/team-a")])
        #expect(rule.allows(.view, on: PodId(canonicalizing: "/team-a")))
        #expect(rule.allows(.view, on: PodId(canonicalizing: "/team-a/web/x")))
        #expect(!rule.allows(.view, on: PodId(canonicalizing: "/team-ab")))
        #expect(!rule.allows(.update, on: PodId(canonicalizing: "/team-a/web")))
        #expect(Principal.unrestricted("x").may(.delete, PodId(canonicalizing: "/any/thing")))
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
