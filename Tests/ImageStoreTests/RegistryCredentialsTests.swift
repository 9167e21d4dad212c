import Foundation
import Testing
@testable import ImageStore

@Suite struct RegistryCredentialsTests {
    static func config(_ json: String) throws(ImageStoreError) -> RegistryCredentials {
        try RegistryCredentials(dockerConfig: Data(json.utf8))
    }

    static let auth = Data("testuser:te:st:pass".utf8).base64EncodedString()

    @Test func authSplitsAtFirstColon() throws {
        let credentials = try Self.config(#"{"auths":{"127.0.0.1:5000":{"auth":"\#(Self.auth)","email":"x@y"}}}"#)
        let entry = try #require(credentials.entry(registry: "127.0.0.1:5000", repository: "test/busybox"))
        #expect(entry.username == "testuser")
        #expect(entry.password == "te:st:pass")
    }

    @Test(arguments: ["127.0.0.1:5000", "http://127.0.0.1:5000", "https://127.0.0.1:5000/v1/", "https://127.0.0.1:5000/v2/",
                      "127.0.0.1:5000/test"])
    func keyNormalization(_ key: String) throws {
        let credentials = try Self.config(#"{"auths":{"\#(key)":{"auth":"\#(Self.auth)"}}}"#)
        #expect(credentials.entry(registry: "127.0.0.1:5000", repository: "test/busybox") != nil)
    }

    @Test func portIsPartOfTheKey() throws {
        let credentials = try Self.config(#"{"auths":{"127.0.0.1":{"auth":"\#(Self.auth)"}}}"#)
        #expect(credentials.entry(registry: "127.0.0.1:5000", repository: "test/busybox") == nil)
    }

    @Test func perRepositoryKeyOnlyMatchesItsPath() throws {
        let other = Data("other:pw".utf8).base64EncodedString()
        let credentials = try Self.config(
            #"{"auths":{"reg.example.com/team":{"auth":"\#(Self.auth)"},"reg.example.com":{"auth":"\#(other)"}}}"#)
        #expect(credentials.entry(registry: "reg.example.com", repository: "team/app")?.username == "testuser")
        #expect(credentials.entry(registry: "reg.example.com", repository: "teamx/app")?.username == "other")
        #expect(credentials.entry(registry: "reg.example.com", repository: "else/app")?.username == "other")
    }

    @Test(arguments: ["https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io"])
    func dockerHubAliases(_ key: String) throws {
        let credentials = try Self.config(#"{"auths":{"\#(key)":{"auth":"\#(Self.auth)"}}}"#)
        let reference = try ImageReference.parse("nginx")
        #expect(credentials.entry(registry: reference.registry, repository: reference.repository) != nil)
    }

    @Test func hubCredentialsNeverGoToLookalikeHosts() throws {
        let credentials = try Self.config(#"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(Self.auth)"}}}"#)
        #expect(credentials.entry(registry: "evil-docker.io.example.com", repository: "x") == nil)
        #expect(credentials.entry(registry: "docker.io.evil.com", repository: "x") == nil)
    }

    @Test func usernamePasswordFieldsAcceptedWhenNoAuth() throws {
        let credentials = try Self.config(#"{"auths":{"r.example.com":{"username":"u","password":"p"}}}"#)
        let entry = try #require(credentials.entry(registry: "r.example.com", repository: "x"))
        #expect(entry.username == "u" && entry.password == "p")
        let both = try Self.config(#"{"auths":{"r.example.com":{"auth":"\#(Self.auth)","username":"u","password":"p"}}}"#)
        #expect(both.entry(registry: "r.example.com", repository: "x")?.username == "testuser")
    }

    @Test func identityAndRegistryTokens() throws {
        let tokenAuth = Data("<token>:".utf8).base64EncodedString()
        let credentials = try Self.config(
            #"{"auths":{"r.example.com":{"auth":"\#(tokenAuth)","identitytoken":"refresh-1"},"q.example.com":{"registrytoken":"bearer-2"}}}"#)
        let identity = try #require(credentials.entry(registry: "r.example.com", repository: "x"))
        #expect(identity.identityToken == "refresh-1")
        #expect(identity.username == "<token>")
        #expect(credentials.entry(registry: "q.example.com", repository: "x")?.registryToken == "bearer-2")
    }

    @Test func legacyDockercfgAndTrailingNULs() throws {
        let auth = Data("user:pass\u{0}\u{0}".utf8).base64EncodedString()
        let credentials = try Self.config(#"{"r.example.com":{"auth":"\#(auth)"}}"#)
        #expect(credentials.entry(registry: "r.example.com", repository: "x")?.password == "pass")
    }

    @Test func credentialHelpersAreIgnoredWithWarnings() throws {
        let credentials = try Self.config(#"{"auths":{},"credsStore":"desktop","credHelpers":{"r.example.com":"ecr"}}"#)
        #expect(credentials.registries.isEmpty)
        #expect(credentials.warnings.count == 2)
    }

    @Test func errorsAndDescriptionNeverLeakSecrets() throws {
        let secret = "s3cr3t-value"
        let credentials = try Self.config(#"{"auths":{"r.example.com":{"auth":"\#(Data("u:\(secret)".utf8).base64EncodedString())"}}}"#)
        #expect(!"\(credentials)".contains(secret))
        #expect(!String(reflecting: credentials).contains(secret))
        for bad in [#"{"auths":{"r":{"auth":"@@@\#(secret)"}}}"#, "not json \(secret)", #"{"auths":[\#(secret)]}"#] {
            do {
                _ = try Self.config(bad)
                Issue.record("expected failure for malformed secret")
            } catch {
                #expect(error.code == .invalidCredentials)
                #expect(!error.description.contains(secret))
            }
        }
    }
}
