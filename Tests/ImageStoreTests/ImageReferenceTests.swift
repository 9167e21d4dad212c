import Testing
@testable import ImageStore

@Suite struct ImageReferenceTests {
    static let hex = String(repeating: "ab", count: 32)

    @Test(arguments: [
        ("nginx", "docker.io", "library/nginx", "latest", nil),
        ("nginx:1.25", "docker.io", "library/nginx", "1.25", nil),
        ("myuser/app", "docker.io", "myuser/app", "latest", nil),
        ("docker.io/nginx", "docker.io", "library/nginx", "latest", nil),
        ("index.docker.io/library/nginx:x", "docker.io", "library/nginx", "x", nil),
        ("registry-1.docker.io/foo/bar", "docker.io", "foo/bar", "latest", nil),
        ("localhost/app", "localhost", "app", "latest", nil),
        ("localhost:5000/app:v1", "localhost:5000", "app", "v1", nil),
        ("127.0.0.1:5000/test/busybox:latest", "127.0.0.1:5000", "test/busybox", "latest", nil),
        ("registry.example.com/a/b/c:t-1.2_3", "registry.example.com", "a/b/c", "t-1.2_3", nil),
        ("registry.example.com/app", "registry.example.com", "app", "latest", nil),
        ("a__b/c--d/e.f_g", "docker.io", "a__b/c--d/e.f_g", "latest", nil),
        ("[::1]:5000/x", "[::1]:5000", "x", "latest", nil),
        ("x@sha256:\(hex)", "docker.io", "library/x", nil, "sha256:\(hex)"),
        ("x:tag@sha256:\(hex)", "docker.io", "library/x", "tag", "sha256:\(hex)"),
        ("127.0.0.1:5000/x@sha256:\(hex)", "127.0.0.1:5000", "x", nil, "sha256:\(hex)"),
    ] as [(String, String, String, String?, String?)])
    func parses(_ input: String, registry: String, repository: String, tag: String?, digest: String?) throws {
        let reference = try ImageReference.parse(input)
        #expect(reference.registry == registry)
        #expect(reference.repository == repository)
        #expect(reference.tag == tag)
        #expect(reference.digest?.description == digest)
        if let digest { #expect(reference.manifestReference == digest) }
    }

    @Test(arguments: [
        "", "UPPER/case", "nginx:", "nginx@sha256:abc", "nginx@sha512:\(String(repeating: "a", count: 128))",
        "nginx@sha256:\(String(repeating: "A", count: 64))", "a//b", "/abs", "a/-b", "a/b_", "a/b___c",
        "host:port/x", "reg.example.com:99999/x", "x:\(String(repeating: "t", count: 129))", "x:.tag",
        "a/" + String(repeating: "b", count: 260),
    ])
    func rejects(_ input: String) {
        #expect(throws: ImageStoreError.self) { try ImageReference.parse(input) }
        do {
            _ = try ImageReference.parse(input)
        } catch {
            #expect(error.code == .invalidReference)
        }
    }

    @Test func descriptionAndHost() throws {
        let hub = try ImageReference.parse("nginx")
        #expect(hub.description == "docker.io/library/nginx:latest")
        #expect(hub.apiHost == "registry-1.docker.io")
        let local = try ImageReference.parse("127.0.0.1:5000/test/busybox:latest")
        #expect(local.description == "127.0.0.1:5000/test/busybox:latest")
        #expect(local.apiHost == "127.0.0.1:5000")
    }

    @Test func digestValidation() {
        #expect(Digest(validating: "sha256:" + Self.hex) != nil)
        #expect(Digest(validating: "sha256:" + Self.hex.uppercased()) == nil)
        #expect(Digest(validating: "sha256:../../etc/passwd") == nil)
        #expect(Digest(validating: "sha256:" + Self.hex + "0") == nil)
        #expect(Digest(validating: "md5:" + Self.hex) == nil)
        #expect(Digest.sha256(of: Array("".utf8)).description
            == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
