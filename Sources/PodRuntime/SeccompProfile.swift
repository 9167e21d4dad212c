import Foundation
import PodSystem

/// A seccomp profile in Docker's JSON format (the format of moby's
/// `profiles/seccomp/default.json`, which is ours too: `Resources/seccomp-default.json`),
/// compiled for one container's capability set.
public struct SeccompProfile: Sendable, Decodable {
    struct ArchMap: Sendable, Decodable {
        var architecture: String
        var subArchitectures: [String]?
    }

    struct Filter: Sendable, Decodable {
        var caps: [String]?
        var arches: [String]?
        var minKernel: String?
    }

    struct Argument: Sendable, Decodable {
        var index: UInt32
        var value: UInt64
        var valueTwo: UInt64?
        var op: String
    }

    struct Syscall: Sendable, Decodable {
        var names: [String]?
        var name: String?
        var action: String
        var errnoRet: Int32?
        var args: [Argument]?
        var includes: Filter?
        var excludes: Filter?
        var comment: String?
    }

    var defaultAction: String
    var defaultErrnoRet: Int32?
    var architectures: [String]?
    var archMap: [ArchMap]?
    var syscalls: [Syscall]?

    /// The JSON of the profile shipped with the project, as the file holds it.
    public static var projectDefaultJSON: [UInt8] { DefaultSeccompProfile.json }

    /// The first 16 hex digits of the SHA-256 of `projectDefaultJSON`, kept as a constant.
    public static var projectDefaultDigest: String { DefaultSeccompProfile.digest }

    /// The profile shipped with the project (Docker's default policy).
    public static func projectDefault() throws -> SeccompProfile {
        try parse(DefaultSeccompProfile.json, name: "default")
    }

    /// Parses a profile; errors name the profile.
    public static func parse(_ bytes: [UInt8], name: String) throws -> SeccompProfile {
        do {
            return try JSONDecoder().decode(SeccompProfile.self, from: Data(bytes))
        } catch {
            throw PodRuntimeError(.invalidSpec, "seccomp profile '\(name)' is not a valid Docker seccomp profile", underlying: PodRuntimeError.Cause(error))
        }
    }

    /// Loads `<directory>/<name>` (a plain file name, `.json` optional).
    public static func load(named name: String, directory: String) throws -> SeccompProfile {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw PodRuntimeError(.invalidSpec, "seccomp profile name '\(name)' is not a plain file name")
        }
        let candidates = name.hasSuffix(".json") ? [name] : [name, name + ".json"]
        for candidate in candidates {
            let path = directory + "/" + candidate
            if let bytes = try? FileContents.bytes(path, limit: 4 << 20) {
                return try parse(bytes, name: candidate)
            }
        }
        throw PodRuntimeError(.invalidSpec, "seccomp profile '\(name)' not found in \(directory)")
    }

    /// Builds the filter for a container holding `capabilities` (names without `CAP_`).
    public func filter(capabilities: Set<String>, architecture: String = "SCMP_ARCH_X86_64") throws -> SeccompFilter {
        let errnoDefault = defaultErrnoRet ?? 1
        let defaultAct = try Self.action(defaultAction, errno: errnoDefault)
        var extra: [String] = []
        if let archMap, let entry = archMap.first(where: { $0.architecture == architecture }) {
            extra = (entry.subArchitectures ?? []).map(Self.archName)
        } else if let architectures {
            extra = architectures.filter { $0 != architecture }.map(Self.archName)
        }
        var rules: [SeccompFilter.Rule] = []
        let caps = Set(capabilities.map { "CAP_" + $0.uppercased() })
        for entry in syscalls ?? [] {
            if let inc = entry.includes {
                if let need = inc.caps, !need.allSatisfy({ caps.contains($0.uppercased()) }) { continue }
                if let arches = inc.arches, !arches.contains(where: { Self.matches(arch: $0, architecture) }) { continue }
                if let minKernel = inc.minKernel, !Self.kernelAtLeast(minKernel) { continue }
            }
            if let exc = entry.excludes {
                if let caps2 = exc.caps, caps2.contains(where: { caps.contains($0.uppercased()) }) { continue }
                if let arches = exc.arches, arches.contains(where: { Self.matches(arch: $0, architecture) }) { continue }
                if let minKernel = exc.minKernel, Self.kernelAtLeast(minKernel) { continue }
            }
            let names = (entry.names ?? []) + (entry.name.map { [$0] } ?? [])
            guard !names.isEmpty else { continue }
            let action = try Self.action(entry.action, errno: entry.errnoRet ?? errnoDefault)
            var conditions: [SeccompFilter.Condition] = []
            for arg in entry.args ?? [] {
                guard let op = Self.comparisons[arg.op] else {
                    throw PodRuntimeError(.invalidSpec, "seccomp profile: unknown comparison '\(arg.op)' for \(names.joined(separator: ","))")
                }
                conditions.append(.init(index: arg.index, op: op, value: arg.value, valueTwo: arg.valueTwo ?? 0))
            }
            rules.append(.init(names: names, action: action, conditions: conditions))
        }
        return SeccompFilter(defaultAction: defaultAct, extraArchitectures: extra, rules: rules)
    }

    private static let comparisons: [String: SeccompFilter.Condition.Operator] = [
        "SCMP_CMP_NE": .notEqual, "SCMP_CMP_LT": .lessThan, "SCMP_CMP_LE": .lessOrEqual, "SCMP_CMP_EQ": .equal,
        "SCMP_CMP_GE": .greaterOrEqual, "SCMP_CMP_GT": .greaterThan, "SCMP_CMP_MASKED_EQ": .maskedEqual,
    ]

    static func action(_ name: String, errno: Int32) throws -> SeccompFilter.Action {
        switch name {
        case "SCMP_ACT_ALLOW": return .allow
        case "SCMP_ACT_ERRNO": return .errno(errno)
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return .killThread
        case "SCMP_ACT_KILL_PROCESS": return .killProcess
        case "SCMP_ACT_TRAP": return .trap
        case "SCMP_ACT_LOG": return .log
        default:
            throw PodRuntimeError(.invalidSpec, "seccomp profile: unsupported action '\(name)'")
        }
    }

    private static func archName(_ scmp: String) -> String {
        // SCMP_ARCH_X86 → x86, SCMP_ARCH_X32 → x32, as seccomp_arch_resolve_name expects.
        scmp.hasPrefix("SCMP_ARCH_") ? String(scmp.dropFirst("SCMP_ARCH_".count)).lowercased() : scmp.lowercased()
    }

    private static func matches(arch: String, _ architecture: String) -> Bool {
        let a = arch.lowercased()
        return a == "amd64" && architecture == "SCMP_ARCH_X86_64" || a == architecture.lowercased()
    }

    private static func kernelAtLeast(_ version: String) -> Bool {
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        func parts(_ s: String) -> [Int] {
            s.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        }
        let have = parts(release)
        let need = parts(version)
        for i in 0..<max(have.count, need.count) {
            let h = i < have.count ? have[i] : 0
            let n = i < need.count ? need[i] : 0
            if h != n { return h > n }
        }
        return true
    }
}

