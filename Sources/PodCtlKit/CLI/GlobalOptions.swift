import ArgumentParser
import Foundation
import NIOSSL

/// The options every `pod` command takes: where the scheduler is, how to authenticate,
/// and `--verbose`.
///
/// The URL comes from `--url`, else `PODCTL_URL`, else `http://127.0.0.1:8080`. An
/// `https://` scheduler's certificate is verified against `--ca-file`, else `PODCTL_CA_FILE`,
/// else the system trust store.
/// Credentials come from at most one of `--user`, `--token`, `--credentials-file`, else
/// `PODCTL_TOKEN`; they are sent in the `Authorization` header and never printed.
public struct GlobalOptions: ParsableArguments, Sendable {
    /// The URL when neither `--url` nor `PODCTL_URL` gives one.
    public static let defaultURL = "http://127.0.0.1:8080"

    /// `--url`.
    @Option(name: .long, help: ArgumentHelp(
        "The scheduler's URL (default: $PODCTL_URL, else \(GlobalOptions.defaultURL)).", valueName: "url"))
    public var url: String?

    /// `--user user:password`.
    @Option(name: .long, help: ArgumentHelp("HTTP Basic credentials.", valueName: "user:password"))
    public var user: String?

    /// `--token`.
    @Option(name: .long, help: ArgumentHelp("A bearer token (default: $PODCTL_TOKEN).", valueName: "token"))
    public var token: String?

    /// `--credentials-file`.
    @Option(name: .long, help: ArgumentHelp(
        "A file holding 'user:password' or a bearer token.", valueName: "file"))
    public var credentialsFile: String?

    /// `--ca-file`.
    @Option(name: .long, help: ArgumentHelp(
        "PEM CA certificate(s) that an https:// scheduler's certificate must be signed by (default: $PODCTL_CA_FILE, else the system trust store). Host names are always verified.",
        valueName: "file"))
    public var caFile: String?

    /// `--verbose`.
    @Flag(name: .long, help: "Print each request and answer on standard error (credentials are never printed).")
    public var verbose = false

    /// Options as parsed.
    public init() {}

    /// The scheduler URL to use.
    public func resolvedURL(environment: [String: String]) -> String {
        if let url, !url.isEmpty { return url }
        if let url = environment["PODCTL_URL"], !url.isEmpty { return url }
        return Self.defaultURL
    }

    /// The credentials to send, if any.
    ///
    /// - Throws: a usage error for more than one source, `--user` without a colon, or a
    ///   credentials file that cannot be read or is empty. The messages name the flag or
    ///   the file, never the secret.
    public func resolvedCredentials(environment: [String: String]) throws(PodCtlError) -> Credentials? {
        let given = [user != nil, token != nil, credentialsFile != nil].filter { $0 }.count
        guard given <= 1 else {
            throw .usage("use only one of --user, --token and --credentials-file")
        }
        if let user {
            guard let colon = user.firstIndex(of: ":"), colon != user.startIndex else {
                throw .usage("--user expects user:password")
            }
            return .basic(user: String(user[..<colon]), password: String(user[user.index(after: colon)...]))
        }
        if let token {
            let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw .usage("--token is empty") }
            return .bearer(token: trimmed)
        }
        if let credentialsFile {
            let text: String
            do {
                text = try String(contentsOfFile: credentialsFile, encoding: .utf8)
            } catch {
                throw .usage("cannot read credentials file '\(credentialsFile)'")
            }
            guard let credentials = Credentials(text: text) else {
                throw .usage("credentials file '\(credentialsFile)' holds neither user:password nor a token")
            }
            return credentials
        }
        if let token = environment["PODCTL_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines),
           !token.isEmpty {
            return .bearer(token: token)
        }
        return nil
    }

    /// The TLS settings for an `https://` scheduler: the CA of `--ca-file`, else of
    /// `PODCTL_CA_FILE`, else nil (the system trust store).
    ///
    /// - Throws: a usage error for a CA file that cannot be read or holds no certificate,
    ///   and for `--ca-file` with an `http://` URL (it would not be used).
    public func resolvedTLS(url: String, environment: [String: String]) throws(PodCtlError) -> TLSConfiguration? {
        let isHTTPS = url.lowercased().hasPrefix("https://")
        if caFile != nil && !isHTTPS {
            throw .usage("--ca-file applies to https:// scheduler URLs; \(SchedulerClient.redacted(url)) is not one")
        }
        guard isHTTPS, let file = caFile ?? environment["PODCTL_CA_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            return nil
        }
        let source = caFile != nil ? "--ca-file" : "PODCTL_CA_FILE"
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(file)
        } catch {
            throw .usage("\(source): cannot read CA certificates from '\(file)'")
        }
        guard !certificates.isEmpty else { throw .usage("\(source): '\(file)' holds no PEM certificate") }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.trustRoots = .certificates(certificates)
        return configuration
    }

    /// A client for the scheduler these options name.
    public func client(in context: CommandContext) throws(PodCtlError) -> SchedulerClient {
        let credentials = try resolvedCredentials(environment: context.environment)
        let url = resolvedURL(environment: context.environment)
        let tls = try resolvedTLS(url: url, environment: context.environment)
        let errors = context.errors
        var trace: SchedulerClient.Trace?
        if verbose { trace = { @Sendable line in errors.line(line) } }
        do {
            return try SchedulerClient(url: url, credentials: credentials, tlsConfiguration: tls,
                                       httpClient: context.httpClient, trace: trace)
        } catch {
            throw PodCtlError(error)
        }
    }
}
