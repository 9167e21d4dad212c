import Foundation
@testable import LocalMesos
import MesosHTTP
import MesosProtocol
import Testing

/// The embedded master with `--authenticate_http_frameworks`: the answers of a Mesos 1.12
/// master (docs/reference/mesos-cluster-operations.md §2.3), and the credentials file as the master reads it.
@Suite("framework authentication: the embedded master and the credentials file")
struct FrameworkAuthenticationTests {
    static let credentials = MesosCredentials([("pod-scheduler", "s3cr3t"), ("ops", "0ps-secret"), ("colon", "a:b")])

    @Test("a SUBSCRIBE without credentials, or with wrong ones, gets the master's 401")
    func refused() async throws {
        try await MasterFixture.with(credentials: Self.credentials) { fixture in
            let wrong: [String?] = [
                nil,
                MasterFixture.basic("pod-scheduler", "wrong"),
                MasterFixture.basic("nobody", "s3cr3t"),
                "Bearer s3cr3t",
                "basic " + Data("pod-scheduler:s3cr3t".utf8).base64EncodedString(),  // the scheme is case-sensitive
                "Basic  " + Data("pod-scheduler:s3cr3t".utf8).base64EncodedString(),  // split on every space
                "Basic not-base64!",
                MasterFixture.basic("colon", "a:b"),  // split on every ':': never authenticates
            ]
            for authorization in wrong {
                let answer = try await fixture.post(MasterFixture.subscribe(), authorization: authorization)
                #expect(answer.status == 401, "\(authorization ?? "no header")")
                #expect(answer.headers["WWW-Authenticate"] == [#"Basic realm="mesos-master-scheduler""#])
                #expect(answer.headers.first(name: "Content-Type") == "text/plain; charset=utf-8")
                #expect(answer.text == "401 Unauthorized.")
            }
            // Authentication comes before the method check, as in libprocess.
            let get = try await fixture.post("", method: .GET)
            #expect(get.status == 401)
            #expect(await fixture.master.frameworks.isEmpty)
        }
    }

    @Test("with credentials the SUBSCRIBE is accepted and the master fills in the principal")
    func accepted() async throws {
        try await MasterFixture.with(credentials: Self.credentials) { fixture in
            let answer = try await fixture.post(MasterFixture.subscribe(), authorization: MasterFixture.basic("pod-scheduler", "s3cr3t"))
            #expect(answer.status == 200)
            let events = try await MasterFixture.events(answer, count: 1)
            #expect(events.first?.type == .subscribed)
            let id = try #require(events.first?.subscribed.frameworkID.value)
            let info = await fixture.master.frameworks[id]?.info
            #expect(info?.hasPrincipal == true)
            #expect(info?.principal == "pod-scheduler")
        }
    }

    @Test("a FrameworkInfo.principal other than the authenticated one: 400 with the master's text")
    func mismatch() async throws {
        try await MasterFixture.with(credentials: Self.credentials) { fixture in
            let answer = try await fixture.post(MasterFixture.subscribe(principal: "other"),
                                                authorization: MasterFixture.basic("pod-scheduler", "s3cr3t"))
            #expect(answer.status == 400)
            #expect(answer.text == "Failed to validate scheduler::Call: Authenticated principal 'pod-scheduler' does not match principal 'other' set in `FrameworkInfo`")
            let same = try await fixture.post(MasterFixture.subscribe(principal: "pod-scheduler"),
                                              authorization: MasterFixture.basic("pod-scheduler", "s3cr3t"))
            #expect(same.status == 200)
        }
    }

    @Test("later calls must come from the framework's principal; a re-SUBSCRIBE may not change it")
    func principalIsFixed() async throws {
        try await MasterFixture.with(credentials: Self.credentials) { fixture in
            let mine = MasterFixture.basic("pod-scheduler", "s3cr3t")
            let first = try await fixture.post(MasterFixture.subscribe(), authorization: mine)
            // Kept open to the end: the master disconnects a framework whose stream closes.
            let subscription = await MasterFixture.keepReading(first)
            defer { Task { await subscription.stop() } }
            let events = try await subscription.first(1)
            let id = try #require(events.first?.subscribed.frameworkID.value)
            let streamID = try #require(first.headers.first(name: "Mesos-Stream-Id"))

            let reconcile = #"{"type":"RECONCILE","framework_id":{"value":"\#(id)"},"reconcile":{"tasks":[]}}"#
            let other = try await fixture.post(reconcile, authorization: MasterFixture.basic("ops", "0ps-secret"), streamID: streamID)
            #expect(other.status == 400)
            #expect(other.text == "Authenticated principal 'ops' does not match principal 'pod-scheduler' set in `FrameworkInfo`")
            let own = try await fixture.post(reconcile, authorization: mine, streamID: streamID)
            #expect(own.status == 202)
            let update = #"{"type":"UPDATE_FRAMEWORK","framework_id":{"value":"\#(id)"},"update_framework":{"framework_info":"#
                + String(MasterFixture.frameworkJSON.dropLast()) + #","id":{"value":"\#(id)"},"principal":"other"}}}"#
            let changed = try await fixture.post(update, authorization: mine, streamID: streamID)
            #expect(changed.status == 400)
            #expect(changed.text == "FrameworkInfo update is not valid: Changing framework's principal is not allowed.")

            // 200, then an ERROR event, then the end of that stream; the first one stays.
            let again = try await fixture.post(MasterFixture.subscribe(frameworkID: id), authorization: MasterFixture.basic("ops", "0ps-secret"))
            #expect(again.status == 200)
            let refusal = try await MasterFixture.events(again, count: 2)
            #expect(refusal.count == 1)
            #expect(refusal.first?.type == .error)
            #expect(refusal.first?.error.message == "Changing framework's principal is not allowed.")
            #expect(await fixture.master.frameworks[id]?.stream?.id == streamID)
            #expect(await fixture.master.frameworks[id]?.info.principal == "pod-scheduler")
        }
    }

