import BrowserNetwork
import Foundation
import Glibc
import NIOCore
import TestWebServer
import Testing
import WebRequestKit

@Suite("Sending (behaviour.md section 4)")
struct SendingTests {
    @Test func getDeliversBodyThenProgressThenOneCompletion() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/hello"), settle: .milliseconds(100))
            #expect(outcome.status == .success)
            #expect(outcome.error == .none)
            #expect(outcome.bodyText == "hello")
            #expect(outcome.events == [.data(5), .download(5, 5), .complete(.success, .none)])
            #expect(outcome.response?.status == 200)
            #expect(outcome.response?.mimeType == "text/plain")
            #expect(outcome.response?.charset == "utf-8")
            #expect(outcome.response?.isReadOnly == true)
            #expect(outcome.request.isReadOnly)
        }
    }

    @Test func largeBodyStreamsInChunksWithThrottledProgress() async throws {
        try await TestWebServer.withServer { server in
            let size = 8 << 20
            let outcome = try await Harness.run(Request(url: server.baseURL + "/bytes/\(size)"))
            #expect(outcome.status == .success)
            #expect(outcome.body.count == size)
            #expect(outcome.body.enumerated().allSatisfy { $0.element == UInt8(truncatingIfNeeded: $0.offset) })
            #expect(outcome.dataEvents > 1)
            // libcurl's 16 KiB callbacks are joined into chunks of up to 256 KiB.
            let chunks = outcome.events.compactMap { if case .data(let count) = $0 { count } else { nil } }
            #expect(chunks.max() ?? 0 > 16 << 10)
            #expect(chunks.max() ?? 0 <= 256 << 10)
            #expect(outcome.downloadEvents.count <= outcome.dataEvents)
            #expect(outcome.downloadEvents.last == .download(Int64(size), Int64(size)))
            // A body of unknown length is joined into chunks of at most 64 KiB: no larger a
            // buffer for what may be small.
            let unsized = 2_000_000
            let chunked = try await Harness.run(Request(url: server.baseURL + "/chunked/\(unsized)"))
            #expect(chunked.body.count == unsized)
            #expect(chunked.downloadEvents.last == .download(Int64(unsized), -1))
            let unsizedChunks = chunked.events.compactMap { if case .data(let count) = $0 { count } else { nil } }
            #expect(unsizedChunks.max() ?? 0 <= 64 << 10)
        }
    }

    /// A large body's partial chunk may wait across the network thread's turns for more bytes,
    /// but only a millisecond: a server that pauses still has every byte it sent delivered. Five
    /// pieces of 64 KiB, half a second apart, of a 320 KiB body (so its chunks are 256 KiB): the
    /// bytes received reach the end of each piece before the next is sent. Held until the chunk
    /// filled, they would reach 256 KiB only with the fourth piece.
    @Test func aLargeBodyThatPausesIsDeliveredUpToWhatArrived() async throws {
        try await TestWebServer.withServer { server in
            let piece = 64 << 10
            let outcome = try await Harness.run(Request(url: server.baseURL + "/slow?chunks=5&size=\(piece)&delay_ms=500"))
            #expect(outcome.status == .success)
            #expect(outcome.body.count == 5 * piece)
            let chunks = outcome.events.compactMap { if case .data(let count) = $0 { count } else { nil } }
            let received = chunks.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1) }
            #expect((1...5).allSatisfy { received.contains($0 * piece) }, "bytes received after each chunk: \(received)")
        }
    }

    @Test func postBytesIsSentWithFormContentType() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/echo", method: "post", postData: .string("the_post_data"))
            )
            #expect(outcome.echo["method"] as? String == "POST")
            #expect(outcome.echo["body_bytes"] as? Int == 13)
            #expect(outcome.echoHeader("Content-Type") == "application/x-www-form-urlencoded")
            #expect(outcome.request.method == "POST")
        }
    }

    @Test func getWithBodyIsSentAsPost() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/echo", postData: .string("x")))
            #expect(outcome.echo["method"] as? String == "POST")
            #expect(outcome.request.method == "POST")
        }
    }

    /// libcurl 7.88 asks before sending a body over 1 MiB (`Expect: 100-continue`) and waits for
    /// the server's `100`; Chromium sends the body at once, and so does the browser.
    @Test func aLargeBodyGoesWithoutAskingFirst() async throws {
        try await TestWebServer.withServer { server in
            let body = Data(count: (1 << 20) + 1)
            let outcome = try await Harness.run(Request(url: server.baseURL + "/echo", method: "POST", postData: PostData([.bytes(body)])))
            #expect(outcome.echo["body_bytes"] as? Int == body.count)
            #expect(outcome.echoHeader("Expect") == nil)
        }
    }

    @Test func putAndDeleteKeepTheirMethodAndBody() async throws {
        try await TestWebServer.withServer { server in
            for method in ["PUT", "DELETE"] {
                let outcome = try await Harness.run(
                    Request(url: server.baseURL + "/echo", method: method, headers: [("Content-Type", "text/plain")], postData: .string("abc"))
                )
                #expect(outcome.echo["method"] as? String == method)
                #expect(outcome.echo["body_bytes"] as? Int == 3)
                #expect(outcome.echoHeader("Content-Type") == "text/plain")
            }
            let bare = try await Harness.run(Request(url: server.baseURL + "/echo", method: "delete"))
            #expect(bare.echo["method"] as? String == "DELETE")
        }
    }

    @Test func fileElementIsReadByTheBrowserWithAGuessedType() async throws {
        try await TestWebServer.withServer { server in
            let path = NSTemporaryDirectory() + "upload-\(UUID().uuidString).txt"
            let contents = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
            try contents.write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let outcome = try await Harness.run(
                Request(
                    url: server.baseURL + "/echo",
                    method: "POST",
                    postData: .file(path),
                    flags: .reportUploadProgress
                )
            )
            #expect(outcome.echo["body_bytes"] as? Int == contents.count)
            #expect(outcome.echoHeader("Content-Type") == "text/plain")
            let uploads = outcome.uploadEvents
            #expect(uploads.last == .upload(300_000, 300_000))
            let firstDownload = outcome.events.firstIndex { if case .download = $0 { true } else { false } }
            let lastUpload = outcome.events.lastIndex { if case .upload = $0 { true } else { false } }
            #expect(lastUpload! < firstDownload!)
        }
    }

    @Test func missingUploadFileFails() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/echo", method: "POST", postData: .file("/nonexistent/file.bin"))
            )
            #expect(outcome.status == .failed)
            #expect(outcome.error == .fileNotFound)
            #expect(server.hits("/echo") == 0)
        }
    }

    @Test func uploadProgressOnlyWithTheFlag() async throws {
        try await TestWebServer.withServer { server in
            let without = try await Harness.run(Request(url: server.baseURL + "/echo", method: "POST", postData: .string("abc")))
            #expect(without.uploadEvents.isEmpty)
            let with = try await Harness.run(
                Request(url: server.baseURL + "/echo", method: "POST", postData: .string("abc"), flags: .reportUploadProgress)
            )
            #expect(with.uploadEvents.last == .upload(3, 3))
        }
    }

    @Test func headGivesHeadersWithoutProgressOrData() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/bytes/1000", method: "HEAD"))
            #expect(outcome.events == [.complete(.success, .none)])
            #expect(outcome.response?.headers["Content-Length"] == "1000")
        }
    }

    @Test func noDownloadDataGivesOneProgressWithTheLength() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/bytes/5000", flags: .noDownloadData)
            )
            #expect(outcome.events == [.download(0, 5000), .complete(.success, .none)])
            #expect(outcome.response?.status == 200)
        }
    }

    @Test(arguments: [404, 500])
    func httpErrorsAreSuccessWithTheirBody(code: Int) async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/status/\(code)", flags: .noRetryOn5xx)
            )
            #expect(outcome.status == .success)
            #expect(outcome.error == .none)
            #expect(outcome.response?.status == code)
            #expect(outcome.bodyText == "status \(code)\n")
        }
    }

    @Test func fiveHundredsAreRetriedTwiceUnlessTheFlagSaysNot() async throws {
        try await TestWebServer.withServer { server in
            _ = try await Harness.run(Request(url: server.baseURL + "/status/503"))
            #expect(server.hits("/status/503") == 3)
            _ = try await Harness.run(Request(url: server.baseURL + "/status/502", flags: .noRetryOn5xx))
            #expect(server.hits("/status/502") == 1)
            _ = try await Harness.run(Request(url: server.baseURL + "/status/404"))
            #expect(server.hits("/status/404") == 1)
        }
    }

    @Test func referrerFollowsPolicyAndCannotBeSetAsAHeader() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(
                    url: server.baseURL + "/echo",
                    headers: [("Referer", "http://evil.example/")],
                    referrerURL: "http://user:pw@127.0.0.1:1/page?q=1#frag",
                    referrerPolicy: .origin
                )
            )
            #expect(outcome.echoHeader("Referer") == "http://127.0.0.1:1/")
            #expect(outcome.request.headers["Referer"] == nil)
            let none = try await Harness.run(
                Request(url: server.baseURL + "/echo", referrerURL: "http://127.0.0.1:1/page", referrerPolicy: .noReferrer)
            )
            #expect(none.echoHeader("Referer") == nil)
        }
    }

    @Test func headersKeepTheirOrder() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/echo", headers: [("X-One", "1"), ("X-Two", "2"), ("X-One", "3")])
            )
            let headers = (outcome.echo["headers"] as? [[String]] ?? []).filter { $0[0].hasPrefix("X-") }
            #expect(headers == [["X-One", "1"], ["X-Two", "2"], ["X-One", "3"]])
        }
    }

    @Test func unsafePortsAreNeverContacted() async throws {
        let direct = try await Harness.run(Request(url: "http://127.0.0.1:6000/"))
        #expect(direct.events == [.complete(.failed, .unsafePort)])
        try await TestWebServer.withServer { server in
            let redirected = try await Harness.run(Request(url: server.baseURL + "/redirect/302?to=http://127.0.0.1:25/"))
            #expect(redirected.events == [.complete(.failed, .unsafePort)])
        }
    }

    @Test func crossOriginRedirectsLeaveCredentialsBehind() async throws {
        try await TestWebServer.withServer { first in
            try await TestWebServer.withServer { second in
                let outcome = try await Harness.run(
                    Request(
                        url: first.baseURL + "/redirect/307?to=\(second.baseURL)/echo",
                        method: "POST",
                        headers: [("Authorization", "Basic c2VjcmV0"), ("Cookie", "session=1"), ("X-Keep", "yes")],
                        postData: .string("body")
                    )
                )
                #expect(outcome.echoHeader("Authorization") == nil)
                #expect(outcome.echoHeader("Cookie") == nil)
                #expect(outcome.echoHeader("X-Keep") == "yes")
                #expect(outcome.echo["body_bytes"] as? Int == 4, "a 307 keeps the body")
            }
        }
    }

    @Test func unknownSchemeFailsWithoutProgress() async throws {
        let outcome = try await Harness.run(Request(url: "foo://invalidurl"))
        #expect(outcome.events == [.complete(.failed, .unknownURLScheme)])
        #expect(outcome.response == nil)
    }
}

