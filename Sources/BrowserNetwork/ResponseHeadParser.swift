import WebRequestKit

/// One hop's response head, built from the lines libcurl's header callback hands over: the
/// status line, `Name: value` lines (folded continuations joined), and the blank line that ends
/// the head. Informational heads (1xx) are read and forgotten. A plain value, tested without
/// libcurl.
struct ResponseHeadParser {
    /// What the line meant.
    enum Progress: Equatable {
        /// More of the head to come (or an informational head ended).
        case more
        /// The final head ended: its status, text and headers are complete.
        case ended
    }

    private(set) var status = 0
    private(set) var statusText = ""
    private(set) var headers = HeaderMap()

    /// Whether a status line arrived: a head that then never ends was cut short.
    var sawStatusLine: Bool { status != 0 }

    /// One line as libcurl passes it, line ending included.
    mutating func receive(_ bytes: UnsafeRawBufferPointer) -> Progress {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        // The common line, `Name: value`, is split on the bytes: two strings, nothing else built.
        if let colon = bytes[..<end].firstIndex(of: UInt8(ascii: ":")), colon > 0,
            bytes[0] != UInt8(ascii: " "), bytes[0] != UInt8(ascii: "\t"), !bytes.starts(with: "HTTP/".utf8)
        {
            headers.add(Self.trimmedString(bytes[..<colon]), Self.trimmedString(bytes[(colon + 1)..<end]))
            return .more
        }
        if bytes.starts(with: "HTTP/".utf8) {
            let (code, reason) = Self.codeAndReason(bytes[..<end])
            status = code.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
            statusText = reason.map { String(decoding: $0, as: UTF8.self) } ?? ""
            headers = HeaderMap()
            // Room for a typical head's headers at once: added one by one, a dozen grew the
            // array four times, about 6 of the browser's 83 allocations per small GET.
            headers.reserveCapacity(Self.typicalHeaderCount)
            return .more
        }
        let line = String(decoding: bytes.prefix(end), as: UTF8.self)
        if line.isEmpty {
            return status < 200 ? .more : .ended
        }
        if let first = line.first, first == " " || first == "\t", let last = headers.entries.last {
            var entries = headers.entries
            entries[entries.count - 1].value = last.value + " " + line.trimmingSpaces()
            headers = HeaderMap(entries)
            return .more
        }
        guard let colon = line.firstIndex(of: ":") else { return .more }
        headers.add(String(line[..<colon]).trimmingSpaces(), String(line[line.index(after: colon)...]).trimmingSpaces())
        return .more
    }

    /// Headers a head is given room for when its status line arrives: nginx sends 7 to 9 for a
    /// static file, most servers fewer than 16; more grow the array as before.
    private static let typicalHeaderCount = 16

    /// A status line's code and reason: the second and third of its parts as
    /// `split(separator: " ", maxSplits: 2)` cuts them (runs of spaces between the first three
    /// parts count as one; the reason is the rest of the line after the code's one space), but
    /// without the array of parts, three allocations per head.
    static func codeAndReason(
        _ line: Slice<UnsafeRawBufferPointer>
    ) -> (code: Slice<UnsafeRawBufferPointer>?, reason: Slice<UnsafeRawBufferPointer>?) {
        let space = UInt8(ascii: " ")
        var index = line.startIndex
        /// The next run of other bytes after any spaces, or `nil` at the line's end.
        func part() -> Range<Int>? {
            while index < line.endIndex, line[index] == space { index += 1 }
            guard index < line.endIndex else { return nil }
            let start = index
            while index < line.endIndex, line[index] != space { index += 1 }
            return start..<index
        }
        guard part() != nil, let code = part() else { return (nil, nil) }
        // `index` is the space after the code, or the line's end.
        let reason = index + 1 < line.endIndex ? line[(index + 1)...] : nil
        return (line[code], reason)
    }

    /// The bytes as a string, without leading or trailing spaces and tabs.
    private static func trimmedString(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        String(decoding: bytes.trimming { $0 == 0x20 || $0 == 0x09 }, as: UTF8.self)
    }
}
