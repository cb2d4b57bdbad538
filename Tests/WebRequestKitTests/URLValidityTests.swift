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
}
