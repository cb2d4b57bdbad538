extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    package func trimmingSpaces() -> String {
        trimmingCharacters(in: " \t")
    }

    /// The string without leading and trailing characters of `set`.
    package func trimmingCharacters(in set: String) -> String {
        trimmingASCII(in: set) ?? trimmingEachCharacter(in: set)
    }

    /// The rule on characters (the reference the byte reading is tested against).
    func trimmingEachCharacter(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }

    /// The same on the bytes, or `nil` unless the string and `set` are ASCII and `set` holds no
    /// CR or LF: a character is then a byte, but for CR LF, which such a set never trims.
    /// Header values are trimmed this way on every response.
    private func trimmingASCII(in set: String) -> String? {
        guard set.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0A && $0 != 0x0D }) else { return nil }
        let trimmed: String?? = utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(decoding: bytes[...].trimming { set.utf8.contains($0) }, as: UTF8.self)
        }
        return trimmed ?? nil
    }
}

extension BidirectionalCollection where SubSequence == Self {
    /// Without the leading and trailing elements `isTrimmed` picks: the one byte trimmer of
    /// header values, content types and the response head's lines. Inlinable, so that the
    /// browser's head parser gets a copy specialized to its bytes: called generically, every
    /// header line paid for a runtime lookup of the slice's metadata (7% of the browser's
    /// samples on small requests).
    @inlinable
    package func trimming(while isTrimmed: (Element) -> Bool) -> Self {
        var slice = self
        while let first = slice.first, isTrimmed(first) { slice.removeFirst() }
        while let last = slice.last, isTrimmed(last) { slice.removeLast() }
        return slice
    }
}
