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
                func bench(_ requests: Int) async throws -> ChildProcess.Result {
                    let result = try await ChildProcess.run(
                        "browser-host", ["bench", server.baseURL + "/bytes/1024", "--requests", "\(requests)", "--concurrency", "8"]
                    )
                    #expect(result.status == 0)
                    #expect(result.stdout.contains("failures=0"), "\(result.stdout)")
                    return result
                }
                let short = try await bench(1000)
                let long = try await bench(9000)
                let growth = long.maxRSSKiB - short.maxRSSKiB
                #expect(growth < 8 << 10, "peak RSS \(short.maxRSSKiB) KiB after 1,000 requests, \(long.maxRSSKiB) KiB after 9,000")
            }
        }
    }
}
