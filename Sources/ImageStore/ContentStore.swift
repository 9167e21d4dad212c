import Foundation
import PodSystem

/// The on-disk layout of the store and every file operation on it, all through one
/// ``RootedDirectory`` so that no path is ever joined as a string:
///
/// ```
/// <root>/blobs/sha256/<hex>                 manifests, indexes, configs (+ layer blobs if kept)
/// <root>/layers/sha256/<diffid>/rootfs/     one unpacked layer, overlay form, immutable
/// <root>/layers/sha256/<diffid>/layer.json  LayerRecord
/// <root>/images/<sha256(reference)>.json    ImageRecord (reference → manifest, config, layers)
/// <root>/refs/<sha256(holder)>.json         HolderRecord (which images a container uses)
/// <root>/tmp/                               downloads and unpacks in progress
/// <root>/locks/gc.lock, refs.lock           flock: pulls share gc.lock, prune takes it alone
/// ```
///
/// Everything becomes visible by `rename` only after it is complete and verified: blobs by
/// renaming a temporary file, layers by renaming their whole temporary directory with
/// `RENAME_NOREPLACE` (the first of two concurrent pullers wins; the other discards its copy).
struct ContentStore: Sendable {
    let root: RootedDirectory
    let rootPath: String

    init(rootPath: String) throws(ImageStoreError) {
        do {
            // PodSystem's mkdir -p: FileManager's first use was part of every executor's start.
            try Directory.create(rootPath, mode: 0o700)
        } catch {
            throw ImageStoreError(.storage, "cannot create image store root \(rootPath)", underlying: SendableErrorDescription(error))
        }
        let absolute = rootPath.hasPrefix("/") ? rootPath : FileManager.default.currentDirectoryPath + "/" + rootPath
        self.rootPath = absolute
        do {
            root = try RootedDirectory.open(path: absolute)
            for directory in ["blobs/sha256", "layers/sha256", "images", "refs", "tmp", "locks"] {
                try root.makeDirectory(directory, permissions: 0o700, replaceExisting: false)
            }
        } catch {
            throw ImageStoreError(.storage, "cannot prepare image store at \(absolute)", underlying: error)
        }
    }

    // MARK: - Paths

    static func blobPath(_ digest: Digest) -> String { "blobs/sha256/" + digest.hex }
    static func layerPath(_ diffID: Digest) -> String { "layers/sha256/" + diffID.hex }
    static func imageKey(_ reference: String) -> String { Digest.sha256(of: Array(reference.utf8)).hex }
    static func imagePath(key: String) -> String { "images/\(key).json" }
    static func holderPath(_ holder: String) -> String { "refs/\(Digest.sha256(of: Array(holder.utf8)).hex).json" }

    func layerRootfsAbsolutePath(_ diffID: Digest) -> String {
        rootPath + "/" + Self.layerPath(diffID) + "/rootfs"
    }

    func temporaryName(_ label: String) -> String {
        "tmp/\(label)-\(getProcessIdentifier())-\(UInt64.random(in: 0...UInt64.max))"
    }

    private func getProcessIdentifier() -> Int32 { ProcessInfo.processInfo.processIdentifier }

    // MARK: - Blobs

    func hasBlob(_ digest: Digest) -> Bool {
        (try? root.status(Self.blobPath(digest)))??.kind == .regular
    }

    /// Reads a stored blob and re-verifies its digest (the store is not trusted blindly either).
    func readBlob(_ digest: Digest, limit: Int) throws(ImageStoreError) -> [UInt8]? {
        guard hasBlob(digest) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try root.readFile(Self.blobPath(digest), limit: limit)
        } catch {
            throw ImageStoreError(.storage, "reading blob \(digest.short) failed", underlying: error)
        }
        guard Digest.sha256(of: bytes) == digest else {
            _ = try? root.removeTree(Self.blobPath(digest))
            return nil
        }
        return bytes
    }

    /// Stores verified bytes under their digest (temporary file, then rename).
    func writeBlob(_ bytes: [UInt8], digest: Digest) throws(ImageStoreError) {
        if hasBlob(digest) { return }
        do {
            try root.writeFileAtomically(Self.blobPath(digest), bytes: bytes, permissions: 0o600)
        } catch {
            throw ImageStoreError(.storage, "storing blob \(digest.short) failed", underlying: error)
        }
    }

    // MARK: - Layers

    func hasLayer(_ diffID: Digest) -> Bool {
        (try? root.status(Self.layerPath(diffID) + "/rootfs"))??.kind == .directory
    }

    /// Moves a completed temporary layer directory into place. Returns false if another puller
    /// committed the same layer first (our copy is then removed).
    func commitLayer(temporary: String, diffID: Digest) throws(ImageStoreError) -> Bool {
        do {
            try root.rename(temporary, to: Self.layerPath(diffID), noReplace: true)
            return true
        } catch where error.isAlreadyExists {
            _ = try? root.removeTree(temporary)
            return false
        } catch {
            throw ImageStoreError(.storage, "committing layer \(diffID.short) failed", underlying: error)
        }
    }

    func remove(_ relativePath: String) {
        _ = try? root.removeTree(relativePath)
    }

    // MARK: - JSON records

    func readJSON<T: Decodable>(_ type: T.Type, at path: String) -> T? {
        guard let bytes = try? root.readFile(path, limit: 16 << 20) else { return nil }
        return try? JSONDecoder().decode(type, from: Data(bytes))
    }

    func writeJSON(_ value: some Encodable, at path: String) throws(ImageStoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            let data = try encoder.encode(value)
            try root.writeFileAtomically(path, bytes: Array(data), permissions: 0o600)
        } catch let error as FileSystemError {
            throw ImageStoreError(.storage, "writing \(path) failed", underlying: error)
        } catch {
            throw ImageStoreError(.storage, "encoding \(path) failed", underlying: SendableErrorDescription(error))
        }
    }

    func imageRecord(for reference: ImageReference) -> ImageRecord? {
        readJSON(ImageRecord.self, at: Self.imagePath(key: Self.imageKey(reference.description)))
    }

    func save(_ record: ImageRecord) throws(ImageStoreError) {
        try writeJSON(record, at: Self.imagePath(key: Self.imageKey(record.reference)))
    }

    /// All image records with their keys.
    func allImages() -> [(key: String, record: ImageRecord)] {
        let names = (try? root.entries("images")) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            guard let record = readJSON(ImageRecord.self, at: "images/" + name) else { return nil }
            return (String(name.dropLast(5)), record)
        }
    }

    func allHolders() -> [HolderRecord] {
        let names = (try? root.entries("refs")) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.compactMap {
            readJSON(HolderRecord.self, at: "refs/" + $0)
        }
    }

    // MARK: - Locks

    /// The GC lock: pulls hold it shared, prune exclusively. Blocks the calling thread.
    func gcLock(exclusive: Bool, wait: Bool) throws(ImageStoreError) -> RootedDirectory.FileLock? {
        do {
            return try root.lock("locks/gc.lock", exclusive: exclusive, wait: wait)
        } catch {
            throw ImageStoreError(.storage, "locking the image store failed", underlying: error)
        }
    }

    func refsLock() throws(ImageStoreError) -> RootedDirectory.FileLock? {
        do {
            return try root.lock("locks/refs.lock", exclusive: true, wait: true)
        } catch {
            throw ImageStoreError(.storage, "locking the image store's refs failed", underlying: error)
        }
    }
}
