import Foundation
import MesosProtocol

extension LocalMaster {
    /// `DEFAULT_HTTP_FRAMEWORK_AUTHENTICATION_REALM` (`mesos:src/master/constants.hpp`).
    public static let frameworkRealm = "mesos-master-scheduler"

    /// Who made a scheduler call, when HTTP framework authentication is on.
    enum Caller {
        /// Authentication is off: no principal.
        case anonymous
        case principal(String)
        /// Refused before the call is looked at.
        case refused(MesosHTTPAnswer)
    }

    /// libprocess's basic authenticator (`BasicAuthenticatorProcess::authenticate`,
    /// `mesos:3rdparty/libprocess/src/authenticator.cpp`): `Authorization: Basic
    /// base64(principal:secret)`, split on every space and every colon. A missing header,
    /// another scheme, bad base64, an unknown principal and a wrong secret all get the same
    /// 401, so a secret holding `:` can never authenticate.
    nonisolated func authenticate(_ headers: [String: String]) -> Caller {
        guard let credentials = configuration.frameworkCredentials else { return .anonymous }
        let unauthorized = MesosHTTPAnswer.text(401, "401 Unauthorized.",
                                                headers: [("WWW-Authenticate", "Basic realm=\"\(Self.frameworkRealm)\"")])
        guard let header = headers["authorization"] else { return .refused(unauthorized) }
        let components = header.split(separator: " ", omittingEmptySubsequences: false)
        guard components.count == 2, components[0] == "Basic",
              let decoded = Data(base64Encoded: String(components[1])) else { return .refused(unauthorized) }
        let parts = String(decoding: decoded, as: UTF8.self).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, credentials.accepts(principal: String(parts[0]), secret: String(parts[1])) else {
            return .refused(unauthorized)
        }
        return .principal(String(parts[0]))
    }

    /// SUBSCRIBE of an authenticated caller: a `FrameworkInfo.principal` must be the
    /// authenticated one (400, `validation::scheduler::call::validate`); an unset one is
    /// filled in (`Master::Http::scheduler`, with a warning).
    func checkPrincipal(_ caller: Caller, subscribing info: inout Mesos_V1_FrameworkInfo) -> MesosHTTPAnswer? {
        guard case .principal(let principal) = caller else { return nil }
        if info.hasPrincipal && info.principal != principal {
            return .text(400, "Failed to validate scheduler::Call: Authenticated principal '\(principal)' does not match principal '\(info.principal)' set in `FrameworkInfo`")
        }
        if !info.hasPrincipal {
            logger.warning("framework authenticated without FrameworkInfo.principal; setting it",
                           metadata: ["mesos.principal": "\(principal)"])
            info.principal = principal
        }
        return nil
    }

    /// `validateUpdate` (`mesos:src/master/validation.cpp`): an unset principal and a set
    /// one differ too.
    static func principalChanged(from old: Mesos_V1_FrameworkInfo, to new: Mesos_V1_FrameworkInfo) -> Bool {
        old.hasPrincipal != new.hasPrincipal || old.principal != new.principal
    }

    /// `Master::Http::scheduler`'s check of calls other than SUBSCRIBE: the authenticated
    /// principal must be the framework's.
    static func principalMismatch(_ caller: Caller, framework: Mesos_V1_FrameworkInfo) -> MesosHTTPAnswer? {
        guard case .principal(let principal) = caller, principal != framework.principal else { return nil }
        return .text(400, "Authenticated principal '\(principal)' does not match principal '\(framework.principal)' set in `FrameworkInfo`")
    }
}
