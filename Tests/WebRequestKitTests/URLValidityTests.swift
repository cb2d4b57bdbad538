import Foundation
import Testing

@testable import WebRequestKit

@Suite("URL validity")
struct URLValidityTests {
    @Test func plainWebURLsTakeTheQuickPath() {
        for url in [
            "http://127.0.0.1:8080/bytes/1024?n=17", "HTTPS://Example.COM", "http://a", "https://a-b.c:443/",
            "http://a/p/a/t/h;x=1?q=a+b&c=%2F#frag:@/?", "http://a?x", "http://a#f", "http://0.0.0.0:1/~user/$(x)*,!'",
        ] {
            #expect(PlainWebURL.matches(url), "\(url)")
            #expect(Request.isValidURL(url), "\(url)")
        }
    }

    @Test func otherURLsTakeTheFullParse() {
        let accepted = [
            "http://user:pw@a/", "http://[::1]:8080/", "http://%41/", "http://a/b c", "http://a/é", "http://a/#x#y",
            "http://a/%zz", "http://a/{}", "ftp://a/", "mailto:someone@example.com", "data:text/plain,hi", "http://a:123456/",
        ]
        let refused = [
            "http://", "http:///p", "http://@/", "http://:80/", "not a url", "", "://a", "1http://a/", "http://%FF/",
            "http\u{1A}//a/", "http:\u{0F}\u{0F}a/",  // a byte that equals ":" or "/" once 0x20 is set
        ]
        for url in accepted + refused {
            #expect(!PlainWebURL.matches(url), "\(url)")
            #expect(Request.isValidURL(url) == (Request.parsedURL(url) != nil), "\(url)")
        }
        for url in refused { #expect(!Request.isValidURL(url), "\(url)") }
        #expect(Request.isValidURL("http://a/b c"))
    }

    /// The quick path may only say yes where Foundation's parse says yes: strings built from
    /// the pieces of both shapes (or of the plain one alone) at random (seeded, so a failure repeats).
    @Test func theQuickPathNeverAcceptsWhatTheParseRefuses() {
        let starts = ["http://", "https://", "HtTp://", "http\u{1A}//", "http:\u{0F}/", "http:/", "http:", "https//", "htp://", "http://a", "http://a.b:", "http://1.2.3.4:65535"]
        let pieces = [
            "a", "Z", "9", ".", "-", "_", "~", "/", "?", "#", ":", "@", "[", "]", "%", "%4", "%41", "%zz", "%FF", "%00", " ",
            "\"", "<", ">", "\\", "^", "`", "{", "|", "}", "é", "\u{7F}", "\u{1}", "!", "$", "&", "'", "(", ")", "*", "+",
            ",", ";", "=", "::1", "99999", "0", "..", "--",
        ]
        let plainPieces = pieces.filter { PlainWebURL.matches("http://a/" + $0) }
        var random = SplitMix64(seed: 0x5EED_0FF1CE)
        var quick = 0
        for _ in 0..<40_000 {
            var url = starts.randomElement(using: &random)!
            let choices = Bool.random(using: &random) ? pieces : plainPieces
            for _ in 0..<Int.random(in: 0...7, using: &random) { url += choices.randomElement(using: &random)! }
            let parses = Request.parsedURL(url) != nil
            if PlainWebURL.matches(url) {
                quick += 1
                #expect(parses, "the quick path accepts \(url.debugDescription), which does not parse")
            }
            #expect(Request.isValidURL(url) == parses, "\(url.debugDescription)")
        }
        #expect(quick > 1_500, "only \(quick) strings took the quick path: the test no longer tests it")
    }

    /// `WrittenHost` refuses hosts that `URLComponents` refuses once Foundation is loaded, as in
    /// this test process and the browser; so here, as in the browser, it must change no verdict.
    /// (A renderer loads FoundationEssentials alone, where the parse alone would accept them; the
    /// parity tests send such hosts through each renderer.)
    @Test func theHostRuleChangesNoVerdictWhereFoundationIsLoaded() {
        let hosts = [
            "a", "Z", "9", ".", "-", "_", "~", "%41", "%zz", "%", "%4", " ", "[", "]", "[::1]", "[::1", "::1]", "[v1.x]", "[fe80::1%25e]", "\"", "<", ">", "\\", "^", "`",
            "{", "|", "}", "é", "ä", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", "\u{7F}", "\u{1}",
        ]
        let around = ["", "u@", "u:p@", "@"]
        let after = ["", "/", ":80/", ":x/", "?q", "#f", "/p q"]
        var random = SplitMix64(seed: 0x4057)
        for _ in 0..<20_000 {
            var host = ""
            for _ in 0..<Int.random(in: 1...4, using: &random) { host += hosts.randomElement(using: &random)! }
            let url = ["http://", "https://", "ftp://"].randomElement(using: &random)! + around.randomElement(using: &random)! + host
                + after.randomElement(using: &random)!
            let foundation = URLComponents(string: url).map { components in
                let scheme = components.scheme ?? ""
                return !scheme.isEmpty && components.url != nil && (!["http", "https"].contains(scheme.lowercased()) || !(components.host ?? "").isEmpty)
            } ?? false
            #expect((Request.parsedURL(url) != nil) == foundation, "\(url.debugDescription)")
        }
    }
}
