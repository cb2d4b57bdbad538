import Foundation
package import WebRequestKit

/// Whether a renderer's response is rendered or goes down the browser's download path, and
/// under what file name: the rules of behaviour.md section 6, as pure functions.
package enum DownloadRules {
    /// What to do with a response head.
    package enum Decision: Equatable {
        /// Hand it to the renderer.
        case render
        /// Take the transfer over as a download.
        case download
        /// No MIME type: decide from the first body bytes (``sniffsAsBinary(_:)``).
        case sniff
    }

    /// How many first bytes decide an untyped body.
    package static let sniffLength = 512

    /// MIME types the renderer renders, modelled on Blink's: markup, script, style, JSON, plain
    /// text and images. Everything else (PDF, archives, media, octet streams) is a download.
    package static func isRenderable(mimeType: String) -> Bool {
        let type = mimeType.lowercased()
        if downloadedTextTypes.contains(type) { return false }
        if type.hasPrefix("text/") { return true }
        if type.hasPrefix("image/") { return renderableImages.contains(type) }
        if type.hasSuffix("+xml") || type.hasSuffix("+json") { return true }
        return renderableApplicationTypes.contains(type)
    }

    private static let downloadedTextTypes: Set<String> = [
        "text/csv", "text/calendar", "text/vcard", "text/x-vcard", "text/directory", "text/tab-separated-values",
        "text/x-vcalendar", "text/rtf",
    ]

    private static let renderableImages: Set<String> = [
        "image/png", "image/jpeg", "image/pjpeg", "image/gif", "image/webp", "image/bmp", "image/x-icon",
        "image/vnd.microsoft.icon", "image/svg+xml", "image/avif", "image/apng", "image/x-xbitmap",
    ]

    private static let renderableApplicationTypes: Set<String> = [
        "application/xhtml+xml", "application/xml", "application/json", "application/javascript",
        "application/x-javascript", "application/ecmascript", "application/manifest+json",
    ]

    /// The decision for `response`, a renderer's final response head.
    package static func decision(for response: Response) -> Decision {
        guard (200..<300).contains(response.status) else { return .render }
        if let disposition = response.headers["Content-Disposition"], ContentDisposition(disposition).isAttachment {
            return .download
        }
        if response.mimeType.isEmpty { return .sniff }
        return isRenderable(mimeType: response.mimeType) ? .render : .download
    }

    /// Whether the first bytes of an untyped body look binary (Blink's sniffer: a NUL or a control
    /// character other than tab, line feed, form feed, carriage return and escape).
    package static func sniffsAsBinary(_ bytes: Data) -> Bool {
        bytes.prefix(sniffLength).contains { byte in
            byte < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D, 0x1B].contains(byte)
        }
    }

    /// The file name a download is saved under: from `filename*`, else `filename`, else the
    /// last URL path segment, else `download`; then made safe (``sanitize(_:)``).
    package static func fileName(for response: Response) -> String {
        let disposition = response.headers["Content-Disposition"].map(ContentDisposition.init)
        let fromURL = URL(string: response.url).map { $0.lastPathComponent }.flatMap { $0 == "/" ? nil : $0 }
        for candidate in [disposition?.fileName, fromURL] {
            if let candidate, let safe = sanitize(candidate) { return safe }
        }
        return "download"
    }

    /// `name` made safe to create in the downloads folder, or `nil` when nothing is left: no
    /// directories (only the last component of either separator), no control characters, no
    /// leading dots or trailing dots and spaces, no device names, at most 200 UTF-8 bytes with
    /// the extension kept.
    package static func sanitize(_ name: String) -> String? {
        let lastComponent = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(String.UnicodeScalarView(lastComponent.unicodeScalars.filter {
            $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value)
        }))
        cleaned = cleaned.trimmingCharacters(in: .whitespaces)
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        while cleaned.hasSuffix(".") || cleaned.hasSuffix(" ") { cleaned.removeLast() }
        guard !cleaned.isEmpty else { return nil }
        let stem = cleaned.split(separator: ".", maxSplits: 1).first.map { String($0).uppercased() } ?? ""
        if reservedNames.contains(stem) { cleaned = "_" + cleaned }
        return limited(cleaned, toUTF8Bytes: 200)
    }

    private static let reservedNames: Set<String> = Set(
        ["CON", "PRN", "AUX", "NUL", "CLOCK$"] + (1...9).flatMap { ["COM\($0)", "LPT\($0)"] }
    )

    private static func limited(_ name: String, toUTF8Bytes limit: Int) -> String {
        guard name.utf8.count > limit else { return name }
        let ext = (name as NSString).pathExtension
        let suffix = ext.isEmpty || ext.utf8.count > 20 ? "" : "." + ext
        var stem = String(name.dropLast(suffix.count))
        while stem.utf8.count + suffix.utf8.count > limit { stem.removeLast() }
        return stem + suffix
    }
}

/// A `Content-Disposition` value, parsed as RFC 6266 says, with RFC 8187 `filename*`.
package struct ContentDisposition: Equatable {
    /// The disposition type, lowercased: `attachment`, `inline`, ...
    package var type: String
    /// Parameters by lowercased name; `filename*` already decoded.
    package var parameters: [String: String]

    package init(_ value: String) {
        var rest = Substring(value)
        type = String(rest.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
        rest = rest.drop { $0 != ";" }
        parameters = [:]
        while rest.first == ";" {
            rest.removeFirst()
            let name = String(rest.prefix { $0 != "=" && $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest.drop { $0 != "=" && $0 != ";" }
            guard rest.first == "=" else { continue }
            rest.removeFirst()
            rest = rest.drop { $0 == " " || $0 == "\t" }
            var parameterValue = ""
            if rest.first == "\"" {
                rest.removeFirst()
                while let character = rest.first, character != "\"" {
                    rest.removeFirst()
                    if character == "\\", let escaped = rest.first {
                        parameterValue.append(escaped)
                        rest.removeFirst()
                    } else {
                        parameterValue.append(character)
                    }
                }
                if rest.first == "\"" { rest.removeFirst() }
                rest = rest.drop { $0 != ";" }
            } else {
                parameterValue = String(rest.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
                rest = rest.drop { $0 != ";" }
            }
            if name.hasSuffix("*") {
                if let decoded = Self.decodeExtendedValue(parameterValue) { parameters[name] = decoded }
            } else if parameters[name] == nil {
                parameters[name] = parameterValue
            }
        }
    }

    /// Whether the type is `attachment`.
    package var isAttachment: Bool { type == "attachment" }

    /// `filename*` when it decodes, else `filename`.
    package var fileName: String? { parameters["filename*"] ?? parameters["filename"] }

    /// RFC 8187: `charset'language'percent-encoded`, UTF-8 or ISO-8859-1.
    static func decodeExtendedValue(_ value: String) -> String? {
        let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let charset = parts[0].lowercased()
        var bytes: [UInt8] = []
        var iterator = parts[2].utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        switch charset {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(bytes.map { Character(Unicode.Scalar($0)) })
        default: return nil
        }
    }
}
