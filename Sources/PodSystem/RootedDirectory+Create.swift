import Glibc

extension RootedDirectory {
    /// Creates the directory `relativePath` (and, with `createParents`, missing parents with mode
    /// 0755). An existing directory is kept (its metadata can then be updated); an existing
    /// non-directory is removed first when `replaceExisting`, as "last entry wins" in a layer.
    /// Returns `true` if a new directory was made.
    @discardableResult
    public func makeDirectory(_ relativePath: String, permissions: UInt32 = 0o755, createParents: Bool = true,
                              replaceExisting: Bool = true) throws(FileSystemError) -> Bool
    {
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: createParents)
        defer { _ = Glibc.close(parent) }
        if mkdirat(parent, name, mode_t(permissions & 0o7777)) == 0 { return true }
        guard Glibc.errno == EEXIST else {
            throw .last("mkdirat", describe(Array(components.dropLast())), name, octal(permissions))
        }
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .last("fstatat", describe(Array(components.dropLast())), name)
        }
        if FileKind(mode: st.st_mode) == .directory { return false }
        guard replaceExisting else {
            throw FileSystemError("mkdirat", [describe(Array(components.dropLast())), name], errno: EEXIST)
        }
        try removeEntry(parent: parent, name: name, parentComponents: Array(components.dropLast()))
        guard mkdirat(parent, name, mode_t(permissions & 0o7777)) == 0 else {
            throw .last("mkdirat", describe(Array(components.dropLast())), name, octal(permissions))
        }
        return true
    }

    /// Creates a new regular file for writing (`O_CREAT | O_EXCL | O_NOFOLLOW`, mode 0600 until
    /// the caller sets the real mode). An existing entry is removed first when
    /// `replaceExisting`, so a symlink in the way is replaced, never written through.
    public func createFile(_ relativePath: String, replaceExisting: Bool = true, createParents: Bool = true)
        throws(FileSystemError) -> File
    {
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: createParents)
        defer { _ = Glibc.close(parent) }
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var fd = openat(parent, name, flags, mode_t(0o600))
        if fd < 0, Glibc.errno == EEXIST, replaceExisting {
            try removeEntry(parent: parent, name: name, parentComponents: Array(components.dropLast()))
            fd = openat(parent, name, flags, mode_t(0o600))
        }
        guard fd >= 0 else {
            throw .last("openat", describe(Array(components.dropLast())), name, "O_CREAT|O_EXCL|O_NOFOLLOW")
        }
        return File(adopting: fd, path: describe(components))
    }

    /// Creates a symlink `relativePath -> target`. The target is stored verbatim and never
    /// resolved here (absolute targets are normal inside an image).
    public func makeSymlink(_ relativePath: String, target: String, replaceExisting: Bool = true,
                            createParents: Bool = true) throws(FileSystemError)
    {
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: createParents)
        defer { _ = Glibc.close(parent) }
        if symlinkat(target, parent, name) == 0 { return }
        if Glibc.errno == EEXIST, replaceExisting {
            try removeEntry(parent: parent, name: name, parentComponents: Array(components.dropLast()))
            if symlinkat(target, parent, name) == 0 { return }
        }
        throw .last("symlinkat", target, describe(Array(components.dropLast())), name)
    }

    /// Creates a hard link `relativePath` to the existing entry `existingPath`, both below this
    /// root, both resolved without following symlinks. The target itself is not followed either
    /// (a link to a symlink links the symlink). Directories cannot be linked (`EPERM`).
    public func makeHardLink(_ relativePath: String, to existingPath: String, replaceExisting: Bool = true,
                             createParents: Bool = true) throws(FileSystemError)
    {
        let (targetParent, targetName, targetComponents) = try parentAndName(of: existingPath, createParents: false)
        defer { _ = Glibc.close(targetParent) }
        var st = stat()
        guard fstatat(targetParent, targetName, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .last("fstatat", describe(targetComponents), "AT_SYMLINK_NOFOLLOW")
        }
        if FileKind(mode: st.st_mode) == .directory {
            throw FileSystemError("linkat", [describe(targetComponents), relativePath], errno: EPERM)
        }
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: createParents)
        defer { _ = Glibc.close(parent) }
        if targetComponents == components { return }
        if linkat(targetParent, targetName, parent, name, 0) == 0 { return }
        if Glibc.errno == EEXIST, replaceExisting {
            try removeEntry(parent: parent, name: name, parentComponents: Array(components.dropLast()))
            if linkat(targetParent, targetName, parent, name, 0) == 0 { return }
        }
        throw .last("linkat", describe(targetComponents), describe(components))
    }

    /// Creates a FIFO, character or block device node with `mknodat`.
    public func makeNode(_ relativePath: String, kind: FileKind, permissions: UInt32, major: UInt32 = 0,
                         minor: UInt32 = 0, replaceExisting: Bool = true, createParents: Bool = true)
        throws(FileSystemError)
    {
        let typeBits: mode_t
        switch kind {
        case .fifo: typeBits = S_IFIFO
        case .characterDevice: typeBits = S_IFCHR
        case .blockDevice: typeBits = S_IFBLK
        default: throw FileSystemError("mknodat", [relativePath], errno: EINVAL)
        }
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: createParents)
        defer { _ = Glibc.close(parent) }
        let mode = typeBits | mode_t(permissions & 0o7777)
        let device = Self.makeDevice(major: major, minor: minor)
        if mknodat(parent, name, mode, device) == 0 { return }
        if Glibc.errno == EEXIST, replaceExisting {
            try removeEntry(parent: parent, name: name, parentComponents: Array(components.dropLast()))
            if mknodat(parent, name, mode, device) == 0 { return }
        }
        throw .last("mknodat", describe(Array(components.dropLast())), name, octal(UInt32(mode)),
                    "\(major):\(minor)")
    }

    /// Renames `from` to `to` (both below this root, parents resolved without symlinks).
    /// With `noReplace`, an existing target fails with `EEXIST` (`RENAME_NOREPLACE`), which gives
    /// "first writer wins" semantics between concurrent processes.
    public func rename(_ from: String, to: String, noReplace: Bool = false) throws(FileSystemError) {
        let (fromParent, fromName, fromComponents) = try parentAndName(of: from, createParents: false)
        defer { _ = Glibc.close(fromParent) }
        let (toParent, toName, toComponents) = try parentAndName(of: to, createParents: true)
        defer { _ = Glibc.close(toParent) }
        let result: Int32
        if noReplace {
            result = LinuxCalls.renameat2(fromParent, fromName, toParent, toName, LinuxCalls.renameNoReplace)
        } else {
            result = renameat(fromParent, fromName, toParent, toName)
        }
        guard result == 0 else {
            throw .last(noReplace ? "renameat2" : "renameat", describe(fromComponents), describe(toComponents),
                        noReplace ? "RENAME_NOREPLACE" : "0")
        }
    }

    func octal(_ value: UInt32) -> String {
        "0o" + String(value, radix: 8)
    }
}
