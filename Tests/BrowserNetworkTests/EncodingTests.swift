import BrowserNetwork
import Foundation
import TestWebServer
import Testing
import WebRequestKit

@Suite("Content encodings (issue 15)")
struct EncodingTests {
    @Test func theBrowserOffersEveryCodingLibcurlDecodes() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/echo"))
            let offered = Set((outcome.echoHeader("Accept-Encoding") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(offered.isSuperset(of: ["gzip", "deflate", "br", "zstd"]))
        }
    }

    @Test(arguments: ["gzip", "deflate"])
    func codedBodiesArriveDecodedWithProgressInDecodedBytes(coding: String) async throws {
        try await TestWebServer.withServer { server in
            let size = 300_000
            let outcome = try await Harness.run(Request(url: server.baseURL + "/encoded/\(coding)?size=\(size)"))
            #expect(outcome.status == .success)
            #expect(outcome.response?.headers["Content-Encoding"] == coding)
            let coded = Int(outcome.response?.headers["Content-Length"] ?? "") ?? 0
            #expect(coded > 0 && coded < size)
            #expect(outcome.body.count == size)
            #expect(outcome.body.enumerated().allSatisfy { $0.element == UInt8(truncatingIfNeeded: $0.offset) })
            // Content-Length counts coded bytes, so the total is unknown (-1), as in Chromium.
            #expect(outcome.downloadEvents.last == .download(Int64(size), -1))
        }
    }

    @Test func aCorruptBodyFailsWithContentDecodingFailed() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/encoded/corrupt"))
            #expect(outcome.status == .failed)
            #expect(outcome.error == .contentDecodingFailed)
            #expect(outcome.events.last == .complete(.failed, .contentDecodingFailed))
            #expect(try await eventually { BrowserProcess.transfersInFlight == 0 })
        }
    }

    @Test func aRendererCannotBeToldAnotherCoding() async throws {
        // Accept-Encoding is the browser's: a renderer may not set it (behaviour.md's forbidden
        // headers), while a browser-process request may.
        let request = Request(url: "http://127.0.0.1:1/", headers: [("Accept-Encoding", "identity")])
        #expect(throws: WebRequestCreateError.self) { try request.validated(for: ProcessType.renderer) }
        #expect(throws: Never.self) { try request.validated(for: ProcessType.browser) }
    }
}
