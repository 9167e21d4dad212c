import Foundation
import PodSystem

/// A fixture that could not be set up (a missing tool, a registry that did not start).
public struct FixtureFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The loopback registry of scripts/fixtures with the test images pushed (Basic auth:
/// testuser/testpass). Started once for the suite.
public final class RegistryFixture: Sendable {
    /// The fixture's directory (its `env`, logs and storage).
    public let directory: String
    /// `127.0.0.1:port` of the registry with Basic auth (testuser/testpass).
    public let basic: String
    /// `127.0.0.1:port` of the registry on the same storage with Bearer token auth, as
    /// Docker Hub: anonymous pulls of `public/*` and `library/*`, credentials for the rest.
    public let bearer: String

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
        return .success(RegistryFixture(directory: dir, basic: value("BASIC"), bearer: value("BEARER")))
    }

    private init(directory: String, basic: String, bearer: String) {
        self.directory = directory
        self.basic = basic
        self.bearer = bearer
    }

    /// A Docker config.json with credentials for the registry.
    public func dockerConfig(user: String = "testuser", password: String = "testpass", registry: String? = nil) -> Data {
        let auth = Data("\(user):\(password)".utf8).base64EncodedString()
        return Data("{\"auths\":{\"\(registry ?? basic)\":{\"auth\":\"\(auth)\"}}}".utf8)
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