    @Test("the default master stays open, and a principal without authentication is kept as given")
    func openByDefault() async throws {
        try await MasterFixture.with { fixture in
            let answer = try await fixture.post(MasterFixture.subscribe(principal: "anyone"))
            #expect(answer.status == 200)
            let events = try await MasterFixture.events(answer, count: 1)
            let id = try #require(events.first?.subscribed.frameworkID.value)
            #expect(await fixture.master.frameworks[id]?.info.principal == "anyone")
        }
    }

    @Test("SchedulerMasterClient: subscribes with its credential; a 401 names the master and what was wrong, never the secret")
    func client() async throws {
        let http = SchedulerMasterClient.makeHTTPClient()
        try await MasterFixture.with(credentials: Self.credentials) { fixture in
            var call = Mesos_V1_Scheduler_Call()
            call.type = .subscribe
            call.subscribe.frameworkInfo.user = "root"
            call.subscribe.frameworkInfo.name = "auth-test"

            let good = SchedulerMasterClient(masters: [fixture.endpoint], httpClient: http,
                                             credential: try FrameworkCredential(principal: "pod-scheduler", secret: "s3cr3t"))
            let subscription = try await good.subscribe(call)
            #expect(subscription.leader == fixture.endpoint)

            let none = SchedulerMasterClient(masters: [fixture.endpoint], httpClient: http)
            let missing = await #expect(throws: MesosHTTPError.self) { try await none.subscribe(call) }
            #expect(missing?.kind == .status(401))
            #expect(missing?.isRefusal == true)
            #expect(missing?.description.contains("refused by http://127.0.0.1:\(fixture.port)") == true)
            #expect(missing?.description.contains("no credentials were sent") == true)

            let bad = SchedulerMasterClient(masters: [fixture.endpoint], httpClient: http,
                                            credential: try FrameworkCredential(principal: "pod-scheduler", secret: "not-it"))
            let wrong = await #expect(throws: MesosHTTPError.self) { try await bad.subscribe(call) }
            #expect(wrong?.description.contains("did not accept the credentials of principal 'pod-scheduler'") == true)
            #expect(wrong?.description.contains("not-it") == false)
        }
        try await http.shutdown()
    }

    @Test("a framework credential cannot hold ':' (basic authentication could not carry it)")
    func credentialRules() throws {
        #expect(throws: FrameworkCredential.Invalid.secretHasColon) { try FrameworkCredential(principal: "p", secret: "a:b") }
        #expect(throws: FrameworkCredential.Invalid.principalHasColon) { try FrameworkCredential(principal: "p:q", secret: "s") }
        #expect(throws: FrameworkCredential.Invalid.emptySecret) { try FrameworkCredential(principal: "p", secret: "") }
        let credential = try FrameworkCredential(principal: "p", secret: "s")
        #expect(credential.authorization == "Basic " + Data("p:s".utf8).base64EncodedString())
        #expect("\(credential)" == "principal 'p'")
        #expect(FrameworkCredential.secret(fromFileContents: Data("s3cr3t\r\n".utf8)) == "s3cr3t")
        #expect(FrameworkCredential.secret(fromFileContents: Data(" s3 cr3t ".utf8)) == " s3 cr3t ")
    }

    @Test("the credentials file: JSON as the master reads it; the 1.11-removed text format refused without quoting it")
    func credentialsFile() throws {
        let parsed = try MesosCredentials(parsing: Data(#"{"credentials":[{"principal":"a","secret":"x"},{"principal":"b"}]}"#.utf8))
        #expect(parsed.principals == ["a", "b"])
        #expect(parsed.accepts(principal: "a", secret: "x"))
        #expect(parsed.accepts(principal: "b", secret: ""))
        #expect(!parsed.accepts(principal: "a", secret: "y"))
        #expect("\(parsed)".contains("x") == false)

        func failure(_ text: String) -> String? {
            do {
                _ = try MesosCredentials(parsing: Data(text.utf8))
                return nil
            } catch {
                return error.message
            }
        }
        #expect(failure("") == "Credentials file must contain at least one credential")
        let text = failure("pod-scheduler s3cr3t\nops 0ps\n")
        #expect(text?.hasPrefix("Invalid json format: ") == true)
        #expect(text?.contains("removed in Mesos 1.11") == true)
        #expect(text?.contains("s3cr3t") == false)
        #expect(failure(#"{"credentials":[{"secret":"x"}]}"#) == "Failed to parse credentials: Missing required fields: credentials[0].principal")
        #expect(failure(#"{"credentials":{"principal":"a"}}"#)?.hasPrefix("Failed to parse credentials: ") == true)
        #expect(failure("[1]")?.hasPrefix("Invalid json format") == true)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/credentials.json"
        try #"{"credentials":[{"principal":"a","secret":"x"}]}"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try MesosCredentials(contentsOf: "file://" + file).principals == ["a"])
        #expect(throws: MesosCredentials.Failure.self) { try MesosCredentials(contentsOf: directory + "/missing.json") }
    }
}
