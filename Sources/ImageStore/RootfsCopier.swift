import PodSystem

/// Builds a flattened root file system by copying unpacked layers (bottom → top) into one
/// directory, applying their overlay-form whiteouts: the copy backend for hosts where overlayfs
/// is unavailable (Mesos' `copy` backend).
///
/// - A character device 0:0 removes that path from what lower layers put there.
/// - A directory with `trusted.overlay.opaque=y` first removes everything lower layers put in it.
/// - Hard links inside one layer stay hard links; ownership, modes, times and xattrs are kept
///   (the overlay's own `trusted.overlay.*` attributes are not copied).
/// - A directory in an upper layer replaces a lower non-directory (for example a symlink) rather
///   than writing through it, exactly as overlayfs shows it. All target paths are resolved with
///   ``PodSystem/RootedDirectory/Resolution/noSymlinks``.
public enum RootfsCopier {
    /// Copies `layers` (absolute layer directories, bottom → top) into `target`.
    public static func copy(layers: [String], into target: RootedDirectory) throws(ImageStoreError) {
        for layerPath in layers {
            let source: RootedDirectory
            do {
                source = try RootedDirectory.open(path: layerPath)
            } catch {
                throw ImageStoreError(.storage, "cannot open layer \(layerPath)", underlying: error)
            }
            var state = LayerCopy(source: source, target: target)
            do {
                try state.copyDirectory("")
            } catch {
                throw ImageStoreError(.storage, "copying layer \(layerPath) failed", underlying: error)
            }
        }
    }

    private struct LayerCopy {
        let source: RootedDirectory
        let target: RootedDirectory
        /// inode → first path copied, for hard links within this layer.
        var linked: [UInt64: String] = [:]

        static func join(_ parent: String, _ name: String) -> String { parent.isEmpty ? name : parent + "/" + name }

        mutating func copyDirectory(_ path: String) throws(FileSystemError) {
            for name in try source.entries(path).sorted() {
                let child = Self.join(path, name)
                guard let status = try source.status(child) else { continue }
                if status.isOverlayWhiteout {
                    try target.removeTree(child)
                    continue
                }
                switch status.kind {
                case .directory:
                    let attributes = try source.extendedAttributes(child)
                    if attributes.contains(where: { $0.0 == "trusted.overlay.opaque" && $0.1 == Array("y".utf8) }) {
                        try target.removeTree(child)
                    }
                    try target.makeDirectory(child, permissions: 0o700)
                    try copyDirectory(child)
                    try applyMetadata(child, status: status, attributes: attributes)
                case .regular:
                    if status.linkCount > 1, let first = linked[status.inode] {
                        try target.makeHardLink(child, to: first)
                        continue
                    }
                    let input = try source.openFileForReading(child)
                    let output = try target.createFile(child)
                    var buffer = [UInt8](repeating: 0, count: 1 << 16)
                    while true {
                        let outcome = buffer.withUnsafeMutableBytes { raw in
                            Result { () throws(FileSystemError) -> Int in try input.read(into: raw) }
                        }
                        let count = try outcome.get()
                        if count == 0 { break }
                        try buffer.withUnsafeBytes { raw in
                            Result { () throws(FileSystemError) in try output.write(UnsafeRawBufferPointer(rebasing: raw[0..<count])) }
                        }.get()
                    }
                    try output.setOwner(uid: status.uid, gid: status.gid)
                    try output.setPermissions(status.permissions)
                    for (name, value) in try source.extendedAttributes(child) where !name.hasPrefix("trusted.overlay.") {
                        try output.setExtendedAttribute(name: name, value: value)
                    }
                    try output.setTimes(accessSeconds: status.accessSeconds, accessNanoseconds: status.accessNanoseconds,
                                        modificationSeconds: status.modificationSeconds,
                                        modificationNanoseconds: status.modificationNanoseconds)
                    try output.close()
                    if status.linkCount > 1 { linked[status.inode] = child }
                case .symlink:
                    try target.makeSymlink(child, target: try source.readSymlink(child))
                    try target.setOwner(child, uid: status.uid, gid: status.gid)
                    try target.setTimes(child, accessSeconds: status.accessSeconds, modificationSeconds: status.modificationSeconds,
                                        modificationNanoseconds: status.modificationNanoseconds)
                case .fifo:
                    try target.makeNode(child, kind: .fifo, permissions: status.permissions)
                    try applyMetadata(child, status: status, attributes: try source.extendedAttributes(child))
                default:
                    continue  // devices and sockets are never part of a stored layer
                }
            }
        }

        func applyMetadata(_ path: String, status: RootedDirectory.Status, attributes: [(String, [UInt8])])
            throws(FileSystemError)
        {
            try target.setOwner(path, uid: status.uid, gid: status.gid)
            try target.setPermissions(path, status.permissions)
            for (name, value) in attributes where !name.hasPrefix("trusted.overlay.") {
                try target.setExtendedAttribute(path, name: name, value: value)
            }
            try target.setTimes(path, accessSeconds: status.accessSeconds, accessNanoseconds: status.accessNanoseconds,
                                modificationSeconds: status.modificationSeconds,
                                modificationNanoseconds: status.modificationNanoseconds)
        }
    }
}

/// Copies unpacked layers (bottom → top) into `target`, applying whiteouts; see ``RootfsCopier``.
public func copyRootfs(layers: [String], into target: RootedDirectory) throws(ImageStoreError) {
    try RootfsCopier.copy(layers: layers, into: target)
}
