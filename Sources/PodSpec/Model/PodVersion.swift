import Foundation
import Primitives

/// A pod version: a UTC instant, rendered as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (always three
/// fractional digits). Marathon's versions are its `Timestamp`s, and so are ours.
public typealias PodVersion = Timestamp

extension Timestamp {
    /// Parses a version from a URL or body.
    ///
    /// - Throws: `PodSpecError.invalidArgument("Invalid timestamp provided '<v>'. Expecting
    ///   ISO-8601 datetime string.")` (Marathon answers 422).
    public static func parse(_ text: String) throws(PodSpecError) -> PodVersion {
        guard let version = PodVersion(iso8601: text) else {
            throw .invalidArgument("Invalid timestamp provided '\(text)'. Expecting ISO-8601 datetime string.")
        }
        return version
    }
}

/// The timestamp texts of Marathon's responses, by the names the REST API uses for them; the
/// texts themselves are ``Timestamp``'s.
public enum MarathonTimestamp {
    /// Status documents (`::status`): ``Timestamp/statusText``.
    public static func status(_ date: Date) -> String { Timestamp(date).statusText }

    /// Java's `OffsetDateTime.toString()` (`specReference`): ``Timestamp/offsetDateTimeText``.
    public static func offsetDateTime(_ version: PodVersion) -> String { version.offsetDateTimeText }

    /// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (pod versions, the instance document).
    public static func version(_ date: Date) -> String { Timestamp(date).description }
}
