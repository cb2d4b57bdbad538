import Foundation
import Testing
import WebRequestKit

@testable import BrowserNetwork

/// A hop's head, read line by line and decided on, without libcurl.
@Suite("Hops: the response head and what it means")
struct HopTests {
    private func parse(_ lines: [String]) -> (ResponseHeadParser, [ResponseHeadParser.Progress]) {
        var parser = ResponseHeadParser()
        let progress = lines.map { line in
            Array(line.utf8).withUnsafeBytes { parser.receive($0) }
        }
        return (parser, progress)
    }

    @Test func aHeadIsReadLineByLine() {
        let (head, progress) = parse(["HTTP/1.1 404 Not Found\r\n", "Content-Type: text/plain\r\n", "X-A:  spaced \t\r\n", "\r\n"])
        #expect(progress == [.more, .more, .more, .ended])
        #expect(head.status == 404)
        #expect(head.statusText == "Not Found")
        #expect(head.headers["content-type"] == "text/plain")
        #expect(head.headers["X-A"] == "spaced")
    }

    /// The status line's code and reason are cut by hand; they must be what splitting the line
    /// on spaces (at most twice, runs of spaces as one) gives, on lines of every spacing.
    @Test func statusLineCutsAreSplitsCuts() {
        var random = SplitMix64(seed: 18)
        let alphabet = Array("HTTP/1.1 200 OK  \t".utf8)
        for _ in 0..<20_000 {
            let line = Array("HTTP/".utf8) + (0..<Int(random.next() % 16)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            line.withUnsafeBytes { bytes in
                let parts = bytes[...].split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
                let (code, reason) = ResponseHeadParser.codeAndReason(bytes[...])
                let text = String(decoding: line, as: UTF8.self).debugDescription
                #expect(code.map(Array.init) == (parts.count > 1 ? Array(parts[1]) : nil), "\(text)")
                #expect(reason.map(Array.init) == (parts.count > 2 ? Array(parts[2]) : nil), "\(text)")
            }
        }
    }

    @Test func statusLinesOfEveryShape() {
        for (line, status, text) in [
            ("HTTP/2 204\r\n", 204, ""), ("HTTP/1.1 200 Very Fine Indeed\r\n", 200, "Very Fine Indeed"),
            ("HTTP/1.0 302 Found\n", 302, "Found"), ("HTTP/1.1 abc Weird\r\n", 0, "Weird"), ("HTTP/1.1\r\n", 0, ""),
            ("HTTP/1.1 200 Gr\u{FC}n\r\n", 200, "Gr\u{FC}n"),
        ] {
            let (head, _) = parse(["HTTP/1.1 500 Earlier\r\n", "X-Earlier: 1\r\n", line])
            #expect(head.status == status, "\(line.debugDescription)")
            #expect(head.statusText == text, "\(line.debugDescription)")
            #expect(head.headers.count == 0, "a status line starts a new head")
        }
    }

    @Test func informationalHeadsAreForgotten() {
        let (head, progress) = parse(["HTTP/1.1 100 Continue\r\n", "X-Early: 1\r\n", "\r\n", "HTTP/1.1 200 OK\r\n", "\r\n"])
        #expect(progress == [.more, .more, .more, .more, .ended])
        #expect(head.status == 200)
        #expect(head.headers["X-Early"] == nil)
    }

    @Test func foldedLinesJoinTheHeaderBefore() {
        let (head, _) = parse(["HTTP/1.1 200 OK\r\n", "X-Long: one\r\n", "\t two\r\n", "\r\n"])
        #expect(head.headers["X-Long"] == "one two")
    }

    @Test func aStatusLineAloneIsATruncatedHead() {
        let (head, progress) = parse(["HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n"])
        #expect(progress == [.more, .more])
        #expect(head.sawStatusLine, "the transfer fails ERR_RESPONSE_HEADERS_TRUNCATED when it ends like this")
        #expect(!ResponseHeadParser().sawStatusLine)
    }

    private let hop = Hop(url: URL(string: "http://a.test:8080/x")!, method: "GET", body: nil, headers: HeaderMap())

    private func decide(
        _ status: Int,
        _ headers: [(String, String)] = [],
        origin: ProcessType = .browser,
        flags: RequestFlags = [],
        revalidating: Bool = false,
        authAttempts: Int = 0,
        retries: Int = 0
    ) -> HopPolicy.Action {
        HopPolicy(origin: origin, flags: flags).action(
            status: status, headers: HeaderMap(headers.map { (name: $0.0, value: $0.1) }), hop: hop,
            revalidating: revalidating, authAttempts: authAttempts, retries: retries
        )
    }

    @Test func redirectsAreFollowedOrStopped() {
        #expect(decide(302, [("Location", "/y")]) == .redirect(location: "/y"))
        #expect(decide(302) == .deliver, "a 3xx without Location is the response")
        #expect(decide(307, [("Location", "/y")], flags: .stopOnRedirect) == .stopAtRedirect(target: "http://a.test:8080/y"))
    }

    @Test func onlyTheBrowserAsksForCredentialsAndOnlyWhenAllowed() {
        let challenge = [("WWW-Authenticate", "Basic realm=\"kingdom\"")]
        let expected = AuthChallenge(isProxy: false, host: "a.test", port: 8080, realm: "kingdom", scheme: "basic")
        #expect(decide(401, challenge, flags: .allowStoredCredentials) == .authenticate(expected))
        #expect(decide(401, challenge) == .deliver, "without ALLOW_STORED_CREDENTIALS")
        #expect(decide(401, challenge, origin: .renderer, flags: .allowStoredCredentials) == .deliver, "never in a renderer")
        #expect(decide(401, challenge, flags: .allowStoredCredentials, authAttempts: HopPolicy.maximumAuthAttempts) == .deliver)
        #expect(decide(401, [("WWW-Authenticate", "Negotiate")], flags: .allowStoredCredentials) == .deliver, "Basic and Digest only")
        let both = [("WWW-Authenticate", "Basic realm=\"b\""), ("WWW-Authenticate", "Digest realm=\"d\", nonce=\"n\"")]
        #expect(
            decide(401, both, flags: .allowStoredCredentials)
                == .authenticate(AuthChallenge(isProxy: false, host: "a.test", port: 8080, realm: "d", scheme: "digest")),
            "Digest before Basic, as Chromium ranks them"
        )
        let proxy = decide(407, [("Proxy-Authenticate", "basic realm=p, charset=UTF-8")], flags: .allowStoredCredentials)
        #expect(proxy == .authenticate(AuthChallenge(isProxy: true, host: "a.test", port: 8080, realm: "p", scheme: "basic")))
    }

    @Test func serverErrorsAreRetriedTwiceByTheBrowserOnly() {
        #expect(decide(503) == .retry)
        #expect(decide(503, retries: 1) == .retry)
        #expect(decide(503, retries: 2) == .deliver)
        #expect(decide(503, origin: .renderer) == .deliver)
        #expect(decide(503, flags: .noRetryOn5xx) == .deliver)
    }

    @Test func aNotModifiedIsTheCachedEntryOnlyWhenTheHopAskedForIt() {
        #expect(decide(304, revalidating: true) == .revalidated)
        #expect(decide(304) == .deliver, "the caller's own conditional request gets the 304 itself")
    }
}
