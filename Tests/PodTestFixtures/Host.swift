import Foundation
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// The host as tests use it: commands, temporary directories, files.
public enum Host {
    /// The `PATH` test commands run with.
    public static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// Python 3, for loopback servers and for archives a test builds (`scripts/setup.sh`
    /// installs it).
    public static let python = "/usr/bin/python3"

    /// A fresh directory below /tmp, removed by the caller with `Directory.removeTree`.
    public static func temporaryDirectory(_ label: String) throws -> String {
        let path = "/tmp/pods-test-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Directory.create(path, mode: 0o755)
        return path
    }

    /// Runs a host command and returns its output; throws when it fails, unless told not to.
    @discardableResult
    public static func run(_ arguments: [String], input: String = "", allowFailure: Bool = false,
                           timeout: Duration = .seconds(60)) async throws -> Subprocess.Output {
        let binary = arguments[0].hasPrefix("/") ? arguments[0] : (locate(arguments[0]) ?? arguments[0])
        let output = try await Subprocess.run(binary, arguments: arguments, environment: ["PATH=\(path)", "LC_ALL=C"],
                                              input: Array(input.utf8), timeout: timeout)
        if !allowFailure && !output.succeeded {
            throw FixtureFailure("\(arguments.joined(separator: " ")) \(output.termination): \(output.stderrText)")
        }
        return output
    }

    /// A command's path on ``path``.
    public static func locate(_ name: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Writes a file (atomically).
    public static func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        try FileContents.writeAtomically(path, Array(text.utf8), mode: mode)
    }
}

/// The error `body` throws, or nil.
public func capturedError<E: Error>(_ body: () async throws(E) -> Void) async -> E? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// A process started for a test and killed at the end.
public final class BackgroundProcess: Sendable {
    public let process: ManagedProcess

    public init(_ arguments: [String], directory: String, log: String) throws {
        process = try Subprocess.spawnDetached(arguments[0], arguments: arguments,
                                               environment: ["PATH=\(Host.path)", "PYTHONUNBUFFERED=1"],
                                               workingDirectory: directory, standardOutput: log, standardError: log)
    }

    public func stop() async {
        _ = process.signal(SIGKILL)
        _ = await process.waitForExit()
    }
}
