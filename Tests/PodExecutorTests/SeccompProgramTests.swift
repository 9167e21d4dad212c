import Foundation
import ImageStore
@testable import PodRuntime
import PodSystem
import Testing

/// The compact seccomp program (range checks in front of libseccomp's program for the
/// remaining rules) against libseccomp's own program for the project's default profile.
struct SeccompProgramTests {
    static let x86_64: UInt32 = 0xC000_003E
    static let i386: UInt32 = 0x4000_0003
    static let allow: UInt32 = 0x7fff_0000
    static let eperm: UInt32 = 0x0005_0001

    static func programs() throws -> (compact: [UInt64], full: [UInt64]) {
        let filter = try SeccompProfile.projectDefault().filter(capabilities: ["CHOWN", "KILL", "SETUID", "SETGID"])
        return (try filter.compile().program.instructions, try filter.compile(compact: false).program.instructions)
    }

    @Test("the default profile compiles to a much shorter program that answers like libseccomp's")
    func compactEqualsFull() throws {
        let (compact, full) = try Self.programs()
        #expect(compact.count * 2 < full.count, "compact \(compact.count) instructions, libseccomp \(full.count)")
        #expect(SeccompBPF.equivalent(compact, full, arches: [Self.x86_64, Self.i386]))

        func run(_ arch: UInt32, _ nr: UInt32, _ args: [UInt64] = []) -> UInt32? {
            SeccompBPF.run(compact, arch: arch, nr: nr, args: args)
        }
        #expect(run(Self.x86_64, 0) == Self.allow)  // read
        #expect(run(Self.x86_64, 0x4000_0000) == Self.allow)  // x32 read
        #expect(run(Self.i386, 3) == Self.allow)  // i386 read
        #expect(run(Self.x86_64, 250) == Self.eperm)  // keyctl
        #expect(run(Self.x86_64, 246) == Self.eperm)  // kexec_load
        #expect(run(Self.x86_64, 56, [0x11]) == Self.allow)  // clone(SIGCHLD | …)
        #expect(run(Self.x86_64, 56, [0x1000_0000]) == Self.eperm)  // clone(CLONE_NEWUSER)
        #expect(run(Self.x86_64, 0x1_000) == Self.eperm)  // beyond every table
        #expect(run(0xC000_00B7, 0) != Self.allow)  // another architecture
    }

    @Test("the equivalence check catches a program that allows one syscall too many")
    func equivalenceCanFail() throws {
        let (compact, full) = try Self.programs()
        let wider = try #require(SeccompBPF.prefixed(allowed: [Self.x86_64: [250]], rest: compact))
        #expect(SeccompBPF.run(wider, arch: Self.x86_64, nr: 250, args: []) == Self.allow)
        #expect(!SeccompBPF.equivalent(wider, full, arches: [Self.x86_64, Self.i386]))
        // Allowing what is already allowed changes nothing.
        let same = try #require(SeccompBPF.prefixed(allowed: [Self.x86_64: [0, 1, 2]], rest: compact))
        #expect(SeccompBPF.equivalent(same, full, arches: [Self.x86_64, Self.i386]))
    }

    @Test("the embedded default profile is Sources/PodRuntime/Resources/seccomp-default.json, and its digest constant is its SHA-256")
    func embeddedProfile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/PodRuntime/Resources/seccomp-default.json")
        #expect(SeccompProfile.projectDefaultJSON == Array(try Data(contentsOf: file)))
        let digest = Digest.sha256(of: SeccompProfile.projectDefaultJSON).hex
        #expect(SeccompProfile.projectDefaultDigest == String(digest.prefix(16)))
        #expect(SeccompProgramCache.fileName(bounding: 0xff).contains("-\(String(digest.prefix(16)))-"))
    }
}
