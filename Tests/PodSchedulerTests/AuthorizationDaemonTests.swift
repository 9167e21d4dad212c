import Foundation
import NIOHTTP1
import MesosProtocol
import PodTestFixtures
import Testing

/// `--permissions-file` on the real binary: hashes made by `pod-scheduler hash-credential`,
/// a table of principals × paths × verbs, filtered lists and events.
@Suite("pod-scheduler --permissions-file", .serialized)
struct AuthorizationDaemonTests {
    /// `pod-scheduler hash-credential <kind>` with `secret` on stdin.
    static func hash(_ kind: String, _ secret: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SchedulerDaemon.binary("pod-scheduler"))
        process.arguments = ["hash-credential", kind]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data((secret + "\n").utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && !text.contains(secret))
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func basic(_ user: String, _ password: String) -> [(String, String)] {
        [("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())]
    }

    static func pod(_ id: String, instances: Int = 0) -> String {
        #"{"id": "\#(id)", "scaling": {"kind": "fixed", "instances": \#(instances)}, "#
            + #""containers": [{"name": "c", "resources": {"cpus": 0.1, "mem": 16}, "exec": {"command": {"shell": "sleep 1"}}}]}"#
    }

    @Test("each principal × path × verb answered as the file says; lists and events show only what may be viewed")
    func table() async throws {
        let directory = try DaemonProcess.temporaryDirectory("permissions")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let token = "ci-\(UUID().uuidString)"
        let file = directory + "/permissions.json"
        try """
            {"principals": [{"name": "admin", "passwordHash": "\(try Self.hash("password", "admin-pw"))"},
                            {"name": "alice", "passwordHash": "\(try Self.hash("password", "alice-pw"))"},
                            {"name": "ci", "tokenHash": "\(try Self.hash("token", token))"}],
             "rules": [{"principal": "admin", "actions": ["view", "create", "update", "delete"], "paths": ["/"]},
                       {"principal": "alice", "actions": ["view", "create", "update", "delete"], "paths": ["/team-a"]},
                       {"principal": "ci", "actions": ["view", "update"], "paths": ["/team-b"]}]}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let admin = Self.basic("admin", "admin-pw"), alice = Self.basic("alice", "alice-pw")
        let ci = [("Authorization", "Bearer " + token)]
        let daemon = try SchedulerDaemon(extraArguments: ["--permissions-file", file])
        try await withDaemon(daemon) {
            #expect(try await daemon.request(.GET, "/v2/pods").status == 401)
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.pod("/team-b/api"), headers: admin).status == 201)
            let rows: [(String, [(String, String)], HTTPMethod, String, String?, Int)] = [
                ("alice", alice, .POST, "/v2/pods", Self.pod("/team-a/web"), 201),
                ("alice", alice, .PUT, "/v2/pods/team-a/web", Self.pod("/team-a/web", instances: 0), 200),
                ("alice", alice, .GET, "/v2/pods/team-b/api", nil, 403),
                ("alice", alice, .PUT, "/v2/pods/team-b/api", Self.pod("/team-b/api"), 403),
                ("alice", alice, .DELETE, "/v2/pods/team-b/api", nil, 403),
                ("alice", alice, .POST, "/v2/pods", Self.pod("/team-b/other"), 403),
                ("ci", ci, .GET, "/v2/pods/team-b/api::status", nil, 200),
                ("ci", ci, .PUT, "/v2/pods/team-b/api", Self.pod("/team-b/api"), 200),
                ("ci", ci, .POST, "/v2/pods", Self.pod("/team-b/new"), 403),
                ("ci", ci, .DELETE, "/v2/pods/team-b/api", nil, 403),
                ("ci", ci, .GET, "/v2/pods/team-a/web", nil, 403),
                ("admin", admin, .DELETE, "/v2/pods/team-a/web", nil, 202),
                ("alice", Self.basic("alice", "wrong"), .GET, "/v2/pods", nil, 401),
            ]
            for (who, headers, method, path, body, expected) in rows {
                let answer = try await daemon.request(method, path, body: body, headers: headers)
                #expect(answer.status == expected, "\(who) \(method) \(path): \(answer.text)")
                if expected == 403 { #expect(answer.object["message"] as? String == "Not Authorized to perform this action!") }
            }
            // Lists: each sees its own.
            #expect(try await daemon.request(.POST, "/v2/pods", body: Self.pod("/team-a/web"), headers: alice).status == 201)
            for (who, headers, ids) in [("alice", alice, ["/team-a/web"]), ("ci", ci, ["/team-b/api"]), ("admin", admin, ["/team-a/web", "/team-b/api"])] {
                let pods = try await daemon.request(.GET, "/v2/pods", headers: headers).json as? [[String: Any]] ?? []
                #expect(pods.compactMap { $0["id"] as? String }.sorted() == ids, "\(who)")
                let statuses = try await daemon.request(.GET, "/v2/pods/::status", headers: headers).json as? [[String: Any]] ?? []
                #expect(statuses.compactMap { $0["id"] as? String }.sorted() == ids, "\(who)")
            }
            // Events: alice's stream carries her pod's events, not another team's.
            let text = try await daemon.events(headers: alice, timeout: .seconds(30), whileOpen: {
                let hidden = try await daemon.request(.POST, "/v2/pods", body: Self.pod("/team-b/hidden"), headers: admin)
                let seen = try await daemon.request(.POST, "/v2/pods", body: Self.pod("/team-a/seen"), headers: alice)
                #expect(hidden.status == 201 && seen.status == 201)
            }, until: { $0.contains("/team-a/seen") && $0.contains("deployment_success") && $0.contains("event: pod_created_event") })
            #expect(text.contains("/team-a/seen") && !text.contains("/team-b/hidden"), "\(text)")
            #expect(text.components(separatedBy: "event: pod_created_event").count == 2, "alice's own creation only: \(text)")
            // The executors' endpoint takes no user's credentials.
            let body = #"{"instanceId": "team-a_web.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002", "secrets": ["db"]}"#
            for headers in [admin, ci] {
                #expect(try await daemon.request(.POST, PodSecretsContract.path, body: body, headers: headers).status == 401)
            }
            #expect(!daemon.log.contains("admin-pw") && !daemon.log.contains(token))
        }
    }
}
