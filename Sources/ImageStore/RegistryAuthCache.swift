import Foundation

/// What a registry asked for in its `/v2/` ping.
enum RegistryAuthScheme: Sendable, Equatable {
    case none
    case basic
    case bearer(realm: String, service: String?)
}

/// Shared authentication state across pulls: the ping result per registry, bearer tokens per
/// (realm, service, scope, credential identity) until shortly before they expire, and recent
/// successful access checks of cached private images.
actor RegistryAuthCache {
    private struct TokenKey: Hashable {
        var realm: String
        var service: String
        var scope: String
        var identity: String
    }

    private var schemes: [String: RegistryAuthScheme] = [:]
    private var tokens: [TokenKey: (token: String, expires: Date)] = [:]
    private var accessChecks: [String: Date] = [:]

    func scheme(for registry: String) -> RegistryAuthScheme? { schemes[registry] }
    func setScheme(_ scheme: RegistryAuthScheme, for registry: String) { schemes[registry] = scheme }

    func token(realm: String, service: String, scope: String, identity: String) -> String? {
        let key = TokenKey(realm: realm, service: service, scope: scope, identity: identity)
        guard let entry = tokens[key] else { return nil }
        if entry.expires <= Date() {
            tokens[key] = nil
            return nil
        }
        return entry.token
    }

    func store(token: String, expires: Date, realm: String, service: String, scope: String, identity: String) {
        tokens[TokenKey(realm: realm, service: service, scope: scope, identity: identity)] = (token, expires)
    }

    func invalidate(realm: String, service: String, scope: String, identity: String) {
        tokens[TokenKey(realm: realm, service: service, scope: scope, identity: identity)] = nil
    }

    func accessCheckIsFresh(_ key: String) -> Bool {
        guard let until = accessChecks[key] else { return false }
        if until <= Date() { accessChecks[key] = nil; return false }
        return true
    }

    func recordAccessCheck(_ key: String, validFor seconds: Double) {
        accessChecks[key] = Date().addingTimeInterval(seconds)
    }
}
