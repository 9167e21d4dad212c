import Foundation
import PodSystem

/// A fixture that could not be set up (a missing tool, a registry that did not start).
public struct FixtureFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The loopback registry of scripts/fixtures with the test images pushed (Basic auth:
/// testuser/testpass): Basic and Bearer registries on one storage, a token server and a
/// redirecting front. Started once for the test process, for every suite that needs it
/// (the image store's, the executor's, podctl agent's, the scheduler's), and stopped by the
/// fixture itself when the process ends (`FIXTURE_OWNER_PID`).
public final class RegistryFixture: Sendable {
    /// The fixture's directory (its `env`, logs and storage).
    public let directory: String
    /// `127.0.0.1:port` of the registry with Basic auth (testuser/testpass).
    public let basic: String
    /// `127.0.0.1:port` of the registry on the same storage with Bearer token auth, as
    /// Docker Hub: anonymous pulls of `public/*` and `library/*`, credentials for the rest.
    public let bearer: String
    /// The token server's URL (the Bearer registry's realm).
    public let realm: String
    /// `127.0.0.1:port` of the front that answers blob requests with a redirect.
    public let redirect: String
    /// The host the redirect sends blob requests to.
    public let blobHost: String
    /// The registries' storage directory.
    public let storage: String

    private actor Holder {
        var value: Result<RegistryFixture, FixtureFailure>?
        func get() async -> Result<RegistryFixture, FixtureFailure> {
            if let value { return value }
            let made = await RegistryFixture.make()
            value = made
            return made
        }
    }
    private static let holder = Holder()

    /// The suite's registry, started on first use.
    public static func shared() async throws -> RegistryFixture {
        try await holder.get().get()
    }

    private static func make() async -> Result<RegistryFixture, FixtureFailure> {
        let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/fixtures").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exec-registry-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Output goes to a file: the registries the script leaves running in the
        // background would keep a pipe open forever.
        func run(_ script: String, _ args: [String]) async -> (Bool, String) {
            let log = dir + "/fixture.log"
            let command = "exec \"$0\" \"$@\" >>\"\(log)\" 2>&1"
            let output = try? await Subprocess.run("/bin/bash", arguments: ["bash", "-c", command, script] + args,
                                                   environment: ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
                                                       + ["FIXTURE_OWNER_PID=\(getpid())"],
                                                   timeout: .seconds(600))
            return (output?.succeeded ?? false, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        let start = await run(scripts + "/registry-fixture.sh", ["start", dir])
        guard start.0 else { return .failure(FixtureFailure("registry fixture failed: \(start.1)")) }
        let build = await run(scripts + "/build-images.sh", [dir])
        guard build.0 else { return .failure(FixtureFailure("building test images failed: \(build.1)")) }
        let env = (try? String(contentsOfFile: dir + "/env", encoding: .utf8)) ?? ""
        func value(_ name: String) -> String {
            env.split(separator: "\n").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) } ?? ""
        }
        let fixture = RegistryFixture(directory: dir, basic: value("BASIC"), bearer: value("BEARER"), realm: value("REALM"),
                                      redirect: value("REDIRECT"), blobHost: value("BLOBHOST"), storage: value("STORAGE"))
        guard ![fixture.basic, fixture.bearer, fixture.realm, fixture.redirect, fixture.blobHost, fixture.storage].contains("") else {
            return .failure(FixtureFailure("the registry fixture's env lacks a value: \(env)"))
        }
        return .success(fixture)
    }

    private init(directory: String, basic: String, bearer: String, realm: String, redirect: String, blobHost: String,
                 storage: String) {
        self.directory = directory
        self.basic = basic
        self.bearer = bearer
        self.realm = realm
        self.redirect = redirect
        self.blobHost = blobHost
        self.storage = storage
    }

    /// A Docker config.json with credentials (`auth` = base64(user:password)) for `registry`
    /// (the Basic one unless given), with `extra` fields in its entry.
    public func dockerConfig(user: String = "testuser", password: String = "testpass", registry: String? = nil,
                             extra: [String: String] = [:]) -> Data {
        var entry: [String: String] = ["auth": Data("\(user):\(password)".utf8).base64EncodedString()]
        for (key, value) in extra { entry[key] = value }
        let object: [String: Any] = ["auths": [registry ?? basic: entry]]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    /// The JSON lines of one of the fixture's request logs (`token-requests.jsonl`,
    /// `redirect-requests.jsonl`).
    public func logLines(_ name: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

extension RegistryFixture {
    /// Copies an image inside the registry to another repository and tag (skopeo), so a
    /// test can serve a name it needs (`company/private-image`, `library/nginx`).
    public func copy(_ source: String, to destination: String) async throws {
        let creds = "testuser:testpass"
        let output = try await Subprocess.run("/usr/bin/skopeo", arguments: [
            "skopeo", "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false",
            "--src-creds", creds, "--dest-creds", creds,
            "docker://\(basic)/\(source)", "docker://\(basic)/\(destination)",
        ], environment: ["PATH=/usr/bin:/bin", "HOME=\(directory)"], timeout: .seconds(120))
        guard output.succeeded else { throw FixtureFailure("skopeo copy \(source) → \(destination): \(output.stderrText)") }
    }
}
