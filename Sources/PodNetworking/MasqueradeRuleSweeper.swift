import Logging
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// Removes the IP-masquerade rules a `bridge` or `ptp` plugin made for one container when
/// the plugin itself cannot: its DEL finds the addresses through the container interface
/// and skips the teardown once the namespace is gone (containernetworking/plugins 1.1).
///
/// The rules are found by the comment those plugins put on them, which names exactly one
/// network and one container: `-A POSTROUTING -s 10.1.0.5/32 -m comment --comment
/// "name: \"net\" id: \"c1\"" -j CNI-…`. The rule is deleted, then its `CNI-` chain flushed
/// and deleted. Nothing else is touched.
struct MasqueradeRuleSweeper: Sendable {
    let hostPath: String
    let logger: Logger

    /// Removes the rules for `network`/`containerID` from the IPv4 and IPv6 nat tables.
    /// Best effort: missing tools or failures are logged, not thrown (DEL already succeeded).
    func sweep(network: String, containerID: String) async {
        let comment = "name: \"\(network)\" id: \"\(containerID)\""
        for tool in ["iptables", "ip6tables"] {
            guard let binary = locate(tool), let save = locate(tool + "-save") else { continue }
            let dump: Subprocess.Output
            do {
                dump = try await Subprocess.run(save, arguments: [save, "-t", "nat"], environment: ["PATH=\(hostPath)"],
                                                timeout: .seconds(30))
            } catch {
                logger.warning("masquerade sweep: cannot list rules", metadata: ["tool": "\(tool)", "error": "\(error)"])
                continue
            }
            guard dump.succeeded else { continue }
            for rule in Self.postroutingRules(in: dump.stdoutText, comment: comment) {
                await run(binary, ["-w", "-t", "nat", "-D", "POSTROUTING"] + rule.arguments)
                if let chain = rule.chain {
                    await run(binary, ["-w", "-t", "nat", "-F", chain])
                    await run(binary, ["-w", "-t", "nat", "-X", chain])
                }
                logger.info("masquerade sweep removed rule",
                            metadata: ["cni.network": "\(network)", "cni.container_id": "\(containerID)",
                                       "iptables.chain": "\(rule.chain ?? "-")"])
            }
        }
    }

    /// A POSTROUTING rule of the container: its arguments after `-A POSTROUTING` and its
    /// `CNI-` target chain.
    struct Rule: Equatable {
        var arguments: [String]
        var chain: String?
    }

    /// The POSTROUTING rules in an `iptables-save` dump whose comment is exactly `comment`.
    static func postroutingRules(in dump: String, comment: String) -> [Rule] {
        var rules: [Rule] = []
        for line in dump.split(separator: "\n") where line.hasPrefix("-A POSTROUTING ") {
            let tokens = tokenize(String(line))
            guard tokens.count > 2 else { continue }
            let arguments = Array(tokens.dropFirst(2))
            guard let commentIndex = arguments.firstIndex(of: "--comment"), commentIndex + 1 < arguments.count,
                  arguments[commentIndex + 1] == comment else { continue }
            var chain: String?
            if let jump = arguments.firstIndex(of: "-j"), jump + 1 < arguments.count, arguments[jump + 1].hasPrefix("CNI-") {
                chain = arguments[jump + 1]
            }
            rules.append(Rule(arguments: arguments, chain: chain))
        }
        return rules
    }

    /// Splits an `iptables-save` line into arguments: space-separated, with double-quoted
    /// arguments in which `\"` and `\\` are escapes.
    static func tokenize(_ line: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        var hasToken = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if inQuotes && character == "\\" {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
                hasToken = true
            } else if character == " " && !inQuotes {
                if hasToken { tokens.append(current) }
                current = ""
                hasToken = false
            } else {
                current.append(character)
                hasToken = true
            }
        }
        if hasToken { tokens.append(current) }
        return tokens
    }

    private func locate(_ tool: String) -> String? {
        for directory in hostPath.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private func run(_ binary: String, _ arguments: [String]) async {
        do {
            let output = try await Subprocess.run(binary, arguments: [binary] + arguments,
                                                  environment: ["PATH=\(hostPath)"], timeout: .seconds(30))
            if !output.succeeded {
                logger.debug("masquerade sweep step failed",
                             metadata: ["command": "\(arguments.joined(separator: " "))", "stderr": "\(output.stderrText)"])
            }
        } catch {
            logger.debug("masquerade sweep step failed", metadata: ["error": "\(error)"])
        }
    }
}
