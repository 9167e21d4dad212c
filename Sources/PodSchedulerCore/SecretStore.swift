import Foundation

/// The default secret store: a directory with one file per secret path
/// (`/config` → `<directory>/config`, `/team/db` → `<directory>/team/db`).
struct SecretStore: Sendable {
    let directory: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The secret's bytes. Errors name the secret path, never its value.
    func read(_ source: String) throws -> Data {
        guard let directory else { throw Failure(description: "no secret store is configured (--secrets-dir)") }
        let relative = source.split(separator: "/").filter { !$0.isEmpty }
        guard !relative.isEmpty, !relative.contains("..") else { throw Failure(description: "invalid secret path '\(source)'") }
        let path = directory + "/" + relative.joined(separator: "/")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "secret '\(source)' not found in the secret store")
        }
        return data
    }

    func exists(_ source: String) -> Bool {
        (try? read(source)) != nil
    }
}
