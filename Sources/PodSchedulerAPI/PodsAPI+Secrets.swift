import Foundation
import HTTPTypes
import Hummingbird
import MesosProtocol
import PodSchedulerCore
import PodSpec
import Primitives

/// `POST /executor/v1/secrets`: where an instance's executor redeems its single-use token
/// for its pod's secrets (`PodSecretsContract`). No user's credentials open it: the
/// middleware passes it unauthenticated, and only a token the scheduler minted for a launch
/// does. Nothing here is logged but the instance id and a count.
extension PodsAPI {
    /// Bodies are small: an instance id and a few names.
    static let secretRequestLimit = 64 << 10

    func executorSecrets(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let token = Authenticator.credentials(request.headers[.authorization], scheme: "bearer"),
              token.hasPrefix(PodSecretsContract.tokenPrefix) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = #"Bearer realm="pod secrets""#
            throw APIError(status: .unauthorized, body: ["message": "a secret token is required"], headers: headers)
        }
        var request = request
        let buffer = try await request.collectBody(upTo: Self.secretRequestLimit)
        let (instanceID, names) = try Self.secretRequest(Data(buffer.readableBytesView))
        let values: [String: [UInt8]]
        do {
            values = try await service.redeemSecrets(token: token, instanceID: instanceID, names: names)
        } catch {
            logger.warning("secret token refused", metadata: ["pod.instance": "\(instanceID)", "reason": "\(error.message)"])
            throw Self.apiError(error)
        }
        var secrets = JSONObject()
        for (name, bytes) in values.sorted(by: { $0.key < $1.key }) {
            secrets[name] = .string(Data(bytes).base64EncodedString())
        }
        return APIResponse.json(["secrets": .object(secrets)])
    }

    /// `{"instanceId": "…", "secrets": ["name", …]}`.
    static func secretRequest(_ body: Data) throws(APIError) -> (String, [String]) {
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch {
            throw APIError.message(.badRequest, "the body must be JSON: \(error.message)")
        }
        guard let instanceID = json["instanceId"]?.stringValue, !instanceID.isEmpty,
              let list = json["secrets"]?.arrayValue else {
            throw APIError.message(.badRequest, #"the body must be {"instanceId": "<instance id>", "secrets": ["<name>", …]}"#)
        }
        let names = list.compactMap(\.stringValue)
        guard names.count == list.count else { throw APIError.message(.badRequest, "secrets must be a list of names") }
        return (instanceID, names)
    }

    static func apiError(_ error: SecretAccessError) -> APIError {
        switch error {
        case .invalidToken(let message): APIError.message(.unauthorized, message)
        case .forbidden(let message): APIError.message(.forbidden, message)
        case .notFound(let message): APIError.message(.notFound, message)
        case .unavailable(let message): APIError.message(.serviceUnavailable, message)
        }
    }
}
