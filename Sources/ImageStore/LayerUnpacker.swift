import Logging
import PodSystem

/// Applies one layer's tar members to that layer's own directory, in the form overlayfs stacks:
/// `.wh.<name>` becomes a character device 0:0 named `<name>`, `.wh..wh..opq` becomes the
/// `trusted.overlay.opaque=y` xattr on its directory (containerd's overlay conversion).
///
/// Safety rules (image-pull.md §3):
/// - Names: leading `/` and `./` are stripped (contained, like GNU tar); any `..` component
///   rejects the layer; components over 255 bytes and paths over 4095 are refused.
/// - Nothing is ever resolved through a symlink: parents are walked with `O_NOFOLLOW`, so an
///   entry below a symlink of this layer is refused, and a symlink left by a lower layer is a
///   different directory altogether (layers unpack independently, so they can be keyed by
///   diff_id and shared). An existing leaf is unlinked first ("last entry wins"), never written
///   through.
/// - Hard links must name an entry already unpacked in this same layer, resolved the same way;
///   directories cannot be linked.
/// - Whiteout names are validated (`.wh.`, `.wh...`, `/` inside) and never hide this layer's own
///   entries.
/// - Device nodes are **skipped** (logged and counted): the runtime mounts its own `/dev`, the
///   device cgroup is the real guard, and a device node in a shared store on the host is only a
///   liability. FIFOs are created.
/// - Ownership, mode (setuid/setgid/sticky kept; containers run with `no_new_privs`), mtimes and
///   xattrs are preserved; `trusted.*`, `user.overlay.*`, `system.*` and `security.selinux` from
///   the image are dropped so an image cannot forge overlay metadata, ACLs or labels;
///   `security.capability` is kept (file capabilities such as `ping`'s).
final class LayerUnpacker: TarEntrySink {
    private let root: RootedDirectory
    private let logger: Logger
    private let context: String
    private var unpackedPaths: Set<String> = []
    private var directoryMetadata: [String: TarEntry] = [:]
    private var currentFile: RootedDirectory.File?
    private var currentEntry: TarEntry?
    private(set) var skippedDevices = 0
    private(set) var droppedAttributes = 0

    /// Xattr namespaces never copied from an image.
    static func isForbiddenAttribute(_ name: String) -> Bool {
        name.hasPrefix("trusted.") || name.hasPrefix("user.overlay.") || name == "security.selinux"
            || name.hasPrefix("system.")
    }

    init(root: RootedDirectory, context: String, logger: Logger) {
        self.root = root
        self.context = context
        self.logger = logger
    }

