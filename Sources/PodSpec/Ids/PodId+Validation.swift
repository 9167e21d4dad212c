extension PodId {
    /// Marathon's rule for one id segment (quoted in its error message).
    static let segmentPatternText =
        #"^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$"#

    /// Last segments that would clash with API routes.
    static let reservedKeywords = ["restart", "tasks", "versions", ".", ".."]

    /// The canonical id of a URL path parameter, validated the way Marathon validates ids it
    /// reads from URLs.
    ///
    /// - Throws: `PodSpecError.notValid` with the violations at path `/` (Marathon answers 422).
    public static func validated(urlId text: String) throws(PodSpecError) -> PodId {
        // Marathon makes the URL id absolute and canonical first, then validates it.
        let id = PodId(canonicalizing: text)
        var errors = ErrorCollector()
        for message in RawPathId(id.absolute).segmentViolations() { errors.add("/", message) }
        if !errors.isEmpty { throw .notValid(errors.details) }
        return id
    }

    /// Checks that the body id of a PUT names the same pod as the URL.
    ///
    /// - Throws: `PodSpecError.idMismatch` (400) naming the canonical URL id and the body id
    ///   exactly as sent.
    public static func checkMatch(urlId: String, bodyId: String) throws(PodSpecError) {
        let canonicalURL = PodId(canonicalizing: urlId)
        guard canonicalURL == PodId(canonicalizing: bodyId) else {
            throw .idMismatch(urlId: canonicalURL.absolute, bodyId: bodyId)
        }
    }
}
