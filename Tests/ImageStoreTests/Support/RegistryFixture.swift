import Foundation
import Testing

/// The loopback registry fixture (scripts/fixtures): Basic and Bearer registries on one
/// storage, a token server, a redirecting front, and the test images. Started once for the
/// ``RegistryTests`` suite and stopped after it. A missing tool makes the scripts exit 2, which
/// fails the suite loudly.
final class RegistryFixture: Sendable {
    @TaskLocal static var current: RegistryFixture?

    let directory: String
    let basic: String
    let bearer: String
    let realm: String
    let redirect: String
    let blobHost: String
    let storage: String

    static var scriptsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/fixtures").path
    }

    struct ScriptFailure: Error, CustomStringConvertible {
        let description: String
    }

    static func start() throws -> RegistryFixture {
        let directory = try TemporaryDirectory.make(prefix: "imagestore-fixture")
        do {
            _ = try run(scriptsDirectory + "/registry-fixture.sh", ["start", directory])
            _ = try run(scriptsDirectory + "/build-images.sh", [directory])
        } catch {
            _ = try? run(scriptsDirectory + "/registry-fixture.sh", ["stop", directory])
            throw error
        }
        let env = try String(contentsOfFile: directory + "/env", encoding: .utf8)
        var values: [String: String] = [:]
        for line in env.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        func value(_ key: String) throws -> String {
            guard let value = values[key] else { throw ScriptFailure(description: "fixture env lacks \(key)") }
            return value
        }
        return RegistryFixture(directory: directory, basic: try value("BASIC"), bearer: try value("BEARER"),
                               realm: try value("REALM"), redirect: try value("REDIRECT"), blobHost: try value("BLOBHOST"),
                               storage: try value("STORAGE"))
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

    func stop() {
        _ = try? Self.run(Self.scriptsDirectory + "/registry-fixture.sh", ["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a script with bash, failing with its output when it exits non-zero. Uses
    /// posix_spawn + waitpid directly: Foundation's `Process` did not reap children reliably
    /// inside the test runner here.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let logPath = NSTemporaryDirectory() + "imagestore-script-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let status = try Subprocess.run(["/bin/bash", executable] + arguments, outputPath: logPath)
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ScriptFailure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
        return text
    }

    /// JSON lines of a fixture request log.
    func logLines(_ name: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// A Docker config.json for `registry` with `auth` = base64(user:password).
    static func dockerConfig(registryKey: String, username: String, password: String, extra: [String: String] = [:]) -> Data {
        var entry: [String: String] = ["auth": Data("\(username):\(password)".utf8).base64EncodedString()]
        for (key, value) in extra { entry[key] = value }
        let object: [String: Any] = ["auths": [registryKey: entry]]
        return (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }
}

/// Starts the fixture once around a suite and exposes it through ``RegistryFixture/current``.
struct RegistryFixtureTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void)
        async throws
    {
        let fixture = try RegistryFixture.start()
        defer { fixture.stop() }
        try await RegistryFixture.$current.withValue(fixture) {
            try await function()
        }
    }
}

extension Trait where Self == RegistryFixtureTrait {
    static var registryFixture: Self { Self() }
}

enum TemporaryDirectory {
    static func make(prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
