import CCurl
import Foundation
import Glibc
import Testing
import WebRequestKit

@testable import BrowserNetwork

@Suite("Rule tables: libcurl errors, redirects, referrers")
struct RuleTableTests {
    @Test func curlFailuresMapToChromiumCodes() {
        let table: [(CURLcode, Int32, Bool, NetworkError)] = [
            (CURLE_OK, 0, false, .none),
            (CURLE_UNSUPPORTED_PROTOCOL, 0, false, .invalidHTTPResponse),
            (CURLE_URL_MALFORMAT, 0, false, .invalidURL),
            (CURLE_COULDNT_RESOLVE_HOST, 0, false, .nameNotResolved),
            (CURLE_COULDNT_RESOLVE_PROXY, 0, false, .proxyConnectionFailed),
            (CURLE_COULDNT_CONNECT, ECONNREFUSED, false, .connectionRefused),
            (CURLE_COULDNT_CONNECT, ENETUNREACH, false, .addressUnreachable),
            (CURLE_COULDNT_CONNECT, ETIMEDOUT, false, .connectionTimedOut),
            (CURLE_OPERATION_TIMEDOUT, 0, false, .timedOut),
            (CURLE_GOT_NOTHING, 0, false, .emptyResponse),
            (CURLE_RECV_ERROR, ECONNRESET, false, .connectionReset),
            (CURLE_SEND_ERROR, EPIPE, false, .connectionClosed),
            (CURLE_PARTIAL_FILE, 0, false, .contentLengthMismatch),
            (CURLE_PARTIAL_FILE, 0, true, .incompleteChunkedEncoding),
            (CURLE_WEIRD_SERVER_REPLY, 0, false, .invalidResponse),
            (CURLE_TOO_MANY_REDIRECTS, 0, false, .tooManyRedirects),
            (CURLE_SSL_CONNECT_ERROR, 0, false, .sslProtocolError),
            (CURLE_PEER_FAILED_VERIFICATION, 0, false, .certCommonNameInvalid),
            (CURLE_BAD_CONTENT_ENCODING, 0, false, .contentDecodingFailed),
            (CURLE_ABORTED_BY_CALLBACK, 0, false, .aborted),
            (CURLE_OUT_OF_MEMORY, 0, false, .outOfMemory),
            (CURLE_READ_ERROR, 0, false, .uploadFileChanged),
            (CURLE_LOGIN_DENIED, 0, false, .invalidAuthCredentials),
            (CURLE_HTTP2, 0, false, .http2ProtocolError),
            (CURLE_FAILED_INIT, 0, false, .failed),
        ]
        for (code, osErrno, chunked, expected) in table {
            #expect(CurlErrorMapping.networkError(for: code, osErrno: osErrno, chunked: chunked) == expected, "\(code)")
        }
    }

    @Test func certificateAndHandshakeFailuresMapToChromiumCodes() {
        let verifyResults: [(Int, NetworkError)] = [
            (1, .certCommonNameInvalid), (62, .certCommonNameInvalid), (10, .certDateInvalid), (9, .certDateInvalid),
            (18, .certAuthorityInvalid), (19, .certAuthorityInvalid), (20, .certAuthorityInvalid), (23, .certRevoked),
            (7, .certInvalid),
        ]
        for (result, expected) in verifyResults {
            #expect(CurlErrorMapping.networkError(for: CURLE_PEER_FAILED_VERIFICATION, verifyResult: result) == expected, "\(result)")
        }
        let hungUp = "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to 127.0.0.1:443 "
        #expect(CurlErrorMapping.networkError(for: CURLE_SSL_CONNECT_ERROR, message: hungUp) == .connectionClosed)
        let wrongVersion = "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number"
        #expect(CurlErrorMapping.networkError(for: CURLE_SSL_CONNECT_ERROR, message: wrongVersion) == .sslProtocolError)
    }

    @Test func proxyFailuresMapToChromiumCodes() {
        let http = ProxySettings(url: "http://127.0.0.1:3128"), socks = ProxySettings(url: "socks5://127.0.0.1:1080")
        #expect(CurlErrorMapping.networkError(for: CURLE_COULDNT_CONNECT, osErrno: ECONNREFUSED, proxy: http) == .proxyConnectionFailed)
        #expect(CurlErrorMapping.networkError(for: CURLE_COULDNT_CONNECT, osErrno: ECONNREFUSED, proxy: socks) == .proxyConnectionFailed)
        #expect(CurlErrorMapping.networkError(for: CURLE_COULDNT_CONNECT, osErrno: ECONNREFUSED) == .connectionRefused)
        #expect(CurlErrorMapping.networkError(for: CURLE_PROXY, proxy: socks) == .socksConnectionFailed)
        #expect(CurlErrorMapping.networkError(for: CURLE_PROXY, proxy: http) == .tunnelConnectionFailed)
        #expect(CurlErrorMapping.networkError(for: CURLE_COULDNT_RESOLVE_PROXY, proxy: http) == .proxyConnectionFailed)
    }

    private func hop(_ method: String, body: Bool = true) -> Hop {
        Hop(
            url: URL(string: "http://a.test/dir/page")!,
            method: method,
            body: body ? .bytes(Data("x".utf8)) : nil,
            headers: [("Content-Type", "text/plain"), ("X-Other", "1")]
        )
    }

