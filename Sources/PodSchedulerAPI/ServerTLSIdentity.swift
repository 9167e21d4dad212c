import Foundation
import NIOSSL
import Synchronization

/// The REST API's TLS certificate and key (`--tls-cert-file`, `--tls-key-file`), loaded
/// from PEM files and reloadable while the server runs (SIGHUP): new connections get the
/// last pair that loaded, connections already open keep theirs. A pair that does not load
/// leaves the one in service untouched.
public final class ServerTLSIdentity: Sendable {
    /// Why a certificate and key could not be put in service. Names files, never key bytes.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// What is in service.
    public struct Loaded: Sendable, Equatable {
        /// The serial number of the leaf certificate, in hex (as `openssl x509 -serial`).
        public var serial: String
        /// Certificates in the chain, the leaf first.
        public var chainLength: Int
        /// When the leaf certificate expires.
        public var notValidAfter: Date
    }

    public let certificateFile: String
    public let keyFile: String
    private let state: Mutex<(context: NIOSSLContext, loaded: Loaded)>

    /// Loads the pair once; the server cannot start without it.
    public init(certificateFile: String, keyFile: String) throws(LoadError) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        state = Mutex(try Self.load(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// The context for a new connection.
    public var context: NIOSSLContext { state.withLock { $0.context } }

    /// What is in service now.
    public var loaded: Loaded { state.withLock { $0.loaded } }

    /// Reads both files again and puts the pair in service for new connections.
    ///
    /// - Throws: ``LoadError``, and then the pair in service stays.
    @discardableResult
    public func reload() throws(LoadError) -> Loaded {
        let fresh = try Self.load(certificateFile: certificateFile, keyFile: keyFile)
        state.withLock { $0 = fresh }
        return fresh.loaded
    }

    private static func load(certificateFile: String, keyFile: String) throws(LoadError)
        -> (context: NIOSSLContext, loaded: Loaded) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw LoadError(message: "cannot read the certificate chain in \(certificateFile): \(reason(error))")
        }
        guard let leaf = chain.first else { throw LoadError(message: "\(certificateFile) holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw LoadError(message: "cannot read the private key in \(keyFile): \(reason(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        // A closing connection waits this long for the client's close_notify; idle
        // keep-alive clients that never answer held every shutdown for NIOSSL's 5 s.
        configuration.shutdownTimeout = .seconds(1)
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError(message: "the private key in \(keyFile) does not belong to the certificate in \(certificateFile), "
                + "or they cannot be used: \(reason(error))")
        }
        let serial = leaf.serialNumber.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        let loaded = Loaded(serial: serial, chainLength: chain.count,
                            notValidAfter: Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter)))
        return (context, loaded)
    }

    private static func reason(_ error: any Error) -> String {
        if let ssl = error as? NIOSSLError {
            switch ssl {
            case .noSuchFilesystemObject: return "no such file"
            case .failedToLoadCertificate: return "not a PEM certificate"
            case .failedToLoadPrivateKey: return "not a PEM private key (or one protected by a passphrase)"
            default: break
            }
        }
        return String(describing: error)
    }
}
