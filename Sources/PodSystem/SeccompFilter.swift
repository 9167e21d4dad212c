import CPodShim
import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// Builds a seccomp BPF program with libseccomp, in the parent, so that the container
/// monitor only has to load finished bytes between fork and exec.
public struct SeccompFilter: Sendable {
    /// What a rule does when it matches.
    public enum Action: Sendable, Equatable {
        case allow
        case errno(Int32)
        case killProcess
        case killThread
        case trap
        case log

        var raw: UInt32 {
            switch self {
            case .allow: return 0x7fff_0000
            case .errno(let e): return 0x0005_0000 | (UInt32(truncatingIfNeeded: e) & 0xffff)
            case .killProcess: return 0x8000_0000
            case .killThread: return 0
            case .trap: return 0x0003_0000
            case .log: return 0x7ffc_0000
            }
        }
    }

    /// A comparison of one syscall argument.
    public struct Condition: Sendable, Equatable {
        public enum Operator: Int32, Sendable {
            case notEqual = 1, lessThan, lessOrEqual, equal, greaterOrEqual, greaterThan, maskedEqual
        }
        public var index: UInt32
        public var op: Operator
        public var value: UInt64
        public var valueTwo: UInt64
        public init(index: UInt32, op: Operator, value: UInt64, valueTwo: UInt64 = 0) {
            self.index = index
            self.op = op
            self.value = value
            self.valueTwo = valueTwo
        }
    }

    /// A rule: syscall names with an action and optional conditions (all must hold).
    public struct Rule: Sendable, Equatable {
        public var names: [String]
        public var action: Action
        public var conditions: [Condition]
        public init(names: [String], action: Action, conditions: [Condition] = []) {
            self.names = names
            self.action = action
            self.conditions = conditions
        }
    }

    public var defaultAction: Action
    /// Extra architectures besides the native one (`x86`, `x32` on amd64).
    public var extraArchitectures: [String]
    public var rules: [Rule]

    /// What compiled programs depend on besides their profile: the libseccomp in use and
    /// how `compile` arranges its output (`libseccomp 2.5.4, ranges 2`; bump the second
    /// number when that changes).
    public static var programVersion: String {
        guard let version = seccomp_version() else { return "libseccomp unknown, ranges 2" }
        return "libseccomp \(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro), ranges 2"
    }

    public init(defaultAction: Action, extraArchitectures: [String] = [], rules: [Rule]) {
        self.defaultAction = defaultAction
        self.extraArchitectures = extraArchitectures
        self.rules = rules
    }

    /// Compiles the filter. Syscall names the running libseccomp does not know are
    /// skipped (profiles list syscalls of newer kernels), and reported in `unknown`.
    ///
    /// The program is libseccomp's, made shorter when it can be: the syscalls the profile
    /// allows unconditionally (and names in no other rule) become range checks in front of
    /// libseccomp's program for the remaining rules (`SeccompBPF.prefixed`). The shorter
    /// program is only used when an interpreter finds it answers like libseccomp's full
    /// program for every syscall number of every architecture; otherwise the full one is.
    /// `compact: false` returns libseccomp's program as it is.
    public func compile(compact: Bool = true) throws(SystemError) -> (program: SeccompProgram, unknown: [String]) {
        let full = try libseccompProgram(rules: rules)
        guard compact, defaultAction != .allow else { return (SeccompProgram(instructions: full.program), full.unknown) }

        let arches = [seccomp_arch_native()] + extraArchitectures.map { seccomp_arch_resolve_name($0) }.filter { $0 != 0 }
        var occurrences: [String: Int] = [:]
        for rule in rules where rule.action != defaultAction {
            for name in rule.names { occurrences[name, default: 0] += 1 }
        }
        // Per name, (arch as seen in seccomp_data) << 32 | syscall number, for every arch
        // it exists on; resolved once.
        let resolved: [String: [UInt64]] = Dictionary(uniqueKeysWithValues: occurrences.keys.map { name in
            (name, arches.compactMap { arch in
                let nr = seccomp_syscall_resolve_name_arch(arch, name)
                return nr >= 0 ? UInt64(Self.dataArch(arch)) << 32 | UInt64(UInt32(nr)) : nil
            })
        })
        func numbers(_ name: String) -> [UInt64] { resolved[name] ?? [] }
        // Candidates: allowed unconditionally, in no other rule, not multiplexed.
        var candidates: Set<String> = []
        for rule in rules where rule.action == .allow && rule.conditions.isEmpty {
            for name in rule.names where occurrences[name] == 1 && !Self.multiplexed.contains(name) && !numbers(name).isEmpty {
                candidates.insert(name)
            }
        }
        // A number that a name left with libseccomp also resolves to (an alias) stays with
        // libseccomp entirely, so that its rules still combine there.
        let kept = Set(occurrences.keys.filter { !candidates.contains($0) }.flatMap(numbers))
        let ranged = candidates.filter { Set(numbers($0)).isDisjoint(with: kept) }
        guard !ranged.isEmpty else { return (SeccompProgram(instructions: full.program), full.unknown) }
        var allowed: [UInt32: [UInt32]] = [:]
        for key in ranged.flatMap(numbers) {
            allowed[UInt32(key >> 32), default: []].append(UInt32(truncatingIfNeeded: key))
        }
        let remaining = rules.map { Rule(names: $0.names.filter { !ranged.contains($0) }, action: $0.action, conditions: $0.conditions) }
            .filter { !$0.names.isEmpty }
        guard let rest = try? libseccompProgram(rules: remaining).program,
              let compact = SeccompBPF.prefixed(allowed: allowed, rest: rest),
              compact.count < full.program.count,
              SeccompBPF.equivalent(compact, full.program, arches: arches.map(Self.dataArch))
        else {
            return (SeccompProgram(instructions: full.program), full.unknown)
        }
        return (SeccompProgram(instructions: compact), full.unknown)
    }

