import PodSystem

/// Compiled seccomp programs of the project's default profile, kept on disk under the
/// runtime directory (root only) and shared by every executor on the agent: parsing the
/// profile and compiling it with libseccomp is the largest CPU cost of starting a
/// one-container pod. The file name holds everything the program depends on (the profile
/// text, the capability bounding set, the libseccomp version and program layout), so a cached program is
/// never used for another input. A missing, unreadable or malformed file is compiled again.
struct SeccompProgramCache {
    let directory: String

    /// The cached program for the default profile with `bounding`, or the compiled one
    /// (stored for the next executor).
    func defaultProgram(bounding: UInt64) throws -> (program: SeccompProgram, unknown: [String]) {
        let path = directory + "/" + Self.fileName(bounding: bounding)
        if let bytes = try? FileContents.bytes(path, limit: 1 << 20), let program = Self.decode(bytes) {
            return (program, [])
        }
        let compiled = try SeccompProfile.program(named: nil, directory: nil, bounding: bounding)
        if (try? Directory.create(directory, mode: 0o700)) != nil {
            try? FileContents.writeAtomically(path, Self.encode(compiled.program), mode: 0o600)
        }
        return compiled
    }

    static func fileName(bounding: UInt64) -> String {
        // The libseccomp version and program layout, made file-name-safe.
        let version = PodConfiguration.safeName(SeccompFilter.programVersion)
        return "default-\(String(bounding, radix: 16))-\(SeccompProfile.projectDefaultDigest)-\(version).bpf"
    }

    /// Instructions as little-endian 64-bit words.
    static func encode(_ program: SeccompProgram) -> [UInt8] {
        program.instructions.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
    }

    static func decode(_ bytes: [UInt8]) -> SeccompProgram? {
        // A BPF program has 1 to 4096 instructions of 8 bytes.
        guard !bytes.isEmpty, bytes.count % 8 == 0, bytes.count / 8 <= 4096 else { return nil }
        let words = stride(from: 0, to: bytes.count, by: 8).map { start in
            (0..<8).reduce(UInt64(0)) { word, i in word | UInt64(bytes[start + i]) << (8 * UInt64(i)) }
        }
        return SeccompProgram(instructions: words)
    }
}
