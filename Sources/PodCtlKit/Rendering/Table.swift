/// A table for people: left-aligned columns separated by two spaces, a header row in
/// capitals, and no trailing blanks.
public struct Table: Sendable, Equatable {
    /// The column headers.
    public var headers: [String]
    /// The rows (a short row is padded with empty cells).
    public var rows: [[String]]

    /// A table with these headers and rows.
    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// The table as text, one line per row, each ending in a newline.
    public var text: String {
        let all = [headers] + rows
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var text = ""
        for row in all {
            var line = ""
            for index in widths.indices {
                let cell = index < row.count ? row[index] : ""
                line += index == widths.count - 1 ? cell : cell.padding(to: widths[index] + 2)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            text += line + "\n"
        }
        return text
    }
}

extension String {
    /// The string followed by spaces up to `width` characters.
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
