import ArgumentParser
import Foundation
import PodSchedulerAPI

/// `pod-scheduler hash-credential password|token`: reads a password or bearer token on
/// stdin (one line) and prints the hash a permissions file stores for it.
struct HashCredentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-credential",
        abstract: "Print the hash of a password or bearer token (read from stdin) for --permissions-file.",
        discussion: """
            `password` prints a passwordHash (PBKDF2-HMAC-SHA256, \(PasswordHash.defaultIterations) iterations, random salt); \
            `token` prints a tokenHash (SHA-256). Example: `printf '%s' "$PASSWORD" | pod-scheduler hash-credential password`. \
            The credential itself is never printed.
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case password, token
    }

    @Argument(help: "password or token.")
    var kind: Kind

    func run() throws {
        var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else { throw ValidationError("nothing on stdin: give the \(kind.rawValue) on standard input") }
        switch kind {
        case .password:
            print(try PasswordHash.make(password: text).description)
        case .token:
            print(TokenHash(token: text).description)
        }
    }
}
