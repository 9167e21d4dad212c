/// A parsed image reference, `[registry[:port]/]repository[:tag][@digest]`, normalised with the
/// Docker Hub rules: no registry means `docker.io`, a one-component Hub repository gets
/// `library/`, and the tag defaults to `latest` when no digest is given.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The registry as written and normalised (`docker.io` for Docker Hub, `127.0.0.1:5000`).
    public let registry: String
    /// The repository path, lowercase (`library/nginx`, `test/busybox`).
    public let repository: String
    /// The tag, if any. Informational when a digest is also given.
    public let tag: String?
    /// The digest, if the reference pins one; it wins over the tag.
    public let digest: Digest?

    /// Docker Hub's canonical name and the names that mean the same registry.
    static let dockerHub = "docker.io"
    static let dockerHubAliases: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]

    /// Parses and normalises `string`, for example `nginx`, `myuser/app:1.0`,
    /// `127.0.0.1:5000/test/busybox:latest` or `x@sha256:<64 hex>`.
    public static func parse(_ string: String) throws(ImageStoreError) -> ImageReference {
        func invalid(_ why: String) -> ImageStoreError {
            ImageStoreError(.invalidReference, "invalid image reference '\(string.prefix(300))': \(why)")
        }
        guard !string.isEmpty else { throw invalid("empty") }
        guard string.utf8.count <= 512 else { throw invalid("too long") }
        var remainder = Substring(string)
        var digest: Digest?
        if let at = remainder.firstIndex(of: "@") {
            let digestText = String(remainder[remainder.index(after: at)...])
            guard let parsed = Digest(validating: digestText) else {
                throw invalid("digest must be sha256:<64 lowercase hex>")
            }
            digest = parsed
            remainder = remainder[..<at]
        }
        var tag: String?
        let lastSlash = remainder.lastIndex(of: "/")
        if let colon = remainder.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let tagText = String(remainder[remainder.index(after: colon)...])
            guard isValidTag(tagText) else { throw invalid("tag '\(tagText.prefix(130))' is not [A-Za-z0-9_][A-Za-z0-9._-]{0,127}") }
            tag = tagText
            remainder = remainder[..<colon]
        }
        var components = remainder.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let first = components.first, !first.isEmpty else { throw invalid("missing repository") }
        var registry = dockerHub
        if components.count > 1, first.contains(".") || first.contains(":") || first == "localhost" {
            guard isValidRegistry(first) else { throw invalid("registry '\(first)' is not a host[:port]") }
            registry = dockerHubAliases.contains(first.lowercased()) ? dockerHub : first
            components.removeFirst()
        }
        guard !components.isEmpty else { throw invalid("missing repository") }
        for component in components where !isValidPathComponent(component) {
            throw invalid("repository component '\(component.prefix(80))' must match [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*")
        }
        if registry == dockerHub, components.count == 1 {
            components.insert("library", at: 0)
        }
        let repository = components.joined(separator: "/")
        guard repository.utf8.count + registry.utf8.count + 1 <= 255 else { throw invalid("name longer than 255 characters") }
        if tag == nil, digest == nil { tag = "latest" }
        return ImageReference(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// The same image on the mirror configured for its registry (Docker Hub under any of
    /// its names), or itself when there is none.
    public func mirrored(_ mirrors: [String: String]) -> ImageReference {
        let mirror = mirrors[registry] ?? (registry == Self.dockerHub
            ? Self.dockerHubAliases.lazy.compactMap { mirrors[$0] }.first : nil)
        guard let mirror, !mirror.isEmpty else { return self }
        return ImageReference(registry: mirror, repository: repository, tag: tag, digest: digest)
    }

    /// The host the registry API lives on (`registry-1.docker.io` for Docker Hub).
    public var apiHost: String {
        registry == Self.dockerHub ? "registry-1.docker.io" : registry
    }

    /// What to ask the registry for: the digest if pinned, else the tag.
    public var manifestReference: String {
        digest?.description ?? tag ?? "latest"
    }

    /// The full, normalised form: `registry/repository[:tag][@digest]`.
    public var description: String {
        var text = registry + "/" + repository
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.description }
        return text
    }

    /// The same reference pinned to `digest` (tag kept as information).
    func pinned(to digest: Digest) -> ImageReference {
        ImageReference(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128 else { return false }
        func isAlnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) }
        guard isAlnum(first) || first == 0x5f else { return false }
        return bytes.dropFirst().allSatisfy { isAlnum($0) || $0 == 0x5f || $0 == 0x2e || $0 == 0x2d }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func isValidPathComponent(_ component: String) -> Bool {
        let bytes = Array(component.utf8)
        func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) }
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isLowerAlnum(bytes[index]) { index += 1; continue }
            // A separator run: ".", "_", "__" or one or more "-".
            var end = index
            while end < bytes.count, !isLowerAlnum(bytes[end]) { end += 1 }
            let separator = bytes[index..<end]
            let ok = separator.elementsEqual([0x2e]) || separator.elementsEqual([0x5f])
                || separator.elementsEqual([0x5f, 0x5f]) || separator.allSatisfy { $0 == 0x2d }
            guard ok else { return false }
            index = end
        }
        return true
    }

    /// `host[:port]` where host is a DNS name, an IPv4 address or a bracketed IPv6 address.
    static func isValidRegistry(_ registry: String) -> Bool {
        var host = Substring(registry)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inner = host[host.index(after: host.startIndex)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return false }
            host = host[host.index(after: close)...]
            if host.isEmpty { return true }
            guard host.hasPrefix(":") else { return false }
            let port = host.dropFirst()
            return port.allSatisfy({ $0.isASCII && $0.isNumber }) && (Int(port).map { $0 > 0 && $0 <= 65535 } ?? false)
        }
        let parts = host.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.first, !name.isEmpty, name.utf8.count <= 253 else { return false }
        if parts.count == 2 {
            let port = parts[1]
            guard port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), number > 0, number <= 65535 else {
                return false
            }
        }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
