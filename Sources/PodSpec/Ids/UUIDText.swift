import Foundation

/// Strict parsing of the canonical 8-4-4-4-12 hexadecimal UUID form.
enum UUIDText {
    static func parse(_ text: String) -> UUID? {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.count == 5, zip(groups, [8, 4, 4, 4, 12]).allSatisfy({ $0.count == $1 }),
              groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) })
        else { return nil }
        return UUID(uuidString: text)
    }
}
