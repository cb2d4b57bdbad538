import Testing
import TestWebServer

extension BlackBoxTests {
    /// `browser-host bench`: a loop of small requests, as the benchmarks run it.
    @Suite("browser-host bench", .serialized)
    struct BenchCommandTests {
        /// A browser process serves requests for as long as it runs: what one request leaves
        /// behind must be freed, or memory grows with every request. A `ContentDecoder` that
        /// found nothing to decode once kept its 16 KiB output buffer, about 4 KiB of RSS per
        /// request (1 GiB after a quarter of a million small requests).
        @Test func memoryDoesNotGrowWithTheNumberOfRequests() async throws {
            try await TestWebServer.withServer { server in
                // The peak as the process itself reads it when the run ends (`peak_rss_kib`):
                // sampling from here can miss a short run while other suites load the machine.
                func peakKiB(_ requests: Int) async throws -> Int {
                    let result = try await ChildProcess.run(
                        "browser-host", ["bench", server.baseURL + "/bytes/1024", "--requests", "\(requests)", "--concurrency", "8"]
                    )
                    #expect(result.status == 0)
                    #expect(result.stdout.contains("failures=0"), "\(result.stdout)")
                    let field = result.stdout.split(separator: " ").first { $0.hasPrefix("peak_rss_kib=") }
                    return try #require(field.flatMap { Int($0.dropFirst("peak_rss_kib=".count).prefix { $0.isNumber }) }, "\(result.stdout)")
                }
                let short = try await peakKiB(1000)
                let long = try await peakKiB(9000)
                #expect(long - short < 8 << 10, "peak RSS \(short) KiB after 1,000 requests, \(long) KiB after 9,000")
            }
        }
    }
}
