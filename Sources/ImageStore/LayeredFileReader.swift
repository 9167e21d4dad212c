import PodSystem

/// Reads a small regular file as the merged view of unpacked layers would show it (top layer
/// first, honouring overlay whiteouts and opaque directories), without mounting anything.
///
/// Every component is looked up with `O_NOFOLLOW`; a symlink anywhere on the path is refused
/// rather than followed, and the file itself must be a regular file read with a size cap, so an
/// image cannot point the reader at a host file, a FIFO or `/dev/zero` (CVE-2024-9676).
struct LayeredFileReader {
    let layers: [RootedDirectory]  // bottom → top

    init(layerDirectories: [String]) throws(ImageStoreError) {
        var opened: [RootedDirectory] = []
        for path in layerDirectories {
            do {
                opened.append(try RootedDirectory.open(path: path))
            } catch {
                throw ImageStoreError(.storage, "cannot open layer directory \(path)", underlying: error)
            }
        }
        layers = opened
    }

    /// The file's bytes, or `nil` if no layer has it (or it is whited out).
    func read(_ path: String, limit: Int) throws(ImageStoreError) -> [UInt8]? {
        let components = path.split(separator: "/").map(String.init)
        guard !components.isEmpty, !components.contains("..") else { return nil }
        layerLoop: for layer in layers.reversed() {
            var prefix = ""
            for (index, component) in components.enumerated() {
                prefix = prefix.isEmpty ? component : prefix + "/" + component
                let status: RootedDirectory.Status?
                do {
                    status = try layer.status(prefix)
                } catch {
                    throw ImageStoreError(.invalidUser, "cannot look up /\(prefix) in the image", underlying: error)
                }
                guard let status else { continue layerLoop }
                if status.isOverlayWhiteout { return nil }
                let isLast = index == components.count - 1
                if isLast {
                    guard status.kind == .regular else {
                        throw ImageStoreError(.invalidUser, "/\(path) in the image is not a regular file")
                    }
                    do {
                        return try layer.readFile(prefix, limit: limit)
                    } catch {
                        throw ImageStoreError(.invalidUser, "cannot read /\(path) from the image", underlying: error)
                    }
                }
                switch status.kind {
                case .directory:
                    continue
                case .symlink:
                    throw ImageStoreError(.invalidUser, "/\(prefix) in the image is a symlink; refusing to follow it")
                default:
                    return nil  // a non-directory hides everything below it
                }
            }
        }
        return nil
    }
}
