extension Sequence<UInt8> {
    /// The bytes as lowercase hex digits, two a byte: a digest as `fetch --json` prints it and
    /// the HTTP cache names its files, or a percent escape's digits. Written by hand, not with
    /// `String(format:)`, which FoundationEssentials (all a renderer loads) does not have.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
