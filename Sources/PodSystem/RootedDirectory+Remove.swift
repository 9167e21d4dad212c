import Glibc

extension RootedDirectory {
    /// Removes `relativePath` and, if it is a directory, everything below it. Symlinks are
    /// removed, never followed. A missing entry is not an error. Returns whether anything was
    /// removed.
    @discardableResult
    public func removeTree(_ relativePath: String) throws(FileSystemError) -> Bool {
        let components = try Self.components(of: relativePath)
        guard let name = components.last else {
            // The root itself: empty it, keep the directory.
            try removeChildren(of: fileDescriptor, components: [])
            return true
        }
        let parent: Int32
        do {
            parent = try walk(Array(components.dropLast()), create: false)
        } catch where error.errno == ENOENT || error.errno == ENOTDIR {
            return false
        }
        defer { _ = Glibc.close(parent) }
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if Glibc.errno == ENOENT { return false }
            throw .last("fstatat", describe(components))
        }
        try removeEntry(parent: parent, name: name, parentComponents: Array(components.dropLast()))
        return true
    }

    /// Removes every child of the directory `relativePath` but keeps the directory itself.
    public func removeChildren(_ relativePath: String) throws(FileSystemError) {
        let components = try Self.components(of: relativePath)
        let fd = try walk(components, create: false)
        defer { _ = Glibc.close(fd) }
        try removeChildren(of: fd, components: components)
    }

    /// Removes `name` in `parent`: unlink for non-directories, recursive removal for
    /// directories (opened with `O_NOFOLLOW`, so a symlink is only ever unlinked).
    func removeEntry(parent: Int32, name: String, parentComponents: [String]) throws(FileSystemError) {
        if unlinkat(parent, name, 0) == 0 { return }
        let unlinkErrno = Glibc.errno
        if unlinkErrno == ENOENT { return }
        guard unlinkErrno == EISDIR || unlinkErrno == EPERM else {
            throw FileSystemError("unlinkat", [describe(parentComponents), name], errno: unlinkErrno)
        }
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw FileSystemError("unlinkat", [describe(parentComponents), name], errno: unlinkErrno)
        }
        do {
            try removeChildren(of: fd, components: parentComponents + [name])
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        _ = Glibc.close(fd)
        guard unlinkat(parent, name, AT_REMOVEDIR) == 0 else {
            throw .last("unlinkat", describe(parentComponents), name, "AT_REMOVEDIR")
        }
    }

    func removeChildren(of directory: Int32, components: [String]) throws(FileSystemError) {
        for child in try Self.entries(ofDescriptor: directory, path: describe(components)) {
            try removeEntry(parent: directory, name: child, parentComponents: components)
        }
    }

    /// The names in the directory `relativePath` (without `.` and `..`), unsorted.
    public func entries(_ relativePath: String = "", resolution: Resolution = .noSymlinks)
        throws(FileSystemError) -> [String]
    {
        let components = try Self.components(of: relativePath, allowDotDot: resolution == .inRoot)
        let fd = try openDescriptor(components, flags: O_RDONLY | O_DIRECTORY, resolution: resolution)
        defer { _ = Glibc.close(fd) }
        return try Self.entries(ofDescriptor: fd, path: describe(components))
    }

    /// Lists a directory descriptor without consuming it (a duplicate is handed to `fdopendir`).
    static func entries(ofDescriptor fd: Int32, path: String) throws(FileSystemError) -> [String] {
        let duplicate = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw .last("fcntl", path, "F_DUPFD_CLOEXEC") }
        guard let stream = fdopendir(duplicate) else {
            let error = FileSystemError.last("fdopendir", path)
            _ = Glibc.close(duplicate)
            throw error
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while true {
            Glibc.errno = 0
            guard let entry = readdir(stream) else {
                if Glibc.errno != 0 { throw .last("readdir", path) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return String(decoding: bytes[..<length], as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        return names
    }
}