    @Test func redirectMethodRules() throws {
        for (status, method, expected) in [
            (301, "POST", "GET"), (302, "POST", "GET"), (303, "POST", "GET"), (303, "PUT", "GET"),
            (303, "HEAD", "HEAD"), (301, "PUT", "PUT"), (307, "POST", "POST"), (308, "PUT", "PUT"),
        ] {
            let next = try RedirectRules.follow(hop(method), status: status, location: "/next", redirectsSoFar: 0).get()
            #expect(next.method == expected, "\(status) \(method)")
            #expect((next.body == nil) == (expected == "GET" && method != "GET"))
            #expect((next.headers["Content-Type"] == nil) == (next.body == nil))
            #expect(next.headers["X-Other"] == "1")
            #expect(next.url.absoluteString == "http://a.test/next")
        }
    }

    @Test func redirectTargets() {
        #expect(RedirectRules.resolve("other", against: URL(string: "http://a.test/dir/page")!)?.absoluteString == "http://a.test/dir/other")
        #expect(RedirectRules.resolve("//b.test/x", against: URL(string: "https://a.test/")!)?.absoluteString == "https://b.test/x")
        #expect(RedirectRules.resolve("", against: URL(string: "http://a.test/")!) == nil)
        let unsafe = RedirectRules.follow(hop("GET"), status: 302, location: "file:///etc/passwd", redirectsSoFar: 0)
        #expect(unsafe == .failure(.unsafeRedirect))
        let tooMany = RedirectRules.follow(hop("GET"), status: 302, location: "/x", redirectsSoFar: 20)
        #expect(tooMany == .failure(.tooManyRedirects))
        let invalid = RedirectRules.follow(hop("GET"), status: 302, location: "http://", redirectsSoFar: 0)
        #expect(invalid == .failure(.invalidRedirect))
    }

    @Test func crossOriginRedirectsDropCredentialsAndUnsafePortsFail() throws {
        var start = hop("GET", body: false)
        start.headers = [("Authorization", "Basic x"), ("Cookie", "a=1"), ("X-Keep", "1")]
        let same = try RedirectRules.follow(start, status: 302, location: "/other", redirectsSoFar: 0).get()
        #expect(same.headers["Authorization"] == "Basic x")
        #expect(same.headers["Cookie"] == "a=1")
        let cross = try RedirectRules.follow(start, status: 307, location: "http://b.test/", redirectsSoFar: 0).get()
        #expect(cross.headers["Authorization"] == nil)
        #expect(cross.headers["Cookie"] == nil)
        #expect(cross.headers["X-Keep"] == "1")
        let otherPort = try RedirectRules.follow(start, status: 302, location: "http://a.test:8080/", redirectsSoFar: 0).get()
        #expect(otherPort.headers["Authorization"] == nil, "another port is another origin")
        #expect(RedirectRules.follow(start, status: 302, location: "http://a.test:25/", redirectsSoFar: 0) == .failure(.unsafePort))
    }

    @Test func httpDatesInAllThreeFormats() {
        // RFC 9110 §5.6.7's example, in each format it allows.
        let expected = Date(timeIntervalSince1970: 784_111_777)
        #expect(CachePolicy.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(CachePolicy.httpDate("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(CachePolicy.httpDate("Sun Nov  6 08:49:37 1994") == expected)
        #expect(CachePolicy.httpDate("Thu, 26 Nov 2026 03:43:27 GMT") == Date(timeIntervalSince1970: 1_795_664_607))
        #expect(CachePolicy.httpDate("Sun, 06 Nov 1994 08:49:37 PST") == nil)
        #expect(CachePolicy.httpDate("Sun, 31 Foo 1994 08:49:37 GMT") == nil)
        #expect(CachePolicy.httpDate("Sun, 06 Nov 1994 25:49:37 GMT") == nil)
        #expect(CachePolicy.httpDate("yesterday") == nil)
        #expect(CachePolicy.httpDate("") == nil)
    }

    @Test func referrerPolicies() {
        let referrer = "https://user:pw@a.test/path?q#frag"
        let sameOrigin = URL(string: "https://a.test/other")!
        let crossOrigin = URL(string: "https://b.test/")!
        let downgrade = URL(string: "http://a.test/")!
        let full = "https://a.test/path?q"
        let origin = "https://a.test/"
        let expectations: [(ReferrerPolicy, String?, String?, String?)] = [
            (.clearReferrerOnTransitionFromSecureToInsecure, full, full, nil),
            (.reduceReferrerGranularityOnTransitionCrossOrigin, full, origin, nil),
            (.originOnlyOnTransitionCrossOrigin, full, origin, origin),
            (.neverClearReferrer, full, full, full),
            (.origin, origin, origin, origin),
            (.clearReferrerOnTransitionCrossOrigin, full, nil, nil),
            (.originClearOnTransitionFromSecureToInsecure, origin, origin, nil),
            (.noReferrer, nil, nil, nil),
        ]
        for (policy, same, cross, down) in expectations {
            #expect(ReferrerRules.referrer(referrer, to: sameOrigin, policy: policy) == same, "\(policy) same origin")
            #expect(ReferrerRules.referrer(referrer, to: crossOrigin, policy: policy) == cross, "\(policy) cross origin")
            #expect(ReferrerRules.referrer(referrer, to: downgrade, policy: policy) == down, "\(policy) downgrade")
        }
        #expect(ReferrerRules.referrer("ftp://a.test/", to: sameOrigin, policy: .neverClearReferrer) == nil)
    }
}
