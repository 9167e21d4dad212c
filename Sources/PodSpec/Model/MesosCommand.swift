/// A command for Mesos: a shell line or an argument vector.
public enum MesosCommand: Sendable, Hashable, Codable {
    /// Run with `/bin/sh -c`.
    case shell(String)
    /// Run directly; `argv[0]` is the program (or arguments appended to the image
    /// entrypoint unless `overrideEntrypoint`).
    case argv([String])
}
