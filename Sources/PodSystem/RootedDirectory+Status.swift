import Glibc

extension RootedDirectory {
    /// The kind of a directory entry.
    public enum FileKind: Sendable, Equatable {
        case regular, directory, symlink, fifo, characterDevice, blockDevice, socket, unknown

        init(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFREG: self = .regular
            case S_IFDIR: self = .directory
            case S_IFLNK: self = .symlink
            case S_IFIFO: self = .fifo
            case S_IFCHR: self = .characterDevice
            case S_IFBLK: self = .blockDevice
            case S_IFSOCK: self = .socket
            default: self = .unknown
            }
        }
    }

    /// What `fstatat(AT_SYMLINK_NOFOLLOW)` says about an entry.
    public struct Status: Sendable, Equatable {
        /// File type.
        public var kind: FileKind
        /// Permission bits including setuid, setgid and sticky (`mode & 0o7777`).
        public var permissions: UInt32
        /// Owner.
        public var uid: UInt32
        /// Group.
        public var gid: UInt32
        /// Size in bytes.
        public var size: Int64
        /// Hard link count.
        public var linkCount: UInt64
        /// Device of the file system holding it.
        public var device: UInt64
        /// Inode number.
        public var inode: UInt64
        /// Device major/minor for character and block devices.
        public var deviceMajor: UInt32
        /// Device minor (see `deviceMajor`).
        public var deviceMinor: UInt32
        /// mtime, seconds.
        public var modificationSeconds: Int64
        /// mtime, nanoseconds.
        public var modificationNanoseconds: Int64
        /// atime, seconds.
        public var accessSeconds: Int64
        /// atime, nanoseconds.
        public var accessNanoseconds: Int64

        init(_ st: stat) {
            kind = FileKind(mode: st.st_mode)
            permissions = UInt32(st.st_mode & 0o7777)
            uid = st.st_uid
            gid = st.st_gid
            size = Int64(st.st_size)
            linkCount = UInt64(st.st_nlink)
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            let rdev = UInt64(st.st_rdev)
            deviceMajor = UInt32(((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~UInt64(0xfff)))
            deviceMinor = UInt32((rdev & 0xff) | ((rdev >> 12) & ~UInt64(0xff)))
            modificationSeconds = Int64(st.st_mtim.tv_sec)
            modificationNanoseconds = Int64(st.st_mtim.tv_nsec)
            accessSeconds = Int64(st.st_atim.tv_sec)
            accessNanoseconds = Int64(st.st_atim.tv_nsec)
        }

        /// True for a character device 0:0, which overlayfs reads as a whiteout.
        public var isOverlayWhiteout: Bool {
            kind == .characterDevice && deviceMajor == 0 && deviceMinor == 0
        }
    }

    /// Encodes a device number the way glibc's `makedev` does.
    public static func makeDevice(major: UInt32, minor: UInt32) -> dev_t {
        let major = UInt64(major), minor = UInt64(minor)
        let value = ((major & 0xfff) << 8) | ((major & ~UInt64(0xfff)) << 32)
            | (minor & 0xff) | ((minor & ~UInt64(0xff)) << 12)
        return dev_t(value)
    }

    /// `fstatat(AT_SYMLINK_NOFOLLOW)` of `relativePath`, or `nil` if it does not exist.
    /// The parent chain is resolved with `resolution`.
    public func status(_ relativePath: String, resolution: Resolution = .noSymlinks)
        throws(FileSystemError) -> Status?
    {
        let components = try Self.components(of: relativePath, allowDotDot: resolution == .inRoot)
        guard let name = components.last else {
            var st = stat()
            guard fstat(fileDescriptor, &st) == 0 else { throw .last("fstat", path) }
            return Status(st)
        }
        let parent: Int32
        do {
            switch resolution {
            case .noSymlinks:
                parent = try walk(Array(components.dropLast()), create: false)
            case .inRoot:
                parent = try openDescriptor(Array(components.dropLast()), flags: LinuxCalls.oPath | O_DIRECTORY,
                                            resolution: .inRoot)
            }
        } catch where error.errno == ENOENT {
            return nil
        }
        defer { _ = Glibc.close(parent) }
        var st = stat()
        guard fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if Glibc.errno == ENOENT { return nil }
            throw .last("fstatat", describe(Array(components.dropLast())), name, "AT_SYMLINK_NOFOLLOW")
        }
        return Status(st)
    }

    /// `fstat` of an open descriptor.
    static func status(ofDescriptor fd: Int32, path: String) throws(FileSystemError) -> Status {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .last("fstat", path) }
        return Status(st)
    }
}
