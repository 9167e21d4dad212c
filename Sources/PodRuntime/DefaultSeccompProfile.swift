/// The default seccomp profile (Docker's, in its JSON format): `Resources/seccomp-default.json`,
/// embedded in the binary by the package (`.embedInCode`), so static binaries need no data
/// file and the profile exists once in the repository.
enum DefaultSeccompProfile {
    /// The first 16 hex digits of the SHA-256 of the file (SeccompProgramTests checks it),
    /// which names its compiled programs in the cache: hashing 13 KB at every executor start
    /// cost ~1 % of an executor's CPU.
    static let digest = "31f0e21832ce0539"

    /// The file's bytes. Only read when no compiled program is cached (and by
    /// `pod-executor --print-default-seccomp-profile`).
    static var json: [UInt8] { PackageResources.seccomp_default_json }
}