    /// Syscalls that libseccomp also matches through a multiplexer on some architectures
    /// (`socketcall`, `ipc` on x86): they stay with libseccomp.
    static let multiplexed: Set<String> = [
        "socketcall", "socket", "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername",
        "socketpair", "send", "recv", "sendto", "recvfrom", "shutdown", "setsockopt", "getsockopt", "sendmsg",
        "recvmsg", "recvmmsg", "sendmmsg", "recvmmsg_time64",
        "ipc", "semop", "semget", "semctl", "semtimedop", "semtimedop_time64", "msgsnd", "msgrcv", "msgget", "msgctl",
        "shmat", "shmdt", "shmget", "shmctl",
    ]

    /// The arch a syscall of `token` shows in `seccomp_data` (x32 runs under x86_64).
    static func dataArch(_ token: UInt32) -> UInt32 {
        token == 0x4000_003E ? 0xC000_003E : token  // SCMP_ARCH_X32 → AUDIT_ARCH_X86_64
    }

    private func libseccompProgram(rules: [Rule]) throws(SystemError) -> (program: [UInt64], unknown: [String]) {
        guard let ctx = seccomp_init(defaultAction.raw) else {
            throw SystemError("seccomp_init", "", errno: ENOMEM)
        }
        defer { seccomp_release(ctx) }
        // The monitor sets no_new_privs itself; libseccomp must not, and must not try to
        // sync threads (it never loads this filter).
        _ = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)
        for arch in extraArchitectures {
            let token = seccomp_arch_resolve_name(arch)
            if token != 0 {
                let rc = seccomp_arch_add(ctx, token)
                if rc != 0 && rc != -EEXIST {
                    throw SystemError("seccomp_arch_add", arch, errno: -rc)
                }
            }
        }
        var unknown: [String] = []
        for rule in rules {
            // A rule with the default action is a no-op and libseccomp rejects it.
            if rule.action == defaultAction { continue }
            for name in rule.names {
                let nr = seccomp_syscall_resolve_name(name)
                guard nr != __NR_SCMP_ERROR else {
                    unknown.append(name)
                    continue
                }
                var args = rule.conditions.map { c in
                    scmp_arg_cmp(arg: c.index, op: scmp_compare(UInt32(c.op.rawValue)), datum_a: c.value, datum_b: c.valueTwo)
                }
                let rc = args.withUnsafeMutableBufferPointer { buf in
                    seccomp_rule_add_array(ctx, rule.action.raw, nr, UInt32(buf.count), buf.baseAddress)
                }
                // -EEXIST: a duplicate rule; -EACCES/-EINVAL for a pseudo-syscall on this
                // arch. Neither should fail a profile that Docker accepts.
                if rc != 0 && rc != -EEXIST && rc != -EACCES && rc != -EINVAL && rc != -EDOM {
                    throw SystemError("seccomp_rule_add", name, errno: -rc)
                }
            }
        }
        let memfd = cpod_memfd("seccomp-bpf")
        guard memfd >= 0 else { throw SystemError.last("memfd_create", "seccomp-bpf") }
        defer { close(memfd) }
        let rc = seccomp_export_bpf(ctx, memfd)
        guard rc == 0 else { throw SystemError("seccomp_export_bpf", "", errno: -rc) }
        let size = lseek(memfd, 0, SEEK_END)
        guard size >= 0, size % 8 == 0 else { throw SystemError("seccomp_export_bpf", "", errno: EINVAL, detail: "odd program size") }
        lseek(memfd, 0, SEEK_SET)
        var instructions = [UInt64](repeating: 0, count: Int(size) / 8)
        let n = instructions.withUnsafeMutableBytes { pread(memfd, $0.baseAddress, $0.count, 0) }
        guard n == size else { throw SystemError.last("read", "seccomp-bpf") }
        guard instructions.count <= SeccompBPF.maxInstructions else {
            throw SystemError("seccomp", "", errno: E2BIG, detail: "filter has \(instructions.count) instructions")
        }
        return (instructions, unknown)
    }
}
