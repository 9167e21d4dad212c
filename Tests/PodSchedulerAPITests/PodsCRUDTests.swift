import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Testing

@Suite("POST, GET, PUT and DELETE /v2/pods")
struct PodsCRUDTests {
    @Test("POST creates: 201, deployment id, Location quirk, the normalized body of marathon-pods-api.md §9.2")
    func createSimplePod() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            #expect(response.status == .created)
            #expect(response.text == Fixture.simplePodNormalized)
            #expect(response.headers[.deploymentId] == "00000000-0000-4000-8000-000000000001")
            #expect(response.headers[.location] == "http://127.0.0.1:8080/simplepod")
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.leader] == Fixture.baseURL)
            expectCacheHeaders(response)

            let fetched = try await client.send(.get, "/v2/pods/simplepod")
            #expect(fetched.status == .ok)
            #expect(fetched.text == Fixture.simplePodNormalized)
        }
        #expect(await service.lastForce == false)
    }

    @Test("POST with an existing id: 409; with force the flag reaches the service")
    func duplicateCreate() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            let second = try await client.send(.post, "/v2/pods?force=true", body: Fixture.simplePod)
            #expect(second.status == .conflict)
            #expect(second.json == ["message": "A pod with id [/simplepod] already exists."])
            expectCacheHeaders(second)
        }
        #expect(await service.lastForce == true)
    }

    @Test("POST parse errors keep PodSpec's status and body")
    func createErrors() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let syntax = try await client.send(.post, "/v2/pods", body: "{\"id\": ")
            #expect(syntax.status == .badRequest)
            #expect(syntax.json["message"] == "Invalid JSON")

            let empty = try await client.send(.post, "/v2/pods", body: "")
            #expect(empty.status == .badRequest)
            #expect(empty.json["message"] == "Please specify data in JSON format")

            let schema = try await client.send(.post, "/v2/pods", body: #"{"id":"/p","containers":[]}"#)
            #expect(schema.status == .unprocessableContent)
            #expect(schema.json == [
                "message": "Invalid JSON", "details": [["path": "/containers", "errors": ["error.minLength"]]],
            ])

            let semantic = try await client.send(.post, "/v2/pods", body: #"""
                {"id":"/p","containers":[{"name":"a","resources":{}},{"name":"a","resources":{}}]}
                """#)
            #expect(semantic.status == .unprocessableContent)
            #expect(semantic.json["message"] == "Object is not valid")
        }
        #expect(await service.current.isEmpty)
    }

    @Test("enums are matched case-insensitively and echoed canonically")
    func caseInsensitiveEnums() async throws {
        let service = FakePodService()
        let body = #"""
            {"id":"/web","containers":[{"name":"c","resources":{"cpus":0.1,"mem":32},
              "image":{"kind":"docker","id":"nginx"},
              "endpoints":[{"name":"http","containerPort":80}],
              "healthCheck":{"http":{"endpoint":"http","scheme":"http"}}}],
             "networks":[{"mode":"container/bridge"}],
             "scheduling":{"killSelection":"oldest_first"}}
            """#
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.post, "/v2/pods", body: body)
            #expect(response.status == .created)
            let container = response.json["containers"]?[0]
            #expect(container?["image"]?["kind"] == "DOCKER")
            #expect(container?["healthCheck"]?["http"]?["scheme"] == "HTTP")
            #expect(response.json["scheduling"]?["killSelection"] == "OLDEST_FIRST")
            #expect(container?["endpoints"]?[0] == ["name": "http", "containerPort": 80, "hostPort": 0])
        }
    }

    @Test("GET /v2/pods lists pods; HEAD /v2/pods answers 200 without a body")
    func listAndHead() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let empty = try await client.send(.get, "/v2/pods")
            #expect(empty.status == .ok)
            #expect(empty.text == "[]")
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            _ = try await client.send(.post, "/v2/pods", body: Fixture.webPod)
            let list = try await client.send(.get, "/v2/pods/")
            #expect(list.json.arrayValue?.compactMap { $0["id"]?.stringValue } == ["/prod/web", "/simplepod"])

            let head = try await client.send(.head, "/v2/pods")
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            expectCacheHeaders(head)
        }
    }

    @Test("GET an unknown pod: 404 with Marathon's nested-JSON message; an invalid id: 422")
    func getUnknownAndInvalid() async throws {
        try await Fixture.application(Fixture.api(FakePodService())).test(.router) { client in
            let missing = try await client.send(.get, "/v2/pods/mypod")
            #expect(missing.status == .notFound)
            #expect(missing.text == #"{"message":"{\"message\": \"pod with /mypod does not exist\"}","details":[]}"#)
            expectCacheHeaders(missing)

            let invalid = try await client.send(.get, "/v2/pods/My_Pod")
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.json["message"] == "Object is not valid")
            #expect(invalid.json["details"]?[0]?["path"] == "/")
        }
    }

    @Test("ids are canonical: doubled, leading and trailing slashes, nested groups")
    func idCanonicalization() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            for path in ["/v2/pods//simplepod", "/v2/pods/simplepod/", "//v2//pods///simplepod//"] {
                let response = try await client.send(.get, path)
                #expect(response.status == .ok, "\(path)")
                #expect(response.json["id"] == "/simplepod", "\(path)")
            }
            _ = try await client.send(.post, "/v2/pods", body: Fixture.webPod)
            let nested = try await client.send(.get, "/v2/pods/prod/web")
            #expect(nested.status == .ok)
            #expect(nested.json["id"] == "/prod/web")
        }
    }

    @Test("PUT creates with 200 (no Location), updates with 200, and checks the id")
    func putCreateUpdateAndMismatch() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let created = try await client.send(.put, "/v2/pods/simplepod", body: Fixture.simplePod)
            #expect(created.status == .ok)
            #expect(created.text == Fixture.simplePodNormalized)
            #expect(created.headers[.deploymentId] != nil)
            #expect(created.headers[.location] == nil)

            let scaled = Fixture.simplePod.replacingOccurrences(of: #""instances": 1"#, with: #""instances": 3"#)
            let updated = try await client.send(.put, "/v2/pods//simplepod/?force=true", body: scaled)
            #expect(updated.status == .ok)
            #expect(updated.json["scaling"] == ["instances": 3, "kind": "fixed"])
            #expect(updated.json["version"] == .string(Fixture.nowText))

            let mismatch = try await client.send(.put, "/v2/pods/foo", body: Fixture.simplePod)
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.json == ["message": "'/foo' does not match definition's id ('/simplepod')"])

            let relative = Fixture.simplePod.replacingOccurrences(of: #""/simplepod""#, with: #""simplepod""#)
            let notAbsolute = try await client.send(.put, "/v2/pods/simplepod", body: relative)
            #expect(notAbsolute.status == .unprocessableContent)
        }
        #expect(await service.lastForce == true)
        #expect(await service.current[PodId(canonicalizing: "/simplepod")]?.instances == 3)
    }

    @Test("DELETE: 202 without body, deployment id and Location quirk; then GET is 404")
    func deletePod() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            let deleted = try await client.send(.delete, "/v2/pods/simplepod", headers: [:])
            #expect(deleted.status == .accepted)
            #expect(deleted.body.readableBytes == 0)
            let deploymentId = try #require(deleted.headers[.deploymentId])
            #expect(deleted.headers[.location] == "http://127.0.0.1:8080/" + deploymentId)
            expectCacheHeaders(deleted)

            let after = try await client.send(.get, "/v2/pods/simplepod")
            #expect(after.status == .notFound)

            let again = try await client.send(.delete, "/v2/pods/simplepod", headers: [:])
            #expect(again.status == .notFound)
            #expect(again.json == ["message": "Pod '/simplepod' does not exist", "details": []])

            let invalid = try await client.send(.delete, "/v2/pods/Bad_Id", headers: [:])
            #expect(invalid.status == .unprocessableContent)
        }
    }

    @Test("a locked pod gives 409 with the blocking deployments; too many deployments 403")
    func lockedAndTooMany() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            _ = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            await service.fail(.delete, with: .locked(deploymentIDs: ["97c136bf-5a28-4821-9d94-480d9fbb01c8"]))
            let locked = try await client.send(.delete, "/v2/pods/simplepod", headers: [:])
            #expect(locked.status == .conflict)
            #expect(locked.json == [
                "message": """
                    App is locked by one or more deployments. Override with the option '?force=true'. \
                    View details at '/v2/deployments/<DEPLOYMENT_ID>'.
                    """,
                "deployments": [["id": "97c136bf-5a28-4821-9d94-480d9fbb01c8"]],
            ])

            await service.fail(.update, with: .tooManyDeployments(limit: 1))
            let tooMany = try await client.send(.put, "/v2/pods/simplepod", body: Fixture.simplePod)
            #expect(tooMany.status == .forbidden)
            #expect(tooMany.json["message"]?.stringValue?.hasPrefix(
                "Max number (1) of running deployments is achieved.") == true)
        }
    }

    @Test("POST/PUT with a non-JSON Content-Type: 415; JSON with parameters is fine")
    func unsupportedMediaType() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let form = try await client.send(.post, "/v2/pods", body: Fixture.simplePod,
                                             headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unsupportedMediaType)
            #expect(form.json == ["message": "HTTP 415 Unsupported Media Type"])
            expectCacheHeaders(form)

            let text = try await client.send(.put, "/v2/pods/simplepod", body: Fixture.simplePod,
                                             headers: [.contentType: "text/plain"])
            #expect(text.status == .unsupportedMediaType)

            let charset = try await client.send(.post, "/v2/pods", body: Fixture.simplePod,
                                                headers: [.contentType: "Application/JSON; charset=utf-8"])
            #expect(charset.status == .created)
        }
    }

    @Test("an Accept header without JSON: 406 on /v2; JSON, wildcards and no header are served")
    func notAcceptable() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            for accept in ["text/plain", "application/xml", "application/json;q=0", "text/html, application/xml;q=0.9"] {
                let answer = try await client.send(.get, "/v2/pods", headers: [.accept: accept])
                #expect(answer.status == .notAcceptable, "\(accept)")
                #expect(answer.json == ["message": "HTTP 406 Not Acceptable"], "\(accept)")
                expectCacheHeaders(answer)
            }
            for accept in ["application/json", "*/*", "application/*", "text/html, */*;q=0.8", "Application/JSON; charset=utf-8"] {
                let answer = try await client.send(.get, "/v2/pods", headers: [.accept: accept])
                #expect(answer.status == .ok, "\(accept)")
            }
            #expect(try await client.send(.get, "/v2/pods").status == .ok)
            // Outside /v2: /ping and /metrics are text.
            #expect(try await client.send(.get, "/ping", headers: [.accept: "text/plain"]).status == .ok)
        }
    }

    @Test("a pod may name any secret source: 201 whether or not the store has it (Marathon's semantics)")
    func anySecretSourceIsAccepted() async throws {
        let service = FakePodService()
        let body = #"""
            {"id":"/withsecret","secrets":{"dbpass":{"source":"/db/password"}},
             "environment":{"DB_PASSWORD":{"secret":"dbpass"}},
             "containers":[{"name":"c","resources":{"cpus":0.1,"mem":32}}]}
            """#
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let response = try await client.send(.post, "/v2/pods", body: body)
            #expect(response.status == .created)
            // Structural errors still are: a reference to a secret the pod does not declare.
            let undeclared = body.replacingOccurrences(of: #"{"secret":"dbpass"}"#, with: #"{"secret":"other"}"#)
                .replacingOccurrences(of: "/withsecret", with: "/undeclared")
            let refused = try await client.send(.post, "/v2/pods", body: undeclared)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("references an undefined secret"))
        }
        #expect(await service.current.keys.map(\.absolute) == ["/withsecret"])
    }

    @Test("unknown paths and wrong methods still answer JSON with the cache headers")
    func unknownRoutes() async throws {
        try await Fixture.application(Fixture.api(FakePodService())).test(.router) { client in
            let unknown = try await client.send(.get, "/v2/apps")
            #expect(unknown.status == .notFound)
            #expect(unknown.json == ["message": "HTTP 404 Not Found"])
            expectCacheHeaders(unknown)

            let wrongMethod = try await client.send(.post, "/v2/pods/simplepod", body: Fixture.simplePod)
            #expect(wrongMethod.status == .methodNotAllowed)
            let getInstances = try await client.send(.get, "/v2/pods/simplepod::instances")
            #expect(getInstances.status == .methodNotAllowed)
        }
    }
}
