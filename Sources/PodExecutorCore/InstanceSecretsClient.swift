import Foundation
import MesosHTTP
import MesosProtocol
import NIOCore
import NIOHTTP1

/// Fetches the secrets of the executor's own pod instance from pod-scheduler, once, when a
/// task group that references secrets arrives (`PodSecretsContract`): the instance's
/// single-use token from the tasks' `data`, over the transports the executor already has
/// (blocking sockets for `http`, SwiftNIO with TLS for `https`). Neither the token nor a
/// value is ever logged or put into an error.
public struct InstanceSecretsClient: Sendable {
    public let endpoint: MesosEndpoint
    public let caFile: String?
    /// The executor's instance (`<pod>.instance-<uuid>`).
    public let instanceID: String
    let makeEventLoopGroup: @Sendable () -> any EventLoopGroup
    /// Answers larger than this are refused (the directory store hands out 512 KiB a secret).
    static let maximumAnswer = 8 << 20

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(endpoint: MesosEndpoint, caFile: String?, executorID: String,
                makeEventLoopGroup: @escaping @Sendable () -> any EventLoopGroup) {
        self.endpoint = endpoint
        self.caFile = caFile
        instanceID = Self.instanceID(executorID: executorID)
        self.makeEventLoopGroup = makeEventLoopGroup
    }

    /// The instance id of an executor id: `instance-<pod>.<uuid>` → `<pod>.instance-<uuid>`
    /// (pod-scheduler's `InstanceId.executorId`, undone).
    static func instanceID(executorID: String) -> String {
        for prefix in ["instance-", "marathon-"] where executorID.hasPrefix(prefix) {
            let rest = executorID.dropFirst(prefix.count)
            guard let dot = rest.lastIndex(of: ".") else { break }
            return "\(rest[..<dot]).\(prefix)\(rest[rest.index(after: dot)...])"
        }
        return executorID
    }

    /// The values of `names`, redeeming `token`. A scheduler that cannot be reached, or
    /// answers 503 (a leader change, its store), is asked again for up to ~15 s; any other
    /// refusal is final (a token opens once).
    public func fetch(names: [String], token: String) async throws(Failure) -> [String: [UInt8]] {
        let transport: any MesosHTTPTransport
        if case .tcp("https", _, _) = endpoint.transport {
            do {
                let tls = try MesosTLS.clientConfiguration(caFile: caFile)
                transport = MesosHTTPConnection(endpoint: endpoint, group: makeEventLoopGroup(), connectTimeout: .seconds(5),
                                                tlsConfiguration: tls)
            } catch {
                throw Failure(description: "cannot verify pod-scheduler at \(endpoint): \(error.message)")
            }
        } else {
            transport = SocketHTTPConnection(endpoint: endpoint, connectTimeout: .seconds(5))
        }
        defer { Task { await transport.close() } }
        let request = self.request(names: names, token: token)
        var delay = Duration.milliseconds(500)
        for attempt in 1...6 {
            do {
                let response = try await transport.call(request, timeout: .seconds(30), maxBody: Self.maximumAnswer)
                if response.status == .serviceUnavailable, attempt < 6 {
                    try? await Task.sleep(for: delay)
                    delay *= 2
                    continue
                }
                return try decode(response, names: names)
            } catch let failure as Failure {
                throw failure
            } catch let error as MesosHTTPError where error.kind == .transport && attempt < 6 {
                try? await Task.sleep(for: delay)
                delay *= 2
            } catch {
                throw Failure(description: "cannot reach pod-scheduler at \(endpoint) for the pod's secrets: \(error)")
            }
        }
        throw Failure(description: "pod-scheduler at \(endpoint) did not hand out the pod's secrets")
    }

    private func request(names: [String], token: String) -> MesosHTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Authorization", value: "Bearer " + token)
        let object: [String: Any] = ["instanceId": instanceID, "secrets": names]
        let body = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return MesosHTTPRequest(path: PodSecretsContract.path, headers: headers, body: ByteBuffer(bytes: body))
    }

    /// `{"secrets": {name: base64}}` with exactly the names asked for.
    private func decode(_ response: MesosHTTPResponse, names: [String]) throws(Failure) -> [String: [UInt8]] {
        let json = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
        guard response.status == .ok else {
            let message = (json as? [String: Any])?["message"] as? String ?? "HTTP \(response.status.code)"
            throw Failure(description: "pod-scheduler at \(endpoint) refused the pod's secrets (\(response.status.code)): \(message)")
        }
        guard let secrets = (json as? [String: Any])?["secrets"] as? [String: String] else {
            throw Failure(description: "pod-scheduler at \(endpoint) answered the secret request with something else than secrets")
        }
        var values: [String: [UInt8]] = [:]
        for name in names {
            guard let encoded = secrets[name], let data = Data(base64Encoded: encoded) else {
                throw Failure(description: "pod-scheduler at \(endpoint) did not send secret '\(name)'")
            }
            values[name] = Array(data)
        }
        return values
    }
}
