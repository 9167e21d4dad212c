import Primitives

/// The `uuid` of a status update: the 16 raw bytes of an RFC 4122 UUID (not its text).
public enum MesosUUID {
    /// A fresh random (version 4) UUID as 16 bytes.
    public static func random() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return bytes
    }

    /// Whether bytes form a UUID the agent accepts: 16 bytes with a version of 1 to 5.
    public static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        guard bytes.count == 16 else { return false }
        let version = Array(bytes)[6] >> 4
        return (1...5).contains(version)
    }

    /// Canonical text form (`8-4-4-4-12` lower-case hex) for logs and ids.
    public static func string(_ bytes: some Collection<UInt8>) -> String {
        let hex = Hex.encode(bytes)
        guard hex.count == 32 else { return hex }
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}
