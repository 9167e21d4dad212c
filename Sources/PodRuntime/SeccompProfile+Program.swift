import PodSystem

extension SeccompProfile {
    /// The BPF program a container with bounding capabilities `bounding` gets: the profile
    /// `name` from `directory`, or the project's default profile when `name` is nil. Used by the executor when it starts a container
    /// and by `podctl agent exec`, so both compile the same program.
    public static func program(named name: String?, directory: String?, bounding: UInt64) throws
        -> (program: SeccompProgram, unknown: [String])
    {
        let profile: SeccompProfile
        if let name {
            guard let directory else {
                throw PodRuntimeError(.invalidSpec, "seccomp profile '\(name)' requested but no profile directory is configured")
            }
            profile = try load(named: name, directory: directory)
        } else {
            profile = try projectDefault()
        }
        let filter = try profile.filter(capabilities: Set(Capabilities.names(bounding)))
        do {
            return try filter.compile()
        } catch {
            throw PodRuntimeError(.system, "cannot compile seccomp profile '\(name ?? "default")'", underlying: error)
        }
    }
}
