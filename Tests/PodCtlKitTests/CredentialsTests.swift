import Foundation
import PodCtlKit
import Testing

@Suite("credentials: sent in the Authorization header, never printed")
struct CredentialsTests {
    static let password = "pa55-w0rd-XYZ"
    static let token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.sig"
    static var basicHeader: String { "Basic " + Data("ops:\(password)".utf8).base64EncodedString() }

    @Test("--user, --token, --credentials-file and PODCTL_TOKEN each give the right header")
    func sources() async throws {
        try await withFakeMarathon { server throws in
            server.on("GET", "/v2/pods/::status", .json(200, "[]"))
            try await withTemporaryFile("ops:\(Self.password)\n") { basicFile in
                try await withTemporaryFile("  \(Self.token)\n") { tokenFile in
                    let runs: [([String], [String: String])] = [
                        (["--user", "ops:\(Self.password)"], [:]),
                        (["--token", Self.token], [:]),
                        (["--credentials-file", basicFile], [:]),
                        (["--credentials-file", tokenFile], [:]),
                        ([], ["PODCTL_TOKEN": Self.token]),
                        (["--user", "ops:\(Self.password)"], ["PODCTL_TOKEN": "ignored"]),
                        ([], [:]),
                    ]
                    for (flags, environment) in runs {
                        let result = await podctl(["pod", "list"] + flags, url: server.url, environment: environment)
                        #expect(result.code == 0, "\(flags): \(result.stderr)")
                    }
                }
            }
            #expect(server.requests.map { $0.header("Authorization") } == [
                Self.basicHeader, "Bearer \(Self.token)", Self.basicHeader, "Bearer \(Self.token)",
                "Bearer \(Self.token)", Self.basicHeader, nil,
            ])
        }
    }

    @Test("neither errors nor --verbose traces show a secret", arguments: [401, 422, 500])
    func neverPrinted(status: Int) async throws {
        try await withFakeMarathon { server throws in
            server.on("POST", "/v2/pods", .json(status, Fixtures.invalidPod))
            for flags in [["--user", "ops:\(Self.password)"], ["--token", Self.token]] {
                let result = await podctl(["--verbose", "pod", "add", "-"] + flags, url: server.url,
                                          stdin: Fixtures.podDefinition)
                #expect(result.code == 3)
                #expect(result.stderr.contains("> POST \(server.url)/v2/pods"))
                #expect(result.stderr.contains("< \(status) "))
                #expect(result.stderr.contains("Object is not valid"))
                let printed = result.stdout + result.stderr
                for secret in [Self.password, Self.token, String(Self.basicHeader.dropFirst(6)), "Authorization"] {
                    #expect(!printed.contains(secret), "\(flags) printed \(secret)")
                }
            }
        }
    }

    @Test("credentials in the URL are used and not shown, even when the server is down")
    func urlUserInfo() async throws {
        let url = try await FakeMarathon.closedPortURL()
        let withSecret = url.replacingOccurrences(of: "http://", with: "http://ops:\(Self.password)@")
        let result = await podctl(["pod", "list", "--verbose", "--url", withSecret])
        #expect(result.code == 4)
        #expect(!result.stderr.contains(Self.password))
        #expect(result.stderr.hasSuffix("podctl: cannot reach the scheduler at \(url): connection refused\n"))
        let invalid = await podctl(["pod", "list", "--url", "ftp://ops:\(Self.password)@host"])
        #expect(invalid.code == 2)
        #expect(!invalid.stderr.contains(Self.password))
    }

    @Test("a credentials file with neither form is a usage error that does not echo it")
    func badFile() async throws {
        try await withTemporaryFile(":\(Self.password)") { path in
            let result = await podctl(["pod", "list", "--credentials-file", path], url: "http://127.0.0.1:1")
            #expect(result.code == 2)
            #expect(result.stderr == "podctl: credentials file '\(path)' holds neither user:password nor a token\n")
        }
    }

    @Test("descriptions, debug descriptions and dumps are redacted")
    func redacted() {
        for credentials in [Credentials.basic(user: "ops", password: Self.password), .bearer(token: Self.token)] {
            var dumped = ""
            dump(credentials, to: &dumped)
            let shown = [String(describing: credentials), String(reflecting: credentials), dumped, "\(credentials)"]
            for text in shown {
                #expect(!text.contains(Self.password) && !text.contains(Self.token) && !text.contains("ops"))
            }
        }
    }

    @Test("text parses as user:password or a token", arguments: [
        ("ops:pw", Credentials.basic(user: "ops", password: "pw")),
        ("ops:p:w\n", .basic(user: "ops", password: "p:w")),
        ("ops:", .basic(user: "ops", password: "")),
        (" tok ", .bearer(token: "tok")),
    ])
    func parse(text: String, expected: Credentials) {
        #expect(Credentials(text: text) == expected)
    }

    @Test("empty text and a missing user give no credentials", arguments: ["", " \n", ":pw"])
    func parseNothing(text: String) {
        #expect(Credentials(text: text) == nil)
    }
}
