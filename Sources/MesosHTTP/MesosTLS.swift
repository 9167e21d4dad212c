import NIOCore
import NIOSSL

/// TLS towards `https://` masters: the server certificate and its name are always
/// verified, against a CA file when one is given, else against the system trust store.
public enum MesosTLS {
    /// A client configuration that trusts the certificates in `caFile` (PEM, one or
    /// more), or the system's roots when it is nil.
    ///
    /// - Throws: ``MesosHTTPError`` (`.transport`) naming the file when it cannot be read
    ///   or holds no PEM certificate.
    public static func clientConfiguration(caFile: String?) throws(MesosHTTPError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let caFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw MesosHTTPError(.transport, "cannot read the CA certificates in \(caFile): \(describe(error))")
            }
            guard !certificates.isEmpty else {
                throw MesosHTTPError(.transport, "\(caFile) holds no PEM certificate")
            }
            configuration.trustRoots = .certificates(certificates)
        }
        return configuration
    }

    /// A short explanation of a TLS failure, or nil when `error` is not one.
    public static func failure(_ error: any Error, host: String) -> String? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "TLS: the server's certificate does not name \(host)"
        }
        guard let ssl = error as? NIOSSLError else { return nil }
        let text = String(describing: ssl)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS: the server's certificate is not signed by a trusted CA (the CA file given, else the system trust store), or has expired"
        }
        return "TLS: \(text)"
    }

    static func describe(_ error: any Error) -> String {
        if let ssl = error as? NIOSSLError {
            switch ssl {
            case .noSuchFilesystemObject: return "no such file"
            case .failedToLoadCertificate: return "not a PEM certificate"
            default: break
            }
        }
        return String(describing: error)
    }
}
