/// Classic BPF as seccomp runs it: instruction encoding, the range-check prefix that
/// `SeccompFilter` puts in front of libseccomp's program, and an interpreter that checks
/// two programs give the same answers before the shorter one is used.
///
/// Why a prefix at all: the kernel converts and JITs a seccomp program at every
/// `seccomp()` call, ~3.5 µs per instruction on these machines. libseccomp writes one
/// comparison per allowed syscall and architecture (the Docker default profile: ~1,000
/// instructions, 1.7–3.5 ms at every container start and every COMMAND check), while the
/// syscalls a profile allows unconditionally form a few dozen ranges of numbers.
public enum SeccompBPF {
    /// `struct sock_filter` packed the way `SeccompProgram` stores it (little-endian:
    /// code, jt, jf, k).
    public static func instruction(_ code: UInt16, _ jt: UInt8 = 0, _ jf: UInt8 = 0, _ k: UInt32 = 0) -> UInt64 {
        UInt64(code) | UInt64(jt) << 16 | UInt64(jf) << 24 | UInt64(k) << 32
    }

    static func decode(_ word: UInt64) -> (code: UInt16, jt: UInt8, jf: UInt8, k: UInt32) {
        (UInt16(truncatingIfNeeded: word), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 24),
         UInt32(truncatingIfNeeded: word >> 32))
    }

    static let retAllow: UInt32 = 0x7fff_0000
    /// Offsets in `struct seccomp_data`.
    static let nrOffset: UInt32 = 0
    static let archOffset: UInt32 = 4
    static let maxInstructions = 4096

    /// A program that returns ALLOW for `allowed[arch]` syscall numbers (as seen in
    /// `seccomp_data`: x32 numbers carry their 0x40000000 bit under the x86_64 arch) and
    /// runs `rest` for everything else. `rest` must start by loading what it needs (every
    /// libseccomp program loads the arch first) and only jumps forward, as all cBPF does.
    public static func prefixed(allowed: [UInt32: [UInt32]], rest: [UInt64]) -> [UInt64]? {
        let arches = allowed.keys.sorted().filter { !(allowed[$0] ?? []).isEmpty }
        guard !arches.isEmpty else { return rest }
        let blocks = arches.map { Self.ranges(of: allowed[$0] ?? []) }
        // Layout: ld arch; per arch (jeq, ja block); ja rest; blocks; rest. A block: ld nr;
        // per range (jgt high → next range; jge low → allow, else → rest); ja rest; ret allow.
        let dispatch = 1 + 2 * arches.count + 1
        var blockStart: [Int] = []
        var next = dispatch
        for r in blocks {
            guard 2 * r.count + 1 <= Int(UInt8.max) else { return nil }  // conditional jumps reach 255
            blockStart.append(next)
            next += 1 + 2 * r.count + 2
        }
        let restStart = next
        guard restStart + rest.count <= maxInstructions else { return nil }

        var code: [UInt64] = [instruction(0x20, 0, 0, archOffset)]  // ld [arch]
        for (i, arch) in arches.enumerated() {
            code.append(instruction(0x15, 0, 1, arch))  // jeq arch, next, skip the ja
            code.append(instruction(0x05, 0, 0, UInt32(blockStart[i] - (code.count + 1))))  // ja block
        }
        code.append(instruction(0x05, 0, 0, UInt32(restStart - (code.count + 1))))  // ja rest
        for r in blocks {
            code.append(instruction(0x20, 0, 0, nrOffset))  // ld [nr]
            let fall = code.count + 2 * r.count  // the block's `ja rest`; `ret allow` follows it
            for (low, high) in r {
                code.append(instruction(0x25, 1, 0, high))  // jgt high → the next range (or fall)
                let here = code.count + 1
                code.append(instruction(0x35, UInt8(fall + 1 - here), UInt8(fall - here), low))  // jge low → allow : rest
            }
            code.append(instruction(0x05, 0, 0, UInt32(restStart - (code.count + 1))))  // ja rest
            code.append(instruction(0x06, 0, 0, retAllow))
        }
        return code + rest
    }

    /// Sorted, merged ranges of syscall numbers.
    static func ranges(of numbers: [UInt32]) -> [(UInt32, UInt32)] {
        var result: [(UInt32, UInt32)] = []
        for n in Set(numbers).sorted() {
            if let last = result.last, last.1 &+ 1 == n, last.1 != .max {
                result[result.count - 1].1 = n
            } else {
                result.append((n, n))
            }
        }
        return result
    }

    /// The action `program` returns for a syscall, or nil when the program does
    /// something the interpreter does not model (the caller then keeps the original).
    public static func run(_ program: [UInt64], arch: UInt32, nr: UInt32, args: [UInt64]) -> UInt32? {
        func word(_ offset: UInt32) -> UInt32? {
            switch offset {
            case 0: return nr
            case 4: return arch
            case 8, 12: return 0  // instruction pointer
            case 16..<64 where offset % 4 == 0:
                let arg = args.count > Int((offset - 16) / 8) ? args[Int((offset - 16) / 8)] : 0
                return offset % 8 == 0 ? UInt32(truncatingIfNeeded: arg) : UInt32(truncatingIfNeeded: arg >> 32)
            default: return nil
            }
        }
        var a: UInt32 = 0
        var x: UInt32 = 0
        var memory = [UInt32](repeating: 0, count: 16)
        var pc = 0
        while pc < program.count {
            let (code, jt, jf, k) = decode(program[pc])
            pc += 1
            switch code & 0x07 {
            case 0x00:  // LD
                switch code {
                case 0x20: guard let w = word(k) else { return nil }; a = w  // W ABS
                case 0x00: a = k  // IMM
                case 0x60: guard k < 16 else { return nil }; a = memory[Int(k)]  // MEM
                case 0x80: a = 64  // W LEN
                default: return nil
                }
            case 0x01:  // LDX
                switch code {
                case 0x01: x = k
                case 0x61: guard k < 16 else { return nil }; x = memory[Int(k)]
                case 0x81: x = 64
                default: return nil
                }
            case 0x02: guard k < 16 else { return nil }; memory[Int(k)] = a  // ST
            case 0x03: guard k < 16 else { return nil }; memory[Int(k)] = x  // STX
            case 0x04:  // ALU
                let operand = code & 0x08 != 0 ? x : k
                switch code & 0xf0 {
                case 0x00: a = a &+ operand
                case 0x10: a = a &- operand
                case 0x20: a = a &* operand
                case 0x30: guard operand != 0 else { return nil }; a /= operand
                case 0x40: a |= operand
                case 0x50: a &= operand
                case 0x60: a = operand < 32 ? a << operand : 0
                case 0x70: a = operand < 32 ? a >> operand : 0
                case 0x80: a = 0 &- a
                case 0x90: guard operand != 0 else { return nil }; a %= operand
                case 0xa0: a ^= operand
                default: return nil
                }
            case 0x05:  // JMP
                let operand = code & 0x08 != 0 ? x : k
                let taken: Bool
                switch code & 0xf0 {
                case 0x00:
                    pc += Int(k)
                    continue
                case 0x10: taken = a == operand
                case 0x20: taken = a > operand
                case 0x30: taken = a >= operand
                case 0x40: taken = a & operand != 0
                default: return nil
                }
                pc += Int(taken ? jt : jf)
            case 0x06:  // RET
                switch code & 0x18 {
                case 0x00: return k
                case 0x10: return a
                default: return nil
                }
            case 0x07:  // MISC
                switch code {
                case 0x07: x = a  // TAX
                case 0x87: a = x  // TXA
                default: return nil
                }
            default:
                return nil
            }
        }
        return nil  // fell off the end: the kernel rejects such programs
    }

    /// Whether two programs answer alike for every syscall number below 1024 (and the
    /// x32 range) of `arches` plus one foreign architecture, with all-zero and all-one
    /// arguments.
    public static func equivalent(_ a: [UInt64], _ b: [UInt64], arches: [UInt32]) -> Bool {
        let foreign: UInt32 = 0xC000_00B7  // AUDIT_ARCH_AARCH64 or any arch not in the list
        let numbers = Array(0..<UInt32(1024)) + (0..<UInt32(1024)).map { $0 | 0x4000_0000 } + [0xffff_ffff]
        let argSets: [[UInt64]] = [[0, 0, 0, 0, 0, 0], [UInt64](repeating: .max, count: 6)]
        for arch in Set(arches + [foreign]) {
            for nr in numbers {
                for args in argSets {
                    guard let x = run(a, arch: arch, nr: nr, args: args), let y = run(b, arch: arch, nr: nr, args: args), x == y else {
                        return false
                    }
                }
            }
        }
        return true
    }
}
