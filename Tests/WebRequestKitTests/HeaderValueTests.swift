import Testing
@testable import WebRequestKit

/// The byte readings of header values (`Response.parseContentType`, trimming) against the
/// rules on characters they stand in for, on random values made of the characters that matter.
@Suite("Header values")
struct HeaderValueTests {
    static let pieces = [
        ";", "=", "\"", " ", "\t", "\r", "\n", "\r\n", "charset", "Charset", "CHARSET", "utf-8", "UTF-8", "text/html", "a", "Z", ",",
        "é", "\u{301}", "İ", "ß", "\u{600}", "日",
    ]

    static func value(_ random: inout SplitMix64) -> String {
        (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    @Test func aContentTypeParsesAsTheRuleOnCharactersSays() {
        var random = SplitMix64(seed: 41)
        var ascii = 0
        for _ in 0..<40_000 {
            let value = Self.value(&random)
            if value.utf8.allSatisfy({ $0 < 0x80 }) { ascii += 1 }
            let parsed = Response.parseContentType(value)
            let reference = Response.parseAnyContentType(value)
            #expect(parsed == reference, "\(Array(value.utf8))")
        }
        #expect(ascii > 10_000, "most values take the byte path: the comparison means something")
        #expect(Response.parseContentType("Text/HTML; Charset=\"UTF-8\"") == ("text/html", "utf-8"))
        #expect(Response.parseContentType("text/plain; charset==x; charset=") == ("text/plain", "=x"))
        #expect(Response.parseContentType("text/plain;=charset=a") == ("text/plain", "a"))
    }

    @Test func trimmingTakesTheCharactersTheRuleOnCharactersTakes() {
        var random = SplitMix64(seed: 43)
        for _ in 0..<40_000 {
            let value = Self.value(&random)
            for set in [" \t", "\"", "\r\n", "\n", "é"] {
                #expect(value.trimmingCharacters(in: set) == value.trimmingEachCharacter(in: set), "\(Array(value.utf8)) \(Array(set.utf8))")
                let sub = value.dropFirst()
                #expect(sub.trimmingCharacters(in: set) == sub.trimmingEachCharacter(in: set))
            }
        }
    }
}
