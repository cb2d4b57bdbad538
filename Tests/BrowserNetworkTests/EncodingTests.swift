@testable import BrowserNetwork
import CTestCoding
import Foundation
import Synchronization
import TestWebServer
import Testing
import WebRequestKit

@Suite("Content encodings (issue 15)")
struct EncodingTests {
    @Test func theBrowserOffersEveryCodingItDecodes() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/echo"))
            let offered = Set((outcome.echoHeader("Accept-Encoding") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(offered == ["gzip", "deflate", "br", "zstd"])
        }
    }

    /// The browser's User-Agent and Accept-Encoding go with every request, with or without
    /// headers of its own, and give way to a browser-process request's own (one of each name).
    @Test func theBrowsersOwnHeadersGiveWayToTheRequests() async throws {
        try await TestWebServer.withServer { server in
            func sent(_ headers: [(name: String, value: String)]) async throws -> [String: [String]] {
                let outcome = try await Harness.run(Request(url: server.baseURL + "/echo", headers: HeaderMap(headers)))
                let lines = outcome.echo["headers"] as? [[String]] ?? []
                return Dictionary(grouping: lines.filter { $0.count == 2 }, by: { $0[0].lowercased() }).mapValues { $0.map { $0[1] } }
            }
            let plain = try await sent([])
            #expect(plain["user-agent"] == [EasyHandle.userAgent])
            #expect(plain["accept-encoding"] == [ContentDecoder.acceptEncoding])
            let other = try await sent([("X-Other", "1")])
            #expect(other["user-agent"] == [EasyHandle.userAgent])
            #expect(other["accept-encoding"] == [ContentDecoder.acceptEncoding])
            #expect(other["x-other"] == ["1"])
            let own = try await sent([("user-agent", "Mine/1"), ("Accept-Encoding", "identity")])
            #expect(own["user-agent"] == ["Mine/1"])
            #expect(own["accept-encoding"] == ["identity"])
        }
    }

    /// Each coding the browser offers, raw deflate (which some servers send for "deflate"), and
    /// two codings in turn; the header value each arrives with.
    @Test(arguments: [
        ("gzip", "gzip"), ("deflate", "deflate"), ("raw-deflate", "deflate"), ("br", "br"), ("zstd", "zstd"), ("gzip,br", "gzip, br"),
    ])
    func codedBodiesArriveDecodedWithProgressInDecodedBytes(coding: String, header: String) async throws {
        try await TestWebServer.withServer { server in
            let size = 300_000
            let outcome = try await Harness.run(Request(url: server.baseURL + "/encoded/\(coding)?size=\(size)"))
            #expect(outcome.status == .success)
            #expect(outcome.response?.headers["Content-Encoding"] == header)
            let coded = Int(outcome.response?.headers["Content-Length"] ?? "") ?? 0
            #expect(coded > 0 && coded < size)
            #expect(outcome.body.count == size)
            #expect(outcome.body.enumerated().allSatisfy { $0.element == UInt8(truncatingIfNeeded: $0.offset) })
            // Content-Length counts coded bytes, so the total is unknown (-1), as in Chromium.
            #expect(outcome.downloadEvents.last == .download(Int64(size), -1))
        }
    }

    @Test(arguments: ["gzip", "br", "zstd"])
    func aCorruptBodyFailsWithContentDecodingFailed(coding: String) async throws {
        try await TestWebServer.withServer { server in
            let context = try testContext()
            let outcome = try await Harness.run(Request(url: server.baseURL + "/encoded/corrupt?coding=\(coding)"), context: context)
            #expect(outcome.status == .failed)
            #expect(outcome.error == .contentDecodingFailed)
            #expect(outcome.events.last == .complete(.failed, .contentDecodingFailed))
            #expect(try await settled(context))
        }
    }

    @Test(arguments: ["gzip", "br", "zstd"])
    func aBombDecodesNoFasterThanItsConsumerTakes(coding: String) async throws {
        try await TestWebServer.withServer { server in
            // Small: the test process holds all it receives. The bound on decoding is the
            // pauses counted below, not this process's memory.
            let size = 16 << 20
            let pausesBefore = FlowControl.pauses.load(ordering: .relaxed)
            let context = try testContext()
            let outcome = try await Harness.run(Request(url: server.baseURL + "/encoded/bomb?mib=16&coding=\(coding)"), context: context) { client in
                client.onData = { _, _ in usleep(500) }  // slower than the decoder
            }
            #expect(outcome.status == .success)
            #expect(outcome.body.count == size)
            #expect(outcome.body.allSatisfy { $0 == 0 })
            #expect(FlowControl.pauses.load(ordering: .relaxed) > pausesBefore)
            // What the consumer had not taken yet never passed the mark by more than one chunk.
            #expect(FlowControl.peakBacklog.load(ordering: .relaxed) <= FlowControl.highWater + (64 << 10))
            #expect(try await settled(context))
        }
    }

    @Test func unknownCodingsAndIdentityLeaveTheBodyAsItCame() {
        #expect(ContentDecoder(contentEncoding: nil) == nil)
        #expect(ContentDecoder(contentEncoding: "identity") == nil)
        #expect(ContentDecoder(contentEncoding: "compress") == nil)
        #expect(ContentDecoder(contentEncoding: "gzip, compress") == nil, "a chain with one unknown coding is left whole")
        #expect(ContentDecoder(contentEncoding: "gzip, gzip, gzip, gzip, gzip") == nil, "more codings than the browser undoes")
        #expect(ContentDecoder(contentEncoding: "x-gzip") != nil)
        #expect(ContentDecoder(contentEncoding: "GZIP , identity") != nil)
    }

    @Test func theDecoderGivesAtMostAChunkPerCallAndHoldsTheRestCoded() throws {
        // 64 KiB of zstd zeros decode to far more than 64 KiB: one read of a bomb.
        let coded = zstdZeros(count: 8 << 20)
        let decoder = try #require(ContentDecoder(contentEncoding: "zstd"))
        coded.withUnsafeBytes { decoder.take($0) }
        var total = 0
        var calls = 0
        while decoder.isHolding {
            let chunk = try decoder.next()
            #expect(chunk.count <= ContentDecoder.chunkSize)
            total += chunk.count
            calls += 1
        }
        #expect(total == 8 << 20)
        #expect(calls >= (8 << 20) / ContentDecoder.chunkSize)
    }

    @Test func aRendererCannotBeToldAnotherCoding() async throws {
        // Accept-Encoding is the browser's: a renderer may not set it (behaviour.md's forbidden
        // headers), while a browser-process request may.
        let request = Request(url: "http://127.0.0.1:1/", headers: [("Accept-Encoding", "identity")])
        #expect(throws: WebRequestCreateError.self) { try request.validated(for: ProcessType.renderer) }
        #expect(throws: Never.self) { try request.validated(for: ProcessType.browser) }
    }
}

/// `count` zeros in zstd, made through the test server's encoder.
private func zstdZeros(count: Int) -> [UInt8] {
    let zeros = [UInt8](repeating: 0, count: count)
    var output = [UInt8](repeating: 0, count: wrk_test_encoded_bound(count))
    let length = zeros.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { output in
            wrk_test_zstd_encode(input.baseAddress, input.count, output.baseAddress, output.count)
        }
    }
    return Array(output[..<length])
}
