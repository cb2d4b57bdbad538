import Foundation
import Testing
import WebRequestKit

@testable import BrowserHostCore

@Suite("Download rules: what renders, what downloads, under which name")
struct DownloadRulesTests {
    private func response(_ type: String?, disposition: String? = nil, status: Int = 200, url: String = "http://a.test/dir/file.bin") -> Response {
        var headers = HeaderMap()
        if let type { headers.add("Content-Type", type) }
        if let disposition { headers.add("Content-Disposition", disposition) }
        let (mime, charset) = Response.parseContentType(type)
        return Response(status: status, mimeType: mime, charset: charset, url: url, headers: headers)
    }

    @Test func renderableTypesRenderAndTheRestDownload() {
        for type in ["text/html", "text/plain", "application/json", "text/css", "text/javascript", "application/xhtml+xml", "image/png", "image/svg+xml", "application/ld+json"] {
            #expect(DownloadRules.decision(for: response(type)) == .render, "\(type)")
        }
        for type in ["application/pdf", "application/zip", "application/octet-stream", "text/csv", "text/calendar", "video/mp4", "image/x-unknown-raw"] {
            #expect(DownloadRules.decision(for: response(type)) == .download, "\(type)")
        }
        #expect(DownloadRules.decision(for: response(nil)) == .sniff)
        #expect(DownloadRules.decision(for: response("text/html", disposition: "attachment")) == .download)
        #expect(DownloadRules.decision(for: response("application/pdf", disposition: "inline")) == .download)
        #expect(DownloadRules.decision(for: response("text/html", disposition: "inline; filename=a.html")) == .render)
        #expect(DownloadRules.decision(for: response("application/zip", status: 404)) == .render, "error pages are rendered")
    }

    @Test func sniffing() {
        #expect(DownloadRules.sniffsAsBinary(Data([0x50, 0x4B, 0x03, 0x04, 0x00])))
        #expect(!DownloadRules.sniffsAsBinary(Data("<html>\n\thello\r\n".utf8)))
    }

    @Test func contentDispositionFollowsRFC6266And8187() {
        let plain = ContentDisposition("attachment; filename=\"a \\\"quoted\\\" name.txt\"")
        #expect(plain.isAttachment)
        #expect(plain.fileName == "a \"quoted\" name.txt")
        let extended = ContentDisposition("ATTACHMENT; filename=fallback.txt; filename*=UTF-8''%E2%82%AC%20rates.txt")
        #expect(extended.isAttachment)
        #expect(extended.fileName == "€ rates.txt", "filename* wins over filename")
        let latin = ContentDisposition("attachment; filename*=iso-8859-1'en'%A3%20rates.txt")
        #expect(latin.fileName == "£ rates.txt")
        let broken = ContentDisposition("attachment; filename*=UTF-8''%FF%FE; filename=ok.txt")
        #expect(broken.fileName == "ok.txt", "an undecodable filename* falls back")
        #expect(!ContentDisposition("inline").isAttachment)
    }

    @Test func hostileNamesAreMadeSafe() {
        #expect(DownloadRules.sanitize("../../x") == "x")
        #expect(DownloadRules.sanitize("/etc/passwd") == "passwd")
        #expect(DownloadRules.sanitize("..\\..\\windows\\system.ini") == "system.ini")
        #expect(DownloadRules.sanitize(".bashrc") == "bashrc")
        #expect(DownloadRules.sanitize("a\u{0}b") == "ab")
        #expect(DownloadRules.sanitize("line\nbreak.txt") == "linebreak.txt")
        #expect(DownloadRules.sanitize("CON.txt") == "_CON.txt")
        #expect(DownloadRules.sanitize("..") == nil)
        #expect(DownloadRules.sanitize("trailing. . ") == "trailing")
        let long = String(repeating: "é", count: 300) + ".pdf"
        let limited = DownloadRules.sanitize(long)
        #expect(limited?.hasSuffix(".pdf") == true)
        #expect((limited?.utf8.count ?? 0) <= 200)
        #expect(DownloadRules.sanitize("résumé €.txt") == "résumé €.txt")
    }

    @Test func fileNameComesFromTheDispositionThenTheURL() {
        #expect(DownloadRules.fileName(for: response("application/pdf", disposition: "attachment; filename=r.pdf")) == "r.pdf")
        #expect(DownloadRules.fileName(for: response("application/pdf")) == "file.bin")
        #expect(DownloadRules.fileName(for: response("application/pdf", url: "http://a.test/")) == "download")
        #expect(DownloadRules.fileName(for: response("application/pdf", disposition: "attachment; filename=\"..\"", url: "http://a.test/")) == "download")
    }

    @Test func collisionsGetNumbers() {
        #expect(DownloadManager.uniqueName("/d/x.txt", 0) == "/d/x.txt")
        #expect(DownloadManager.uniqueName("/d/x.txt", 2) == "/d/x (2).txt")
        #expect(DownloadManager.uniqueName("/d/x", 1) == "/d/x (1)")
    }
}

@Suite("The download manager and its handler")
struct DownloadManagerTests {
    final class Recorder: DownloadHandler, @unchecked Sendable {
        let decision: DownloadDecision
        let lock = NSLock()
        var updates: [DownloadItem] = []
        var suggested: String?

        init(_ decision: DownloadDecision) {
            self.decision = decision
        }

        func beforeDownload(_ item: DownloadItem, suggestedPath: String) -> DownloadDecision {
            lock.withLock { suggested = suggestedPath }
            return decision
        }

        func downloadUpdated(_ item: DownloadItem) {
            lock.withLock { updates.append(item) }
        }
    }

    private let head = Response(
        status: 200,
        mimeType: "application/pdf",
        url: "http://a.test/report.pdf",
        headers: [("Content-Length", "6")]
    )

    @Test func theHandlerCanCancel() {
        let recorder = Recorder(.cancel)
        let finished = NSLock()
        nonisolated(unsafe) var ended: [DownloadItem] = []
        let manager = DownloadManager(directory: NSTemporaryDirectory(), handler: recorder) { item in finished.withLock { ended.append(item) } }
        #expect(manager.begin(response: head, renderer: 1) {} == nil)
        #expect(finished.withLock { ended.map(\.state) } == [.canceled])
        #expect(recorder.suggested == (NSTemporaryDirectory() as NSString).appendingPathComponent("report.pdf"))
    }

    @Test func theHandlerCanChooseThePathAndHearsProgress() async throws {
        let directory = NSTemporaryDirectory() + "chosen-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = Recorder(.acceptAt(path: directory + "/mine.pdf"))
        let done = AsyncStream.makeStream(of: DownloadItem.self)
        let manager = DownloadManager(directory: "/nonexistent", handler: recorder) { item in
            done.continuation.yield(item)
        }
        let download = try #require(manager.begin(response: head, renderer: 7) {})
        download.write(Data("abc".utf8), delivered: nil)
        download.write(Data("def".utf8), delivered: nil)
        download.finish(.success)
        var iterator = done.stream.makeAsyncIterator()
        let item = await iterator.next()
        #expect(item?.state == .complete)
        #expect(item?.path == directory + "/mine.pdf")
        #expect(item?.receivedBytes == 6)
        #expect(item?.totalBytes == 6)
        #expect(item?.renderer == 7)
        #expect(FileManager.default.contents(atPath: directory + "/mine.pdf") == Data("abcdef".utf8))
        #expect(recorder.lock.withLock { recorder.updates.map(\.receivedBytes) } == [3, 6, 6])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["mine.pdf"])
    }
}
