import Glibc

extension RootedDirectory {
    /// `fchownat(AT_SYMLINK_NOFOLLOW)`: changes the owner of the entry itself, never a link target.
    public func setOwner(_ relativePath: String, uid: UInt32, gid: UInt32) throws(FileSystemError) {
        if try Self.components(of: relativePath).isEmpty {
            guard fchown(fileDescriptor, uid, gid) == 0 else { throw .last("fchown", path, "\(uid):\(gid)") }
            return
        }
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: false)
        defer { _ = Glibc.close(parent) }
        guard fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .last("fchownat", describe(components), "\(uid):\(gid)", "AT_SYMLINK_NOFOLLOW")
        }
    }

    /// Sets the permission bits (including setuid, setgid and sticky) of a non-symlink entry.
    /// Symlinks have no mode of their own on Linux and are left alone.
    public func setPermissions(_ relativePath: String, _ permissions: UInt32) throws(FileSystemError) {
        if try Self.components(of: relativePath).isEmpty {
            guard fchmod(fileDescriptor, mode_t(permissions & 0o7777)) == 0 else {
                throw .last("fchmod", path, octal(permissions))
            }
            return
        }
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: false)
        defer { _ = Glibc.close(parent) }
        let fd = openat(parent, name, LinuxCalls.oPath | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .last("openat", describe(components), "LinuxCalls.oPath|O_NOFOLLOW") }
        defer { _ = Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .last("fstat", describe(components)) }
        if FileKind(mode: st.st_mode) == .symlink { return }
        // An LinuxCalls.oPath descriptor cannot be fchmod'ed; its /proc/self/fd link names exactly that
        // inode (a magic link, not re-resolved), so chmod on it cannot be redirected.
        guard chmod("/proc/self/fd/\(fd)", mode_t(permissions & 0o7777)) == 0 else {
            throw .last("chmod", "/proc/self/fd/\(fd) (\(describe(components)))", octal(permissions))
        }
    }

    /// `utimensat(AT_SYMLINK_NOFOLLOW)`: sets access and modification times of the entry itself.
    public func setTimes(_ relativePath: String, accessSeconds: Int64, accessNanoseconds: Int64 = 0,
                         modificationSeconds: Int64, modificationNanoseconds: Int64 = 0) throws(FileSystemError)
    {
        var times = [timespec(tv_sec: Int(accessSeconds), tv_nsec: Int(accessNanoseconds)),
                     timespec(tv_sec: Int(modificationSeconds), tv_nsec: Int(modificationNanoseconds))]
        if try Self.components(of: relativePath).isEmpty {
            guard futimens(fileDescriptor, &times) == 0 else { throw .last("futimens", path) }
            return
        }
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: false)
        defer { _ = Glibc.close(parent) }
        times = [timespec(tv_sec: Int(accessSeconds), tv_nsec: Int(accessNanoseconds)),
                     timespec(tv_sec: Int(modificationSeconds), tv_nsec: Int(modificationNanoseconds))]
        guard utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .last("utimensat", describe(components), "AT_SYMLINK_NOFOLLOW")
        }
    }

    /// Sets an extended attribute on the entry itself with `lsetxattr` on
    /// `/proc/self/fd/<parent>/<name>`: the parent is the descriptor we resolved, and the final
    /// component is not followed.
    public func setExtendedAttribute(_ relativePath: String, name attribute: String, value: [UInt8])
        throws(FileSystemError)
    {
        if try Self.components(of: relativePath).isEmpty {
            let result = value.withUnsafeBytes { LinuxCalls.fsetxattr(fileDescriptor, attribute, $0) }
            guard result == 0 else { throw .last("fsetxattr", path, attribute) }
            return
        }
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: false)
        defer { _ = Glibc.close(parent) }
        let procPath = "/proc/self/fd/\(parent)/\(name)"
        let result = value.withUnsafeBytes { raw in
            LinuxCalls.lsetxattr(procPath, attribute, raw)
        }
        guard result == 0 else { throw .last("lsetxattr", describe(components), attribute) }
    }

    /// The extended attributes of the entry itself (`llistxattr`/`lgetxattr` through
    /// `/proc/self/fd/<parent>/<name>`), names with values.
    public func extendedAttributes(_ relativePath: String) throws(FileSystemError) -> [(String, [UInt8])] {
        let components = try Self.components(of: relativePath)
        var parent: Int32 = -1
        let procPath: String
        if let name = components.last {
            parent = try walk(Array(components.dropLast()), create: false)
            procPath = "/proc/self/fd/\(parent)/\(name)"
        } else {
            procPath = "/proc/self/fd/\(fileDescriptor)"
        }
        defer { if parent >= 0 { _ = Glibc.close(parent) } }
        var size = LinuxCalls.llistxattr(procPath, nil, 0)
        if size < 0 {
            if Glibc.errno == ENOTSUP { return [] }
            throw .last("llistxattr", describe(components))
        }
        if size == 0 { return [] }
        var namesBuffer = [CChar](repeating: 0, count: size)
        size = LinuxCalls.llistxattr(procPath, &namesBuffer, namesBuffer.count)
        guard size >= 0 else { throw .last("llistxattr", describe(components)) }
        var result: [(String, [UInt8])] = []
        var start = 0
        for index in 0..<size where namesBuffer[index] == 0 {
            let attributeName = String(decoding: namesBuffer[start..<index].map { UInt8(bitPattern: $0) },
                                       as: UTF8.self)
            start = index + 1
            let valueSize = LinuxCalls.lgetxattr(procPath, attributeName, nil, 0)
            guard valueSize >= 0 else { throw .last("lgetxattr", describe(components), attributeName) }
            var value = [UInt8](repeating: 0, count: valueSize)
            let read = value.withUnsafeMutableBytes { LinuxCalls.lgetxattr(procPath, attributeName, $0.baseAddress, $0.count) }
            guard read >= 0 else { throw .last("lgetxattr", describe(components), attributeName) }
            result.append((attributeName, Array(value.prefix(read))))
        }
        return result
    }

    /// The target of the symlink `relativePath` (parent resolved without symlinks).
    public func readSymlink(_ relativePath: String) throws(FileSystemError) -> String {
        let (parent, name, components) = try parentAndName(of: relativePath, createParents: false)
        defer { _ = Glibc.close(parent) }
        var buffer = [CChar](repeating: 0, count: 4097)
        let length = readlinkat(parent, name, &buffer, buffer.count - 1)
        guard length >= 0 else { throw .last("readlinkat", describe(components)) }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
