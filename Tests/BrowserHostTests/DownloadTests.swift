import Foundation
import Glibc
import TestWebServer
import Testing

extension BlackBoxTests {
    /// Renderer responses that are not for rendering go down the browser's download path.
    @Suite("Download routing", .serialized)
    struct DownloadTests {
        private func patternBytes(_ count: Int) -> Data {
            Data((0..<count).map { UInt8(truncatingIfNeeded: $0) })
        }

        private func downloads(_ browser: ServingBrowser) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: browser.directory + "/downloads")) ?? []).sorted()
        }

        @Test func nonRenderableResponsesAreSavedByteExact() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let cases: [(query: String, file: String)] = [
                    ("type=application/pdf&size=3000&disposition=attachment;%20filename=%22../../x%22", "x"),
                    ("type=text/plain&size=10&disposition=attachment;%20filename=/etc/passwd", "passwd"),
                    ("type=text/plain&size=11&disposition=attachment;%20filename=.bashrc", "bashrc"),
                    ("type=text/plain&size=12&disposition=attachment;%20filename*=UTF-8''a%2500b", "ab"),
                    ("type=text/plain&size=13&disposition=attachment;%20filename*=UTF-8''%25E2%2582%25AC%2520rates.txt", "€ rates.txt"),
                    ("type=application/zip&size=70000&disposition=attachment;%20filename=archive.zip", "archive.zip"),
                    ("type=text/csv&size=40&disposition=inline;%20filename=table.csv", "table.csv"),
                    ("type=&size=600&disposition=inline;%20filename=blob.bin", "blob.bin"),
                    ("type=application/pdf&size=100&disposition=attachment;%20filename=" + String(repeating: "n", count: 300) + ".pdf", String(repeating: "n", count: 196) + ".pdf"),
                ]
                for (index, (query, file)) in cases.enumerated() {
                    let path = "/content"
                    let result = try await browser.render([server.baseURL + path + "?" + query, "--json"])
                    #expect(result.status == 1, "\(query)")
                    #expect(result.events.count == 1, "no data callbacks: \(query)")
                    #expect(result.completion?["status"] as? String == "failed")
                    #expect(result.completion?["error"] as? String == "ERR_ABORTED")
                    #expect(result.completion?["routed_to_download"] as? Bool == true)
                    #expect(result.response?["status"] as? Int == 200, "the head is available")
                    #expect(!result.stdout.contains(browser.directory), "the renderer never learns the path")
                    for _ in 0..<1000 where browser.events("download").count <= index {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    let event = browser.events("download").last
                    #expect(event?["state"] as? String == "complete")
                    #expect(event?["path"] as? String == browser.directory + "/downloads/" + file, "\(query)")
                    let size = Int(query.split(separator: "&").first { $0.hasPrefix("size=") }!.dropFirst(5))!
                    #expect(event?["bytes"] as? Int == size)
                    let saved = FileManager.default.contents(atPath: browser.directory + "/downloads/" + file)
                    #expect(saved == patternBytes(size), "byte-exact: \(file)")
                }
                #expect(server.hits("/content") == cases.count, "one request per download")
                #expect(downloads(browser).allSatisfy { !$0.hasSuffix(".partial") })
                #expect(try await browser.status()["downloads"] == cases.count)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func renderableResponsesReachTheRenderer() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                for query in ["type=text/html&body=text", "type=application/json&body=text", "type=text/plain&body=text", "type=image/png", "type=&body=text"] {
                    let result = try await browser.render([server.baseURL + "/content?size=900&" + query, "--json"])
                    #expect(result.status == 0, "\(query)")
                    #expect(result.completion?["routed_to_download"] as? Bool == false)
                    #expect(result.completion?["body_bytes"] as? Int == 900, "\(query)")
                }
                #expect(downloads(browser).isEmpty)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func browserRequestsAreNeverRouted() async throws {
            try await TestWebServer.withServer { server in
                for query in ["type=application/pdf", "type=application/zip&disposition=attachment", "type="] {
                    let result = try await ChildProcess.run("browser-host", ["fetch", server.baseURL + "/content?size=5000&" + query, "--json"])
                    #expect(result.status == 0)
                    #expect(result.completion?["routed_to_download"] as? Bool == false)
                    #expect(result.completion?["body_bytes"] as? Int == 5000)
                }
            }
        }

        @Test func sameNamesBothSurviveAndCutDownloadsLeaveNothing() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let url = server.baseURL + "/content?type=application/pdf&size=500&disposition=attachment;%20filename=same.pdf"
                _ = try await browser.render([url, "--json"])
                _ = try await browser.render([url, "--json"])
                for _ in 0..<1000 where browser.events("download").count < 2 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(downloads(browser) == ["same (1).pdf", "same.pdf"])

                let cut = try await browser.render([server.baseURL + "/drop?after=100000", "--json"])
                #expect(cut.completion?["routed_to_download"] as? Bool == true)
                for _ in 0..<1000 where browser.events("download").count < 3 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(browser.events("download").last?["state"] as? String == "failed")
                #expect(downloads(browser) == ["same (1).pdf", "same.pdf"], "no partial or complete-looking file is left")
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func anUnwritableDownloadsFolderFailsTheDownloadNotTheBrowser() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                try FileManager.default.removeItem(atPath: browser.directory + "/downloads")
                #expect(FileManager.default.createFile(atPath: browser.directory + "/downloads", contents: Data("not a folder".utf8)))
                let result = try await browser.render([server.baseURL + "/content?type=application/pdf&size=300000", "--json"])
                #expect(result.completion?["routed_to_download"] as? Bool == true)
                for _ in 0..<1000 where browser.events("download").isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                #expect(browser.events("download").first?["state"] as? String == "failed")
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                let healthy = try await browser.render([server.baseURL + "/hello", "--json"])
                #expect(healthy.status == 0)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func aDownloadsFolderRemovedMidDownloadFailsCleanly() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let url = server.baseURL + "/slow?chunks=20&size=1000&delay_ms=100"
                let renderer = try await browser.render([url, "--json"])
                #expect(renderer.completion?["routed_to_download"] as? Bool == true)
                try FileManager.default.removeItem(atPath: browser.directory + "/downloads")
                for _ in 0..<1000 where browser.events("download").isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                let event = browser.events("download").first
                #expect(event?["state"] as? String == "failed")
                #expect(!FileManager.default.fileExists(atPath: browser.directory + "/downloads/slow"))
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func aFullDiskFailsTheDownloadAndLeavesNothing() async throws {
            try await TestWebServer.withServer { server in
                // The browser may not grow a file past 1 MiB: the download's writes fail as on a full disk.
                let browser = try await ServingBrowser(fileSizeLimit: 1024)
                let url = server.baseURL + "/content?type=application/zip&size=4000000&disposition=attachment%3B%20filename%3Dbig.zip"
                let renderer = try await browser.render([url, "--json"])
                #expect(renderer.completion?["routed_to_download"] as? Bool == true)
                for _ in 0..<1000 where browser.events("download").isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                #expect(browser.events("download").first?["state"] as? String == "failed")
                let left = (try? FileManager.default.contentsOfDirectory(atPath: browser.directory + "/downloads")) ?? []
                #expect(left.isEmpty, "neither big.zip nor big.zip.partial remains: \(left)")
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                let small = try await browser.render([server.baseURL + "/content?type=application/zip&size=1000", "--json"])
                #expect(small.completion?["routed_to_download"] as? Bool == true)
                for _ in 0..<1000 where browser.events("download").count < 2 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(browser.events("download").last?["state"] as? String == "complete", "a download that fits still lands")
                #expect(browser.stop().status == 0)
            }
        }

        @Test func anOnDiskContextThatCannotBeCreatedIsAClearError() async throws {
            let file = NSTemporaryDirectory() + "not-a-folder-\(UUID().uuidString)"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let fetch = try await ChildProcess.run("browser-host", ["fetch", "http://127.0.0.1:1/", "--context", "c=\(file)/sub", "--json"])
            #expect(fetch.status == 2)
            #expect(fetch.stderr.contains("--context c=\(file)/sub: \(file)/sub: Not a directory"), "\(fetch.stderr)")
            #expect(fetch.signal == nil, "an error, not a crash")
            let serve = try await ChildProcess.run("browser-host", [
                "serve", "--socket", NSTemporaryDirectory() + "s-\(UUID().uuidString.prefix(6)).sock", "--context", "c=\(file)/sub", "--browser", "tab=c",
            ])
            #expect(serve.status == 2)
            #expect(serve.signal == nil)
            #expect(serve.stderr.contains("Not a directory"), "\(serve.stderr)")
        }
    }
}
