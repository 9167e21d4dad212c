import Glibc

/// An open directory that acts as the root for every path below it.
///
/// Paths given to a `RootedDirectory` are relative (`usr/bin/sh`; a leading `/` is ignored)
/// and are never joined as strings. They are resolved one of two ways (``Resolution``):
///
/// - ``Resolution/noSymlinks``: a component-by-component walk with
///   `openat(O_NOFOLLOW | O_DIRECTORY)`. A symlink or a non-directory anywhere in the parent
///   chain fails with `ELOOP`/`ENOTDIR`, and `..` components are refused. This is what
///   unpacking untrusted layers uses: nothing is ever written through a link.
/// - ``Resolution/inRoot``: `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`, which follows
///   symlinks and `..` but clamps them to this directory, as if it were `/`. This is for reading
///   inside an assembled root file system (for example `/etc/passwd`).
///
/// The final component is never followed when creating, linking, removing or changing
/// metadata (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`). Ownership, mode and times are applied to an
/// opened descriptor where the kernel allows it.
///
/// The type is immutable and only holds a descriptor, so it is `Sendable`; the kernel
/// serialises what happens on the descriptor.
public final class RootedDirectory: Sendable {
    /// How a path below the root is resolved.
    public enum Resolution: Sendable {
        /// Walk each component with `O_NOFOLLOW`; any symlink in the path is an error.
        case noSymlinks
        /// `openat2` with `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS`: symlinks are followed but
        /// clamped to the root.
        case inRoot
    }

    /// The open `O_DIRECTORY` descriptor; valid for the lifetime of this object.
    public let fileDescriptor: Int32
    /// A human-readable path used in error messages only; never used to reach the directory.
    public let path: String

    init(adopting descriptor: Int32, path: String) {
        self.fileDescriptor = descriptor
        self.path = path
    }

    deinit {
        _ = Glibc.close(fileDescriptor)
    }

    /// Opens a trusted host directory (for example the image store's own root) as a root.
    ///
    /// The path itself is resolved normally; everything below it is then confined.
    public static func open(path: String) throws(FileSystemError) -> RootedDirectory {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .last("open", path, "O_DIRECTORY") }
        return RootedDirectory(adopting: fd, path: path)
    }

    /// Opens the directory at `relativePath` below this root as a new root.
    public func openDirectory(_ relativePath: String, resolution: Resolution = .noSymlinks)
        throws(FileSystemError) -> RootedDirectory
    {
        let components = try Self.components(of: relativePath, allowDotDot: resolution == .inRoot)
        if components.isEmpty {
            let fd = Glibc.openat(fileDescriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw .last("openat", path, ".") }
            return RootedDirectory(adopting: fd, path: path)
        }
        let fd = try openDescriptor(components, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, resolution: resolution)
        return RootedDirectory(adopting: fd, path: path + "/" + components.joined(separator: "/"))
    }

    /// Splits a relative path into components, dropping empty and `.` components.
    ///
    /// With `allowDotDot == false` a `..` component is refused with `EINVAL`; components longer
    /// than 255 bytes fail with `ENAMETOOLONG`.
    public static func components(of relativePath: String, allowDotDot: Bool = false)
        throws(FileSystemError) -> [String]
    {
        var result: [String] = []
        for part in relativePath.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", !allowDotDot {
                throw FileSystemError("resolve", [relativePath], errno: EINVAL)
            }
            if part.utf8.count > 255 || part.utf8.contains(0) {
                throw FileSystemError("resolve", [relativePath], errno: ENAMETOOLONG)
            }
            result.append(String(part))
        }
        if result.joined(separator: "/").utf8.count > 4095 {
            throw FileSystemError("resolve", [String(relativePath.prefix(64)) + "…"], errno: ENAMETOOLONG)
        }
        return result
    }

    /// Opens `components` below the root with `flags` (plus `O_CLOEXEC`), resolving as asked.
    /// The caller owns the returned descriptor.
    func openDescriptor(_ components: [String], flags: Int32, mode: mode_t = 0, resolution: Resolution)
        throws(FileSystemError) -> Int32
    {
        switch resolution {
        case .inRoot:
            let joined = components.isEmpty ? "." : components.joined(separator: "/")
            return try Openat2.open(directory: fileDescriptor, directoryPath: path, path: joined,
                                    flags: flags | O_CLOEXEC, mode: mode,
                                    resolve: Openat2.resolveInRoot | Openat2.resolveNoMagiclinks)
        case .noSymlinks:
            guard let last = components.last else {
                let fd = Glibc.openat(fileDescriptor, ".", flags | O_CLOEXEC, mode)
                guard fd >= 0 else { throw .last("openat", path, ".") }
                return fd
            }
            let parent = try walk(Array(components.dropLast()), create: false)
            defer { _ = Glibc.close(parent) }
            let fd = Glibc.openat(parent, last, flags | O_CLOEXEC | O_NOFOLLOW, mode)
            guard fd >= 0 else { throw .last("openat", describe(components), "O_NOFOLLOW") }
            return fd
        }
    }

    /// Walks `components` one at a time with `O_NOFOLLOW | O_DIRECTORY`, optionally creating
    /// missing directories with `createMode`. Returns an owned descriptor of the last one.
    func walk(_ components: [String], create: Bool, createMode: mode_t = 0o755)
        throws(FileSystemError) -> Int32
    {
        var current = Glibc.openat(fileDescriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw .last("openat", path, ".") }
        for (index, component) in components.enumerated() {
            var next = Glibc.openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, Glibc.errno == ENOENT, create {
                if Glibc.mkdirat(current, component, createMode) != 0, Glibc.errno != EEXIST {
                    let error = FileSystemError.last("mkdirat", describe(Array(components[..<index])), component)
                    _ = Glibc.close(current)
                    throw error
                }
                next = Glibc.openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let error = FileSystemError.last("openat", describe(Array(components[...index])),
                                                 "O_DIRECTORY|O_NOFOLLOW")
                _ = Glibc.close(current)
                throw error
            }
            _ = Glibc.close(current)
            current = next
        }
        return current
    }

    /// Resolves the parent of `relativePath` without following symlinks and returns its
    /// descriptor (owned by the caller) with the final name.
    func parentAndName(of relativePath: String, createParents: Bool)
        throws(FileSystemError) -> (parent: Int32, name: String, components: [String])
    {
        let components = try Self.components(of: relativePath)
        guard let name = components.last else {
            throw FileSystemError("resolve", [path, relativePath], errno: EINVAL)
        }
        let parent = try walk(Array(components.dropLast()), create: createParents)
        return (parent, name, components)
    }

    /// Renders `components` below this root for error messages.
    func describe(_ components: [String]) -> String {
        components.isEmpty ? path : path + "/" + components.joined(separator: "/")
    }
}