@Suite("Network failures map to CEF's codes")
struct FailureTests {
    @Test func connectionRefused() async throws {
        // A port bound but not listening refuses connections, and no other test can take it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let port = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> UInt16 in
                guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else { return 0 }
                return UInt16(bigEndian: pointer.pointee.sin_port)
            }
        }
        #expect(port != 0)
        let outcome = try await Harness.run(Request(url: "http://127.0.0.1:\(port)/"))
        #expect(outcome.events == [.complete(.failed, .connectionRefused)])
    }

    @Test func nameNotResolved() async throws {
        let outcome = try await Harness.run(Request(url: "http://no-such-host.invalid/"))
        #expect(outcome.status == .failed)
        #expect(outcome.error == .nameNotResolved)
    }

    @Test func closedWithoutResponseIsEmptyResponse() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/close"))
            #expect(outcome.error == .emptyResponse)
        }
    }

    @Test func closedMidHeadersIsTruncatedHeaders() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/drop-headers"))
            #expect(outcome.status == .failed)
            #expect(outcome.error == .responseHeadersTruncated)
            #expect(outcome.response == nil, "half a head is never presented as a response")
            #expect(outcome.body.isEmpty)
        }
    }

    @Test func serverThatLiesAboutContentLength() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/drop?after=5000"))
            #expect(outcome.status == .failed)
            #expect(outcome.error == .contentLengthMismatch)
            #expect(outcome.body.count == 5000)
            #expect(outcome.downloadEvents.last == .download(5000, 10000))
        }
    }
}