    /// Normalises a member name: strips `/` and `./`, drops empty and `.` components, refuses
    /// `..`. Returns `""` for the layer root itself.
    static func normalize(_ path: String) throws(ImageStoreError) -> String {
        var components: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                throw ImageStoreError(.unsafeLayer, "tar member '\(path.prefix(300))' contains '..'")
            }
            guard part.utf8.count <= 255 else {
                throw ImageStoreError(.unsafeLayer, "tar member '\(path.prefix(300))' has a component over 255 bytes")
            }
            components.append(part)
        }
        let joined = components.joined(separator: "/")
        guard joined.utf8.count <= 4095 else {
            throw ImageStoreError(.unsafeLayer, "tar member name '\(path.prefix(100))…' is longer than 4095 bytes")
        }
        return joined
    }

    func begin(_ entry: TarEntry) throws(ImageStoreError) {
        let path = try Self.normalize(entry.path)
        let (parent, name) = Self.split(path)
        if name.hasPrefix(".wh.") {
            try whiteout(parent: parent, name: name, original: entry.path)
            return
        }
        do {
            switch entry.kind {
            case .directory:
                if path.isEmpty {
                    directoryMetadata[""] = entry
                } else {
                    try root.makeDirectory(path, permissions: 0o755)
                    directoryMetadata[path] = entry
                }
            case .regular:
                guard !path.isEmpty else { throw ImageStoreError(.unsafeLayer, "regular file entry names the layer root") }
                directoryMetadata.removeValue(forKey: path)
                currentFile = try root.createFile(path)
                currentEntry = entry
            case .symlink:
                guard !path.isEmpty, !entry.linkName.isEmpty else {
                    throw ImageStoreError(.unsafeLayer, "symlink '\(path.prefix(300))' has an empty name or target")
                }
                directoryMetadata.removeValue(forKey: path)
                try root.makeSymlink(path, target: entry.linkName)
                try root.setOwner(path, uid: entry.uid, gid: entry.gid)
                try applyAttributes(entry, path: path)
                try root.setTimes(path, accessSeconds: entry.modificationSeconds, accessNanoseconds: entry.modificationNanoseconds,
                                  modificationSeconds: entry.modificationSeconds, modificationNanoseconds: entry.modificationNanoseconds)
            case .hardLink:
                let target = try Self.normalize(entry.linkName)
                guard !path.isEmpty, !target.isEmpty, unpackedPaths.contains(target) else {
                    throw ImageStoreError(.unsafeLayer,
                                          "hard link '\(path.prefix(300))' -> '\(entry.linkName.prefix(300))': target is not an earlier entry of this layer")
                }
                directoryMetadata.removeValue(forKey: path)
                try root.makeHardLink(path, to: target)
            case .fifo:
                guard !path.isEmpty else { throw ImageStoreError(.unsafeLayer, "FIFO entry names the layer root") }
                directoryMetadata.removeValue(forKey: path)
                try root.makeNode(path, kind: .fifo, permissions: entry.mode)
                try finishNode(entry, path: path)
            case .characterDevice, .blockDevice:
                skippedDevices += 1
                logger.info("skipping device node in layer", metadata: [
                    "layer.entry": "\(path)", "layer.device": "\(entry.deviceMajor):\(entry.deviceMinor)",
                    "image.layer": "\(context)",
                ])
                return
            }
        } catch {
            throw translate(error, path: path)
        }
        unpackedPaths.insert(path)
    }

    func data(_ bytes: UnsafeRawBufferPointer) throws(ImageStoreError) {
        guard let file = currentFile else { return }
        do {
            try file.write(bytes)
        } catch {
            throw ImageStoreError(.storage, "\(context): writing layer file failed", underlying: error)
        }
    }

    func end() throws(ImageStoreError) {
        guard let file = currentFile, let entry = currentEntry else { return }
        currentFile = nil
        currentEntry = nil
        do throws(FileSystemError) {
            try file.setOwner(uid: entry.uid, gid: entry.gid)
            try file.setPermissions(entry.mode)
            for attribute in entry.extendedAttributes {
                if Self.isForbiddenAttribute(attribute.name) { droppedAttributes += 1; continue }
                try file.setExtendedAttribute(name: attribute.name, value: attribute.value)
            }
            try file.setTimes(accessSeconds: entry.modificationSeconds, accessNanoseconds: entry.modificationNanoseconds,
                              modificationSeconds: entry.modificationSeconds, modificationNanoseconds: entry.modificationNanoseconds)
            try file.close()
        } catch {
            throw ImageStoreError(.storage, "\(context): setting metadata of '\(entry.path.prefix(300))' failed", underlying: error)
        }
    }

    /// Applies directory metadata last, deepest first, so creating children does not disturb
    /// mtimes and a read-only directory mode does not block its own children.
    func finishLayer() throws(ImageStoreError) {
        for (path, entry) in directoryMetadata.sorted(by: { $0.key.count > $1.key.count }) {
            do throws(FileSystemError) {
                if path.isEmpty {
                    try root.setOwner(".", uid: entry.uid, gid: entry.gid)
                    try root.setPermissions(".", entry.mode)
                    try root.setTimes(".", accessSeconds: entry.modificationSeconds, modificationSeconds: entry.modificationSeconds)
                    continue
                }
                guard try root.status(path)?.kind == .directory else { continue }
                try root.setOwner(path, uid: entry.uid, gid: entry.gid)
                try root.setPermissions(path, entry.mode)
                try applyAttributes(entry, path: path)
                try root.setTimes(path, accessSeconds: entry.modificationSeconds, accessNanoseconds: entry.modificationNanoseconds,
                                  modificationSeconds: entry.modificationSeconds, modificationNanoseconds: entry.modificationNanoseconds)
            } catch {
                throw translate(error, path: path)
            }
        }
    }

    private func finishNode(_ entry: TarEntry, path: String) throws(FileSystemError) {
        try root.setOwner(path, uid: entry.uid, gid: entry.gid)
        try root.setPermissions(path, entry.mode)
        try applyAttributes(entry, path: path)
        try root.setTimes(path, accessSeconds: entry.modificationSeconds, accessNanoseconds: entry.modificationNanoseconds,
                          modificationSeconds: entry.modificationSeconds, modificationNanoseconds: entry.modificationNanoseconds)
    }

    private func applyAttributes(_ entry: TarEntry, path: String) throws(FileSystemError) {
        for attribute in entry.extendedAttributes {
            if Self.isForbiddenAttribute(attribute.name) { droppedAttributes += 1; continue }
            do {
                try root.setExtendedAttribute(path, name: attribute.name, value: attribute.value)
            } catch where entry.kind != .directory && (error.isPermissionDenied || error.isNotSupported) {
                // user.* is not allowed on symlinks and special files; containerd ignores this too.
                droppedAttributes += 1
            }
        }
    }

    private func whiteout(parent: String, name: String, original: String) throws(ImageStoreError) {
        do {
            if name == ".wh..wh..opq" {
                if !parent.isEmpty { try root.makeDirectory(parent, permissions: 0o755, replaceExisting: false) }
                try root.setExtendedAttribute(parent.isEmpty ? "." : parent, name: "trusted.overlay.opaque", value: Array("y".utf8))
                return
            }
            if name.hasPrefix(".wh..wh.") { return }  // aufs metadata (.wh..wh.plnk, ...): ignored
            let hidden = String(name.dropFirst(4))
            guard !hidden.isEmpty, hidden != ".", hidden != "..", !hidden.contains("/") else {
                throw ImageStoreError(.unsafeLayer, "invalid whiteout '\(original.prefix(300))'")
            }
            let target = parent.isEmpty ? hidden : parent + "/" + hidden
            // A whiteout never hides this layer's own content.
            if unpackedPaths.contains(target) { return }
            if !parent.isEmpty { try root.makeDirectory(parent, permissions: 0o755, replaceExisting: false) }
            try root.makeNode(target, kind: .characterDevice, permissions: 0, major: 0, minor: 0)
        } catch let error as FileSystemError where error.isAlreadyExists && error.syscall == "mkdirat" {
            // The whiteout's directory is a symlink or file of this layer: never write through it.
            throw ImageStoreError(.unsafeLayer, "whiteout '\(original.prefix(300))' is below a non-directory", underlying: error)
        } catch {
            throw translate(error, path: parent.isEmpty ? name : parent + "/" + name)
        }
    }

    private func translate(_ error: any Error, path: String) -> ImageStoreError {
        if let error = error as? ImageStoreError { return error }
        if let error = error as? FileSystemError {
            if error.crossesSymlinkOrNonDirectory {
                return ImageStoreError(.unsafeLayer, "tar member '\(path.prefix(300))' would pass through a symlink or non-directory",
                                       underlying: error)
            }
            if error.syscall == "linkat", error.isPermissionDenied {
                return ImageStoreError(.unsafeLayer, "hard link '\(path.prefix(300))' targets a directory", underlying: error)
            }
            return ImageStoreError(.storage, "\(context): unpacking '\(path.prefix(300))' failed", underlying: error)
        }
        return ImageStoreError(.storage, "\(context): unpacking '\(path.prefix(300))' failed")
    }

    static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
