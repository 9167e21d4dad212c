import Foundation
import PodSpec
import Primitives
import Synchronization

/// Principals and what they may do (`--permissions-file`), Marathon's authorization model
/// in a JSON file:
///
/// ```json
/// {"principals": [{"name": "alice", "passwordHash": "pbkdf2-sha256$600000$…$…"},
///                 {"name": "deployer", "tokenHash": "sha256$…"}],
///  "rules": [{"principal": "alice", "actions": ["view", "create", "update", "delete"], "paths": ["/team-a"]}]}
/// ```
///
/// A principal signs in with HTTP basic (name and password) or a bearer token; its rules
/// allow actions on the pods at or below their paths. Everything wrong with the file is
/// reported at once, by location, and the file holds only hashes of credentials.
public struct Permissions: Sendable {
    enum Credential: Sendable {
        case password(PasswordHash)
        case token(TokenHash)
    }

    private let credentials: [String: Credential]
    private let principals: [String: Principal]
    private let tokens: [TokenHash: String]
    /// Recent successful password checks (SHA-256 of name and password), so that the slow
    /// hash runs once per credential rather than once per request.
    private let verified = VerifiedPasswords()

    /// The principal names, sorted.
    public var names: [String] { principals.keys.sorted() }

    /// Reads and checks a permissions file.
    public init(contentsOf path: String) throws(PermissionsError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw PermissionsError("cannot read \(path)") }
        try self.init(parsing: data)
    }

    /// Parses and checks a permissions document.
    public init(parsing data: Data) throws(PermissionsError) {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw PermissionsError("not valid JSON: \(error.message) (line \(error.line), column \(error.column))")
        }
        var problems: [String] = []
        guard let root = json.objectValue else { throw PermissionsError("the file must be a JSON object with 'principals' and 'rules'") }
        Self.unknownKeys(root, allowed: ["principals", "rules"], at: "", into: &problems)
        var credentials: [String: Credential] = [:]
        for (index, item) in Self.array(root["principals"], at: "principals", into: &problems).enumerated() {
            if let (name, credential) = Self.principal(item, at: "principals[\(index)]", into: &problems) {
                if credentials[name] != nil { problems.append("principals[\(index)].name: '\(name)' is listed twice") }
                credentials[name] = credential
            }
        }
        var rules: [String: [PermissionRule]] = [:]
        for (index, item) in Self.array(root["rules"], at: "rules", into: &problems).enumerated() {
            if let (name, rule) = Self.rule(item, at: "rules[\(index)]", into: &problems) {
                if credentials[name] == nil {
                    problems.append("rules[\(index)].principal: '\(name)' is not one of the principals")
                }
                rules[name, default: []].append(rule)
            }
        }
        if !problems.isEmpty { throw PermissionsError(problems: problems) }
        self.credentials = credentials
        principals = Dictionary(uniqueKeysWithValues: credentials.keys.map { ($0, Principal(name: $0, rules: rules[$0] ?? [])) })
        tokens = Dictionary(credentials.compactMap { name, credential -> (TokenHash, String)? in
            if case .token(let hash) = credential { return (hash, name) }
            return nil
        }, uniquingKeysWith: { a, _ in a })
    }

    /// The principal with this name and password.
    func principal(name: String, password: String) -> Principal? {
        guard case .password(let hash)? = credentials[name], let principal = principals[name] else { return nil }
        let key = TokenHash(token: name + "\u{0}" + password)
        if verified.contains(key) { return principal }
        guard hash.matches(password) else { return nil }
        verified.insert(key)
        return principal
    }

    /// The principal with this bearer token.
    func principal(token: String) -> Principal? {
        tokens[TokenHash(token: token)].flatMap { principals[$0] }
    }

    // MARK: Reading

    private static func principal(_ value: JSONValue, at path: String, into problems: inout [String]) -> (String, Credential)? {
        guard let object = value.objectValue else {
            problems.append("\(path): must be an object with 'name' and 'passwordHash' or 'tokenHash'")
            return nil
        }
        unknownKeys(object, allowed: ["name", "passwordHash", "tokenHash"], at: path + ".", into: &problems)
        guard let name = object["name"]?.stringValue, !name.isEmpty, !name.contains(":") else {
            problems.append("\(path).name: must be a non-empty string without ':'")
            return nil
        }
        switch (object["passwordHash"], object["tokenHash"]) {
        case (let password?, nil):
            do throws(PermissionsError) {
                guard let text = password.stringValue else { throw PermissionsError("must be a string") }
                return (name, .password(try PasswordHash(parsing: text)))
            } catch {
                problems.append("\(path).passwordHash: \(error.description)")
            }
        case (nil, let token?):
            do throws(PermissionsError) {
                guard let text = token.stringValue else { throw PermissionsError("must be a string") }
                return (name, .token(try TokenHash(parsing: text)))
            } catch {
                problems.append("\(path).tokenHash: \(error.description)")
            }
        default:
            problems.append("\(path): needs exactly one of 'passwordHash' and 'tokenHash'")
        }
        return nil
    }

    private static func rule(_ value: JSONValue, at path: String, into problems: inout [String]) -> (String, PermissionRule)? {
        guard let object = value.objectValue else {
            problems.append("\(path): must be an object with 'principal', 'actions' and 'paths'")
            return nil
        }
        unknownKeys(object, allowed: ["principal", "actions", "paths"], at: path + ".", into: &problems)
        let before = problems.count
        let name = object["principal"]?.stringValue ?? ""
        if name.isEmpty { problems.append("\(path).principal: must be a principal's name") }
        var actions = Set<PodAction>()
        for (index, item) in array(object["actions"], at: path + ".actions", into: &problems).enumerated() {
            guard let action = item.stringValue.flatMap(PodAction.init(rawValue:)) else {
                problems.append("\(path).actions[\(index)]: must be one of view, create, update, delete")
                continue
            }
            actions.insert(action)
        }
        var paths: [PodId] = []
        for (index, item) in array(object["paths"], at: path + ".paths", into: &problems).enumerated() {
            guard let text = item.stringValue, let id = Self.pathPrefix(text) else {
                problems.append("\(path).paths[\(index)]: must be an absolute pod path such as \"/\" or \"/team-a\"")
                continue
            }
            paths.append(id)
        }
        if actions.isEmpty && problems.count == before { problems.append("\(path).actions: must not be empty") }
        if paths.isEmpty && problems.count == before { problems.append("\(path).paths: must not be empty") }
        return problems.count == before ? (name, PermissionRule(actions: actions, paths: paths)) : nil
    }

    /// `/` or a valid absolute pod id (a trailing slash is allowed: `/team-a/`).
    static func pathPrefix(_ text: String) -> PodId? {
        guard text.hasPrefix("/"), !text.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        var trimmed = text
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed == "/" { return PodId(segments: []) }
        return try? PodId.validated(urlId: trimmed)
    }

    private static func array(_ value: JSONValue?, at path: String, into problems: inout [String]) -> [JSONValue] {
        guard let value else {
            problems.append("\(path): missing (an array)")
            return []
        }
        guard let array = value.arrayValue else {
            problems.append("\(path): must be an array")
            return []
        }
        return array
    }

    private static func unknownKeys(_ object: JSONObject, allowed: Set<String>, at path: String, into problems: inout [String]) {
        for key in object.keys where !allowed.contains(key) {
            problems.append("\(path)\(key): unknown key (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}

/// What is wrong with a permissions file: every problem, by location.
public struct PermissionsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]

    public init(_ problem: String) { problems = [problem] }
    public init(problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "; ") }
}

/// Digests of name/password pairs that passed their hash check (at most 4096, then forgotten).
private final class VerifiedPasswords: Sendable {
    private let digests = Mutex<Set<TokenHash>>([])

    func contains(_ key: TokenHash) -> Bool { digests.withLock { $0.contains(key) } }

    func insert(_ key: TokenHash) {
        digests.withLock { set in
            if set.count >= 4096 { set.removeAll() }
            set.insert(key)
        }
    }
}
