import Foundation
import Testing
@testable import WebRequestKit

@Suite("Public values")
struct ValueTests {
    @Test func flagsHaveCEFBits() {
        #expect(RequestFlags.skipCache.rawValue == 1)
        #expect(RequestFlags.onlyFromCache.rawValue == 2)
        #expect(RequestFlags.disableCache.rawValue == 4)
        #expect(RequestFlags.allowStoredCredentials.rawValue == 8)
        #expect(RequestFlags.reportUploadProgress.rawValue == 16)
        #expect(RequestFlags.noDownloadData.rawValue == 32)
        #expect(RequestFlags.noRetryOn5xx.rawValue == 64)
        #expect(RequestFlags.stopOnRedirect.rawValue == 128)
        #expect(RequestFlags(name: "stop-on-redirect") == .stopOnRedirect)
        #expect(RequestFlags(name: "nope") == nil)
    }

    @Test func statusesHaveCEFValues() {
        #expect(RequestStatus.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
    }

    @Test func requestHasCEFDefaults() {
        let request = Request(url: "http://a/")
        #expect(request.method == "GET")
        #expect(request.flags == [])
        #expect(request.resourceType == .subResource)
        #expect(request.resourceType.rawValue == 6)
        #expect(request.transitionType == .explicit)
        #expect(request.transitionType.rawValue == 1)
        #expect(request.referrerPolicy.rawValue == 0)
        #expect(!request.isReadOnly)
    }

    @Test func networkErrorsHaveCEFCodesAndNames() {
        #expect(NetworkError.none.name == "ERR_NONE")
        #expect(NetworkError.aborted.code == -3)
        #expect(NetworkError.aborted.name == "ERR_ABORTED")
        #expect(NetworkError.connectionRefused.code == -102)
        #expect(NetworkError.unknownURLScheme.code == -302)
        #expect(NetworkError.tooManyRedirects.code == -310)
        #expect(NetworkError.unsafeRedirect.code == -311)
        #expect(NetworkError.contentLengthMismatch.code == -354)
        #expect(NetworkError.cacheMiss.name == "ERR_CACHE_MISS")
        #expect(NetworkError(name: "ERR_TIMED_OUT") == .timedOut)
        #expect(NetworkError(code: -9999).name == "ERR_UNKNOWN_9999")
        #expect(Set(NetworkError.allKnown.map(\.code)).count == NetworkError.allKnown.count, "codes are unique")
        #expect(NetworkError.allKnown.allSatisfy { NetworkError(name: $0.name) == $0 })
    }

    @Test func validationNormalisesWhatIsSent() throws {
        let request = Request(url: "http://a/", method: "head", headers: [("Referer", "http://x/"), ("X-A", "1")], postData: .string("b"))
        let sent = try request.validated(for: .browser)
        #expect(sent.method == "POST")
        #expect(sent.headers["Referer"] == nil)
        #expect(sent.headers["x-a"] == "1")
        #expect(sent.isReadOnly)
    }

    @Test func rendererRulesAreStricter() {
        let file = Request(url: "http://a/", method: "POST", postData: .file("/etc/hostname"))
        do {
            _ = try file.validated(for: .renderer)
            Issue.record("a renderer may not send a file element")
        } catch {
            #expect(error.code == .fileElementInRenderer)
        }
        do {
            _ = try Request(url: "http://a/").validated(for: .renderer, hasRequestContext: true)
            Issue.record("a renderer may not name a context")
        } catch {
            #expect(error.code == .requestContextInRenderer)
        }
        #expect((try? file.validated(for: .browser)) != nil)
    }

    @Test func rendererHeadersAndSizesAreLimited() throws {
        func code(_ request: Request) -> WebRequestCreateError.Code? {
            do {
                _ = try request.validated(for: .renderer)
                return nil
            } catch {
                return error.code
            }
        }
        for name in ["Host", "content-length", "Transfer-Encoding", "Connection", "Sec-Fetch-Mode", "Proxy-Authorization", "Origin"] {
            #expect(code(Request(url: "http://a/", headers: [(name, "x")])) == .invalidHeader, "\(name)")
            #expect((try? Request(url: "http://a/", headers: [(name, "x")]).validated(for: .browser)) != nil, "the browser may set \(name)")
        }
        #expect(code(Request(url: "http://a/", headers: [("Cookie", "a=1")])) == .invalidHeader)
        #expect(code(Request(url: "http://a/", headers: [("Cookie", "a=1")], flags: .allowStoredCredentials)) == nil)
        #expect(code(Request(url: "http://a/", headers: HeaderMap((0...128).map { (name: "X-\($0)", value: "v") }))) == .invalidHeader)
        #expect(code(Request(url: "http://a/", headers: [("X-Big", String(repeating: "v", count: 70_000))])) == .invalidHeader)
        #expect(code(Request(url: "http://a/" + String(repeating: "p", count: 70_000))) == .invalidURL)
        #expect((try? Request(url: "http://a/" + String(repeating: "p", count: 70_000)).validated(for: .browser)) != nil)
        #expect(code(Request(url: "http://a/", headers: [("X-Fine", "yes")])) == nil)
    }

