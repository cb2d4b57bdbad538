import Foundation
import TestWebServer
import Testing

extension BlackBoxTests {
    /// The cache as scripts see it: `was_cached` across runs of `browser-host fetch`, and through
    /// a renderer's browser context.
    @Suite("HTTP cache through the commands", .serialized)
    struct CacheCommandTests {
        @Test func anOnDiskCacheSurvivesARestart() async throws {
            try await TestWebServer.withServer { server in
                let directory = NSTemporaryDirectory() + "disk-cache-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let url = server.baseURL + "/cache?max_age=600"
                let first = try await ChildProcess.run("browser-host", ["fetch", url, "--context", "kept=\(directory)", "--json"])
                let second = try await ChildProcess.run("browser-host", ["fetch", url, "--context", "kept=\(directory)", "--json"])
                let inMemory = try await ChildProcess.run("browser-host", ["fetch", url, "--context", "fresh", "--json"])
                #expect(first.completion?["was_cached"] as? Bool == false)
                #expect(second.completion?["was_cached"] as? Bool == true)
                #expect(second.completion?["body_sha256"] as? String == first.completion?["body_sha256"] as? String)
                #expect(inMemory.completion?["was_cached"] as? Bool == false)
                #expect(server.hits("/cache") == 2)
                let missing = try await ChildProcess.run("browser-host", ["fetch", server.baseURL + "/cache?max_age=1&other=1", "--flag", "only-from-cache", "--json"])
                #expect(missing.status == 1)
                #expect(missing.completion?["error"] as? String == "ERR_CACHE_MISS")
                #expect(missing.completion?["error_code"] as? Int == -400)
            }
        }

        @Test func renderersUseTheirBrowsersCache() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser(["--context", "work", "--browser", "tab=work"])
                let url = server.baseURL + "/cache?max_age=600&type=text/plain"
                let first = try await browser.render([url, "--json"], browser: "tab")
                let second = try await browser.render([url, "--json"], browser: "tab")
                let otherContext = try await browser.render([url, "--json"])
                #expect(first.completion?["was_cached"] as? Bool == false)
                #expect(second.completion?["was_cached"] as? Bool == true)
                #expect(second.status == 0)
                #expect(otherContext.completion?["was_cached"] as? Bool == false, "the default browser's context is another")
                #expect(server.hits("/cache") == 2)
                let onlyCached = try await browser.render([server.baseURL + "/cache?never=1", "--flag", "only-from-cache", "--json"], browser: "tab")
                #expect(onlyCached.completion?["error"] as? String == "ERR_CACHE_MISS")
                #expect(server.hits("/cache") == 2)
                #expect(browser.stop().status == 0)
            }
        }
    }
}
