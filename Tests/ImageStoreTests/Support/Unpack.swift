import Foundation
import Logging
import PodSystem
import PodTestFixtures
@testable import ImageStore

enum Unpack {
    /// Unpacks tar bytes into `directory` the way a pull does (without digests).
    @discardableResult
    static func tar(_ bytes: [UInt8], into directory: String) throws(ImageStoreError) -> LayerUnpacker {
        let root: RootedDirectory
        do { root = try RootedDirectory.open(path: directory) } catch {
            throw ImageStoreError(.storage, "open", underlying: error)
        }
        let unpacker = LayerUnpacker(root: root, context: "test", logger: Logger(label: "test"))
        var reader = TarReader(limits: TarLimits())
        try bytes.withUnsafeBytes { raw in Result { () throws(ImageStoreError) in try reader.feed(raw, into: unpacker) } }.get()
        try reader.finish()
        try unpacker.finishLayer()
        return unpacker
    }

    static func makeDirectory(_ label: String) throws -> String {
        try Host.temporaryDirectory("imagestore-\(label)")
    }

    static func lstat(_ path: String) -> RootedDirectory.Status? {
        let url = URL(fileURLWithPath: path)
        guard let parent = try? RootedDirectory.open(path: url.deletingLastPathComponent().path) else { return nil }
        return (try? parent.status(url.lastPathComponent)) ?? nil
    }

    static func xattrs(_ path: String) -> [String: String] {
        let url = URL(fileURLWithPath: path)
        guard let parent = try? RootedDirectory.open(path: url.deletingLastPathComponent().path),
              let list = try? parent.extendedAttributes(url.lastPathComponent) else { return [:] }
        var result: [String: String] = [:]
        for (name, value) in list { result[name] = String(decoding: value, as: UTF8.self) }
        return result
    }
}