    @Test func headerMapIsAnOrderedCaseInsensitiveMultimap() {
        var map: HeaderMap = [("A", "1"), ("b", "2"), ("a", "3")]
        #expect(map["a"] == "1")
        #expect(map.values(for: "A") == ["1", "3"])
        map.set("A", "9", overwrite: false)
        #expect(map.values(for: "a") == ["1", "3"])
        map.set("A", "9")
        #expect(map.entries.map(\.value) == ["9", "2"])
        map.remove("B")
        #expect(map.count == 1)

        // Case is ignored for letters only: `@`/`` ` `` and `[`/`{` differ by the same bit.
        let names: HeaderMap = [("Content-Type", "t"), ("X-@", "at"), ("X-[", "bracket")]
        #expect(names["CONTENT-type"] == "t")
        #expect(names["content-typ"] == nil)
        #expect(names["X-`"] == nil)
        #expect(names["x-@"] == "at")
        #expect(names["X-{"] == nil)
    }

    @Test func contentTypeParsing() {
        #expect(Response.parseContentType("Text/HTML; Charset=\"UTF-8\"") == ("text/html", "utf-8"))
        #expect(Response.parseContentType(nil) == ("", ""))
        #expect(Response(headers: [("content-length", " 42 ")]).expectedContentLength == 42)
        #expect(Response(headers: [("content-length", "-1")]).expectedContentLength == nil)
    }

    /// The byte reading of `expectedContentLength` against the rule it replaced: the first
    /// Content-Encoding, trimmed and lowercased, is absent or `identity`, and the first
    /// Content-Length, trimmed, is what `Int64(_:)` reads as a number of at least 0.
    @Test func expectedContentLengthReadsAsTheStringRule() {
        func rule(_ headers: HeaderMap) -> Int64? {
            if let coding = headers["Content-Encoding"], coding.trimmingSpaces().lowercased() != "identity" { return nil }
            return headers["Content-Length"].flatMap { Int64($0.trimmingSpaces()) }.flatMap { $0 >= 0 ? $0 : nil }
        }
        let lengths = [
            "42", " 42 ", "\t7", "0", "-0", "+5", "-1", "+", "-", "", " ", "4 2", "42a", "0x10", "007",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "١٢", "\u{A0}42", "42\r",
        ]
        let codings = [nil, "identity", " IDENTITY\t", "gzip", "identityx", "", "İdentity"]
        var checked = 0
        for length in lengths {
            for coding in codings {
                var headers: HeaderMap = [("Content-Length", length), ("content-length", "99")]
                if let coding { headers.add("content-ENCODING", coding) }
                #expect(Response(headers: headers).expectedContentLength == rule(headers), "\(length) \(coding ?? "-")")
                checked += 1
            }
        }
        #expect(checked == lengths.count * codings.count)
        #expect(Response(headers: [("Content-Encoding", "gzip"), ("Content-Encoding", "identity"), ("Content-Length", "3")]).expectedContentLength == nil)
    }

    @Test func systemErrorsReadAsTheCLibrarysText() {
        #expect(systemErrorText(ENOSPC) == "No space left on device")
        #expect(systemErrorText(ENOENT) == "No such file or directory")
    }

    @Test func referrerPolicyNames() {
        #expect(ReferrerPolicy(name: "no-referrer") == .noReferrer)
        #expect(ReferrerPolicy(name: "origin") == .origin)
        #expect(ReferrerPolicy(name: "unsafe-url") == .neverClearReferrer)
        #expect(ReferrerPolicy.allCases.allSatisfy { ReferrerPolicy(name: $0.name) == $0 })
    }
}
