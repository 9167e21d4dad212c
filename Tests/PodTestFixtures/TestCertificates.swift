import Foundation

/// Certificates made with `openssl` in a temporary directory for TLS tests: a CA, server
/// certificates it signs, and a second CA nobody trusts.
///
/// ```swift
/// let certs = try TestCertificates()
/// let server = try certs.issue("server", serial: 0x1001)   // 127.0.0.1 and localhost
/// ```
public final class TestCertificates: Sendable {
    /// A certificate and its key, PEM files.
    public struct Pair: Sendable {
        public var certificate: String
        public var key: String
    }

    /// A certificate authority (self-signed).
    public struct Authority: Sendable {
        public var name: String
        public var pair: Pair
        public var certificate: String { pair.certificate }
    }

    public let directory: String
    /// The CA the tests trust.
    public let ca: Authority
    /// A CA nobody is told about.
    public let untrustedCA: Authority

    /// Whether `openssl` can be run (tests that need it skip with this reason otherwise).
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        ca = try Self.authority("test-ca", in: directory)
        untrustedCA = try Self.authority("untrusted-ca", in: directory)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A server certificate signed by `authority` (default: ``ca``) with this serial and
    /// subject alternative names (default: `IP:127.0.0.1, DNS:localhost`).
    public func issue(_ name: String, serial: UInt64, names: [String] = ["IP:127.0.0.1", "DNS:localhost"],
                      by authority: Authority? = nil) throws -> Pair {
        let signer = authority ?? ca
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
        let csr = "\(directory)/\(name).csr"
        let extensions = "\(directory)/\(name).ext"
        try """
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth
            subjectAltName=\(names.joined(separator: ","))

            """.write(toFile: extensions, atomically: true, encoding: .utf8)
        try Self.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", pair.key, "-out", csr, "-subj", "/CN=\(name)"])
        try Self.openssl(["x509", "-req", "-in", csr, "-CA", signer.certificate, "-CAkey", signer.pair.key,
                          "-set_serial", String(format: "0x%llX", serial), "-days", "2", "-extfile", extensions,
                          "-out", pair.certificate])
        return pair
    }

    /// The serial number of the certificate a TLS server on 127.0.0.1:`port` presents
    /// (as `openssl x509 -serial` prints it, hex without the `serial=`), read by a client
    /// that trusts ``ca``.
    public func servedSerial(port: Int) throws -> String {
        let chain = try Self.openssl(["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost",
                                      "-CAfile", ca.certificate, "-verify_return_error"], input: "")
        let certificate = "\(directory)/served-\(UUID().uuidString.prefix(8)).pem"
        try chain.write(toFile: certificate, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: certificate) }
        let serial = try Self.openssl(["x509", "-in", certificate, "-noout", "-serial"])
        return serial.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
    }

    private static func authority(_ name: String, in directory: String) throws -> Authority {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", pair.key, "-out", pair.certificate, "-days", "2", "-subj", "/CN=\(name)",
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        return Authority(name: name, pair: pair)
    }

    /// Runs openssl; its standard output, or an error with its standard error.
    @discardableResult
    static func openssl(_ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureFailure("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
