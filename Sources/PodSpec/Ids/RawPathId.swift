/// An id as written, before canonicalization: Marathon's `PathId(text)`.
struct RawPathId {
    let segments: [String]
    let absolute: Bool

    init(_ text: String) {
        segments = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        absolute = text.hasPrefix("/")
    }

    /// The segment-level rules of Marathon's `PathId` validator.
    func segmentViolations() -> [String] {
        var messages: [String] = []
        if !segments.allSatisfy(TextPatterns.isIdSegment) {
            messages.append("must fully match regular expression '\(PodId.segmentPatternText)'")
        }
        if let last = segments.last, PodId.reservedKeywords.contains(last) {
            messages.append("must not end with any of the following reserved keywords: "
                + PodId.reservedKeywords.joined(separator: ", "))
        }
        if absolute, !segments.isEmpty {
            // Marathon checks that the id stays a child of its own parent after resolving
            // `.` and `..`.
            let parent = Array(segments.dropLast())
            let canonical = PodId(canonicalizing: "/" + segments.joined(separator: "/")).segments
            if Array(canonical.dropLast()) != parent {
                messages.append("Identifier is not child of '/\(parent.joined(separator: "/"))'")
            }
        }
        return messages
    }
}
