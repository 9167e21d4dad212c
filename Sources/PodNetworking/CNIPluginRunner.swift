import Foundation
import PodSystem
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// A CNI operation.
enum CNICommand: String, Sendable {
    case add = "ADD"
    case del = "DEL"
    case check = "CHECK"
}

/// Finds CNI plugin binaries in the search path and runs them with the CNI environment
/// (`CNI_COMMAND`, `CNI_CONTAINERID`, `CNI_NETNS`, `CNI_IFNAME`, `CNI_ARGS`, `CNI_PATH`),
/// the configuration on standard input and the result or error on standard output.
struct CNIPluginRunner: Sendable {
    /// Directories searched in order (Mesos' `--network_cni_plugins_dir`, colon-separated there).
    let searchPath: [String]
    /// `PATH` given to plugins: `bridge` and `portmap` run `iptables`.
    let hostPath: String
    /// A plugin still running after this is killed.
    let timeout: Duration

    /// The plugin binary for `type`: the first executable regular file of that name.
    func locate(_ type: String, network: String) throws(PodNetworkingError) -> String {
        for directory in searchPath where !directory.isEmpty {
            let candidate = directory + "/" + type
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw PodNetworkingError(.pluginNotFound,
                                 "CNI plugin '\(type)' of network '\(network)' was not found in \(searchPath.joined(separator: ":"))")
    }

    /// What a plugin is asked to do.
    struct Invocation: Sendable {
        var command: CNICommand
        var network: String
        var pluginType: String
        var containerID: String
        /// Empty for a DEL whose namespace is gone (allowed by the specification).
        var netnsPath: String
        var interfaceName: String
        var cniArgs: [(key: String, value: String)]
        var input: JSONValue
    }

    /// Runs one plugin. Returns its parsed standard output (nil when empty, as DEL and CHECK
    /// print nothing). A non-zero exit becomes `pluginFailed` with the plugin's error object.
    func run(_ invocation: Invocation) async throws(PodNetworkingError) -> JSONValue? {
        let binary = try locate(invocation.pluginType, network: invocation.network)
        let environment = [
            "CNI_COMMAND=\(invocation.command.rawValue)",
            "CNI_CONTAINERID=\(invocation.containerID)",
            "CNI_NETNS=\(invocation.netnsPath)",
            "CNI_IFNAME=\(invocation.interfaceName)",
            "CNI_ARGS=\(invocation.cniArgs.map { "\($0.key)=\($0.value)" }.joined(separator: ";"))",
            "CNI_PATH=\(searchPath.joined(separator: ":"))",
            "PATH=\(hostPath)",
        ]
        let what = "CNI plugin '\(invocation.pluginType)' (\(invocation.command.rawValue)) for container "
            + "\(invocation.containerID), interface \(invocation.interfaceName), network '\(invocation.network)'"
        let output: Subprocess.Output
        do {
            output = try await Subprocess.run(binary, arguments: [binary], environment: environment,
                                              input: invocation.input.jsonBytes(.sortedKeys), outputLimit: 1 << 20,
                                              timeout: timeout)
        } catch {
            throw PodNetworkingError(.pluginFailed, "\(what) could not be run: \(error)", cause: error)
        }
        let stdout = output.standardOutput
        let parsed: JSONValue? = stdout.allSatisfy(Self.isSpace) ? nil : try? JSONValue.parse(stdout)
        guard output.succeeded else {
            if output.termination == .signaled(SIGKILL) {
                throw PodNetworkingError(.pluginFailed, "\(what) did not finish within \(timeout) and was killed")
            }
            if let parsed, let pluginError = CNIPluginError(json: parsed) {
                throw PodNetworkingError(.pluginFailed, "\(what) failed: \(pluginError)", pluginError: pluginError)
            }
            throw PodNetworkingError(.pluginFailed,
                                     "\(what) \(output.termination): " + Self.excerpt(output.stdoutText, output.stderrText))
        }
        if parsed == nil, !stdout.allSatisfy(Self.isSpace) {
            throw PodNetworkingError(.invalidPluginOutput,
                                     "\(what) printed output that is not JSON: " + Self.excerpt(output.stdoutText, ""))
        }
        return parsed
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 }

    /// A bounded excerpt of a plugin's output for an error message.
    static func excerpt(_ stdout: String, _ stderr: String) -> String {
        func clip(_ text: String) -> String {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.count > 2000 ? String(trimmed.prefix(2000)) + "…" : trimmed
        }
        var parts: [String] = []
        if !clip(stdout).isEmpty { parts.append("stdout: \(clip(stdout))") }
        if !clip(stderr).isEmpty { parts.append("stderr: \(clip(stderr))") }
        return parts.isEmpty ? "no output" : parts.joined(separator: "; ")
    }
}
