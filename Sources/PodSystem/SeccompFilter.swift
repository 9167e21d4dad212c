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

    /// The libseccomp in use (`2.5.4`): compiled programs depend on it.
    public static var libraryVersion: String {
        guard let version = seccomp_version() else { return "unknown" }
        return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)"
    }

    public init(defaultAction: Action, extraArchitectures: [String] = [], rules: [Rule]) {
        self.defaultAction = defaultAction
        self.extraArchitectures = extraArchitectures
        self.rules = rules
    }

    /// Compiles the filter. Syscall names the running libseccomp does not know are
    /// skipped (profiles list syscalls of newer kernels), and reported in `unknown`.
    public func compile() throws(SystemError) -> (program: SeccompProgram, unknown: [String]) {
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
        guard instructions.count <= Int(UInt16.max) else {
            throw SystemError("seccomp", "", errno: E2BIG, detail: "filter has \(instructions.count) instructions")
        }
        return (SeccompProgram(instructions: instructions), unknown)
    }
}
