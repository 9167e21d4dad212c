import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

extension SchedulerClient {
    /// Sends one request; 2xx answers come back, anything else is thrown.
    ///
    /// Bodies are JSON (`Content-Type: application/json`); credentials go only into the
    /// `Authorization` header and never into a trace line or an error.
    func send(_ method: HTTPMethod, _ path: String, query: String? = nil, body: Data? = nil)
        async throws(SchedulerClientError) -> SchedulerResponse {
        let target = query.map { "\(path)?\($0)" } ?? path
        let label = "\(method.rawValue) \(target)"
        var request = HTTPClientRequest(url: baseURL + target)
        request.method = method
        request.tlsConfiguration = tlsConfiguration
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "podctl")
        if let credentials {
            request.headers.add(name: "Authorization", value: credentials.authorizationHeader)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        trace?("> \(method.rawValue) \(baseURL + target)\(body.map { " (\($0.count) bytes)" } ?? "")")

        let status: HTTPResponseStatus
        let deploymentHeader: String?
        let data: Data
        do {
            let timeout = TimeAmount.nanoseconds(Self.nanoseconds(requestTimeout))
            let response = try await httpClient.execute(request, timeout: timeout)
            status = response.status
            deploymentHeader = response.headers.first(name: "Marathon-Deployment-Id")
            let buffer = try await response.body.collect(upTo: Self.maxBodySize)
            data = Data(buffer.readableBytesView)
        } catch {
            let reason = tlsFailure(error) ?? Self.connectionReason(error)
            trace?("< \(label): \(reason)")
            throw .connection(url: baseURL, reason: reason)
        }
        trace?("< \(status.code) \(status.reasonPhrase)\(data.isEmpty ? "" : " (\(data.count) bytes)")")
        guard (200..<300).contains(status.code) else {
            if !data.isEmpty { trace?("< " + String(decoding: data.prefix(4096), as: UTF8.self)) }
            let body = APIErrorBody(data: data, fallback: status.reasonPhrase)
            throw .api(status: Int(status.code), body: body, request: label)
        }
        return SchedulerResponse(request: label, status: Int(status.code), deploymentHeader: deploymentHeader,
                                 body: data)
    }

    /// What went wrong in a TLS handshake, with what to do about it; nil for other errors.
    func tlsFailure(_ error: any Error) -> String? {
        let host = URLComponents(string: baseURL)?.host ?? baseURL
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the server's TLS certificate is not valid for \(host)"
        }
        guard let ssl = error as? NIOSSLError else { return nil }
        let text = String(describing: ssl)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's TLS certificate is not signed by a trusted CA; give its CA with --ca-file or PODCTL_CA_FILE"
        }
        return "TLS handshake failed: \(text)"
    }

    /// A short reason for a failed exchange.
    static func connectionReason(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .deadlineExceeded, .readTimeout, .writeTimeout: return "request timed out"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: break
            }
        }
        if let error = error as? NIOTooManyBytesError {
            return "answer larger than \(error.maxBytes.map(String.init) ?? "the allowed") bytes"
        }
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("refused") { return "connection refused" }
        if text.localizedCaseInsensitiveContains("reset") { return "connection reset by the server" }
        return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
    }

    /// `duration` in whole nanoseconds, capped to what `TimeAmount` holds.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64.max / 1_000_000_000 else { return Int64.max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
