public import FoundationEssentials

extension Request {
    /// The URL if it parses with a scheme (and a host for http and https), else `nil`.
    ///
    /// This is the rule `create` applies to a request's URL; ``isValidURL(_:)`` answers the
    /// same question without building the `URL`.
    public static func parsedURL(_ string: String) -> URL? {
        guard let components = URLComponents(string: string),
            let scheme = components.scheme, !scheme.isEmpty,
            WrittenHost.isWellFormed(in: string),
            let url = components.url
        else { return nil }
        if ["http", "https"].contains(scheme.lowercased()), (components.host ?? "").isEmpty {
            return nil
        }
        return url
    }

    /// Whether `string` is a URL `create` accepts: exactly when ``parsedURL(_:)`` is not `nil`.
    ///
    /// A URL of the shape nearly every request has (http or https, a host name, a port, and a
    /// path, query and fragment of characters no parser rewrites) is recognised by one pass over
    /// its bytes; any other string takes Foundation's full parse.
    public static func isValidURL(_ string: String) -> Bool {
        PlainWebURL.matches(string) || parsedURL(string) != nil
    }
}

/// The host as a URL string writes it, after `//`: a bracketed IP literal, or RFC 3986's
/// reg-name (unreserved characters, sub-delimiters, well-formed percent escapes) with non-ASCII
/// letters allowed for international names.
///
/// `URLComponents(string:)` answers differently for such a host depending on what the process
/// has loaded: with FoundationEssentials alone (a renderer) it percent-encodes a space or a `[`
/// in the host and accepts the URL; with Foundation loaded too (the browser) it refuses it. The
/// browser ends a renderer that sends a request `create` would refuse, so both processes must
/// give the same verdict: this check makes it the refusal, in every process. The rest of the URL
/// parses alike in both (the tests hold the renderers to the browser's verdict).
enum WrittenHost {
    static func isWellFormed(in string: String) -> Bool {
        var string = string
        return string.withUTF8(isWellFormed)
    }

    static func isWellFormed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // The scheme ends at the first colon (the parse already found one); no `//`, no host.
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            bytes.count >= colon + 3, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        else { return true }
        let authorityStart = colon + 3
        let authorityEnd = bytes[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        let hostStart = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")).map { $0 + 1 } ?? authorityStart
        guard hostStart < authorityEnd else { return true }
        if bytes[hostStart] == UInt8(ascii: "[") {
            // An IP literal: closed, then the end or a port; what is inside, the parsers agree on.
            guard let close = bytes[hostStart..<authorityEnd].firstIndex(of: UInt8(ascii: "]")) else { return false }
            return close + 1 == authorityEnd || bytes[close + 1] == UInt8(ascii: ":")
        }
        let hostEnd = bytes[hostStart..<authorityEnd].firstIndex(of: UInt8(ascii: ":")) ?? authorityEnd
        var index = hostStart
        while index < hostEnd {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < hostEnd, PlainWebURL.isHexDigit(bytes[index + 1]), PlainWebURL.isHexDigit(bytes[index + 2]) else { return false }
                index += 3
                continue
            }
            guard byte >= 0x80 || PlainWebURL.isAlphanumeric(byte) || Self.allowed.contains(byte) else { return false }
            index += 1
        }
        return true
    }

    /// RFC 3986's unreserved punctuation and sub-delimiters.
    private static let allowed = Set("-._~!$&'()*+,;=".utf8)
}

/// The plain shape of a web URL, checked byte by byte: `http` or `https` (any case), `://`, a
/// host of letters, digits, dots and hyphens that starts with a letter or digit, an optional
/// port of one to five digits, then a path, query and one fragment made of RFC 3986's unreserved
/// characters, sub-delimiters, `:`, `@`, `/`, `?` and well-formed percent escapes.
///
/// Every string that matches parses with a host, so a match can skip `URLComponents`; a string
/// that does not match may still be a URL (user info, IPv6 literals, percent-encoded hosts,
/// characters Foundation encodes), and is left to the full parse. The tests hold the two to that.
enum PlainWebURL {
    static func matches(_ string: String) -> Bool {
        string.utf8.withContiguousStorageIfAvailable(matches) ?? false
    }

    static func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        /// Takes `byte`, or its capital when it is a letter.
        func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte || isAlphanumeric(byte) && bytes[index] | 0x20 == byte else {
                return false
            }
            index += 1
            return true
        }
        guard take(UInt8(ascii: "h")), take(UInt8(ascii: "t")), take(UInt8(ascii: "t")), take(UInt8(ascii: "p")) else {
            return false
        }
        _ = take(UInt8(ascii: "s"))
        guard take(UInt8(ascii: ":")), take(UInt8(ascii: "/")), take(UInt8(ascii: "/")) else { return false }

        guard index < bytes.count, isAlphanumeric(bytes[index]) else { return false }
        while index < bytes.count, isAlphanumeric(bytes[index]) || bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "-") {
            index += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            index += 1
            let digits = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard (1...5).contains(index - digits) else { return false }
        }
        guard index < bytes.count else { return true }
        switch bytes[index] {
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"): break
        default: return false
        }

        var inFragment = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else { return false }
                index += 2
            case UInt8(ascii: "#"):
                guard !inFragment else { return false }
                inFragment = true
            default:
                guard isAlphanumeric(byte) || Self.otherAllowed[Int(byte & 0x7F)] && byte < 0x80 else { return false }
            }
            index += 1
        }
        return true
    }

    /// `-._~`, `!$&'()*+,;=`, `:@/?`, indexed by byte.
    private static let otherAllowed: [Bool] = (0..<128).map { "-._~!$&'()*+,;=:@/?".utf8.contains(UInt8($0)) }

    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 26 }
    static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 6 }
}
