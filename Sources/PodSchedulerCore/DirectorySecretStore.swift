#if canImport(Glibc)
import Glibc
#endif

/// The default secret store: a directory with one file per secret, the source being its
/// path below the directory (`/config` → `<directory>/config`, `/team/db` →
/// `<directory>/team/db`). Sources with `.` or `..` segments are refused; symbolic links
/// the operator put in the directory are followed.
public struct DirectorySecretStore: SecretStore {
    /// The store's directory (`--secrets-dir`).
    public let directory: String
    /// The largest secret handed out (a Docker config with many registries stays far below).
    public static let maximumSize = 512 * 1024

    public init(directory: String) {
        self.directory = directory
    }

    public var description: String { "directory \(directory)" }

    /// The file of a source.
    func path(of source: String) throws(SecretStoreError) -> String {
        let segments = source.split(separator: "/", omittingEmptySubsequences: true)
        guard !segments.isEmpty, !segments.contains(where: { $0 == "." || $0 == ".." }), !source.utf8.contains(0) else {
            throw SecretStoreError(.invalidSource, "secret source '\(source)' is not a path below the secret store (no '.' or '..' segments)")
        }
        return directory + "/" + segments.joined(separator: "/")
    }

    public func contains(_ source: String) async throws(SecretStoreError) -> Bool {
        let file = try path(of: source)
        var info = stat()
        guard stat(file, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return false }
            throw SecretStoreError(.unavailable, "secret '\(source)' cannot be looked up in the secret store: \(String(cString: strerror(errno)))")
        }
        return info.st_mode & S_IFMT == S_IFREG
    }

    public func read(_ source: String) async throws(SecretStoreError) -> [UInt8] {
        let file = try path(of: source)
        let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw SecretStoreError(.notFound, "secret '\(source)' not found in the secret store") }
            throw SecretStoreError(.unavailable, "secret '\(source)' cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw SecretStoreError(.notFound, "secret '\(source)' is not a file in the secret store")
        }
        guard info.st_size <= Self.maximumSize else {
            throw SecretStoreError(.tooLarge, "secret '\(source)' is larger than \(Self.maximumSize / 1024) KiB")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.read(fd, base + count, raw.count - count)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            count += n
        }
        // A file that shrank while it was read: what is there.
        if count < bytes.count { bytes.removeSubrange(count...) }
        return bytes
    }
}
