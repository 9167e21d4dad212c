#if canImport(Glibc)
import Glibc
#endif

/// The environment of this process, read straight from `environ`.
///
/// Foundation's `ProcessInfo.processInfo.environment` builds the same dictionary through
/// generic code whose first use the Swift runtime resolves at run time (type metadata and
/// conformance lookups): a cost every executor paid at start-up for a dozen variables.
public enum ProcessEnvironment {
    /// Every `NAME=value` entry; for a name given twice the first wins, as with `getenv`.
    /// Entries without `=` are skipped.
    public static func current() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                            count: strlen(pointer))
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0 {
                let name = String(decoding: bytes[..<equals], as: UTF8.self)
                if variables[name] == nil {
                    variables[name] = String(decoding: bytes[(equals + 1)...], as: UTF8.self)
                }
            }
            entry += 1
        }
        return variables
    }
}
