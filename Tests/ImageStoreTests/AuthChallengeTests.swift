import Testing
@testable import ImageStore

@Suite struct AuthChallengeTests {
    @Test func basic() {
        let challenges = AuthChallenge.parse([#"Basic realm="test-realm""#])
        #expect(challenges == [AuthChallenge(scheme: "basic", parameters: ["realm": "test-realm"])])
    }

    @Test func bearerWithScopeContainingCommas() {
        let header = #"Bearer realm="http://127.0.0.1:5001/token",service="test-registry",scope="repository:a/b:pull,push",error="insufficient_scope""#
        let challenge = AuthChallenge.parse([header]).first
        #expect(challenge?.scheme == "bearer")
        #expect(challenge?.realm == "http://127.0.0.1:5001/token")
        #expect(challenge?.service == "test-registry")
        #expect(challenge?.scope == "repository:a/b:pull,push")
        #expect(challenge?.error == "insufficient_scope")
    }

    @Test func multipleChallengesCaseInsensitiveSchemeAndEscapes() {
        let header = #"NEGOTIATE, bEaReR realm="https://auth.example.com/token", service=svc, Basic realm="a \"quoted\" realm""#
        let challenges = AuthChallenge.parse([header, "Digest realm=\"x\", nonce=\"y\""])
        #expect(challenges.map(\.scheme) == ["negotiate", "bearer", "basic", "digest"])
        #expect(challenges[1].service == "svc")
        #expect(challenges[2].realm == #"a "quoted" realm"#)
        #expect(challenges[3].parameters["nonce"] == "y")
    }

    @Test func token68AndEmptyValues() {
        let challenges = AuthChallenge.parse(["Custom abc123==", #"Bearer realm="",service="""#])
        #expect(challenges.first?.token68 == "abc123==")
        #expect(challenges.last?.realm == "")
    }

    /// Malformed headers give what could be parsed before the damage (nothing when there is
    /// no scheme), never a trap and never a parameter that was not there.
    @Test(arguments: [
        ("", []),
        (",,,", []),
        ("=", []),
        ("\u{0}\u{1}", []),
        ("Bearer realm=\"unterminated", [AuthChallenge(scheme: "bearer", parameters: ["realm": "unterminated"])]),
        ("Bearer ,realm=x", [AuthChallenge(scheme: "bearer", parameters: ["realm": "x"])]),
        ("Bearer realm=\"r\", =junk", [AuthChallenge(scheme: "bearer", parameters: ["realm": "r"])]),
    ] as [(String, [AuthChallenge])])
    func malformedHeadersYieldWhatParsed(_ header: String, _ expected: [AuthChallenge]) {
        #expect(AuthChallenge.parse([header]) == expected)
    }

    @Test func schemePreference() {
        let bearer = RegistryClient.scheme(from: AuthChallenge.parse([#"Basic realm="r", Bearer realm="http://x/token",service="s""#]))
        #expect(bearer == .bearer(realm: "http://x/token", service: "s"))
        #expect(RegistryClient.scheme(from: AuthChallenge.parse([#"Basic realm="r""#])) == .basic)
        #expect(RegistryClient.scheme(from: []) == nil)
    }
}
