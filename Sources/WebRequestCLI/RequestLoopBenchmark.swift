public import ArgumentParser
import FoundationEssentials
import NIOCore
import WebRequestKit

/// The `bench` commands: a loop of small requests through ``WebRequest``, timed. The process's
/// backend decides the path: in-process libcurl for `browser-host bench`, IPC to the browser
/// for `render-client bench`. `scripts/bench-fetch.sh` runs both beside a libcurl baseline.
public enum RequestLoopBenchmark {
    /// What one run measured.
    public struct Result: Sendable {
        public var requests: Int
        public var concurrency: Int
        public var failures: Int
        public var seconds: Double
        /// Each request's time from create to completion, in microseconds, sorted.
        public var latencies: [Double] = []
        /// This process's peak resident set size (`VmHWM`) when the run ended, in KiB; `nil`
        /// where `/proc` does not say (a sandboxed renderer).
        public var peakRSSKiB: Int?
        public var requestsPerSecond: Double { Double(requests) / seconds }

        /// The latency below which `fraction` of the requests completed.
        public func latency(percentile fraction: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
        }
    }

    /// Sends `requests` GETs of `url`, `concurrency` at a time, from one event loop. Unless
    /// `useCache`, every request carries ``RequestFlags/disableCache``, so that each one goes to
    /// the network as a plain HTTP client's would.
    public static func run(url: String, requests: Int, concurrency: Int, useCache: Bool = false) async throws -> Result {
        let start = ContinuousClock.now
        return try await onClientEventLoop { (done: EventLoopPromise<Result>) in
            let driver = Driver(request: Request(url: url, flags: useCache ? [] : .disableCache), total: requests) { failures, latencies in
                let seconds = (ContinuousClock.now - start).seconds
                done.succeed(
                    Result(
                        requests: requests, concurrency: concurrency, failures: failures, seconds: seconds,
                        latencies: latencies.sorted(), peakRSSKiB: PeakMemory.ownKiB()
                    )
                )
            }
            for _ in 0..<min(concurrency, requests) { driver.startOne() }
        }
    }

    /// Starts a request whenever one completes, until `total` have completed.
    private final class Driver: WebRequestClient {
        let request: Request
        let total: Int
        let finished: (Int, [Double]) -> Void
        var started = 0
        var completed = 0
        var failures = 0
        var live: [ObjectIdentifier: (request: WebRequest, start: ContinuousClock.Instant)] = [:]
        var latencies: [Double] = []

        init(request: Request, total: Int, finished: @escaping (Int, [Double]) -> Void) {
            self.request = request
            self.total = total
            self.finished = finished
        }

        func startOne() {
            started += 1
            do {
                let start = ContinuousClock.now
                let request = try WebRequest(self.request, client: self)
                live[ObjectIdentifier(request)] = (request, start)
            } catch {
                failures += 1
                webRequestFinished()
            }
        }

        func webRequestDidComplete(_ request: WebRequest) {
            if let entry = live.removeValue(forKey: ObjectIdentifier(request)) {
                latencies.append((ContinuousClock.now - entry.start).seconds * 1e6)
            }
            if request.status != .success || request.response?.status != 200 { failures += 1 }
            webRequestFinished()
        }

        private func webRequestFinished() {
            completed += 1
            if completed == total {
                finished(failures, latencies)
            } else if started < total {
                startOne()
            }
        }
    }
}

extension RequestLoopBenchmark.Result {
    /// The one-line report the `bench` commands print.
    public var summary: String {
        "requests=\(requests) concurrency=\(concurrency) failures=\(failures) "
            + "seconds=\(seconds.fixed(3)) "
            + "requests_per_second=\(requestsPerSecond.fixed(0)) "
            + "p50_us=\(latency(percentile: 0.5).fixed(0)) p99_us=\(latency(percentile: 0.99).fixed(0))"
            + (peakRSSKiB.map { " peak_rss_kib=\($0)" } ?? "")
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// The options of the `bench` commands.
public struct BenchOptions: ParsableArguments, Sendable {
    @Argument(help: "The URL to request.")
    public var url: String

    @Option(help: "How many requests.")
    public var requests = 2000

    @Option(help: "How many in flight at once.")
    public var concurrency = 1

    @Flag(help: "Let the requests use the HTTP cache (by default each carries disable-cache and goes to the network).")
    public var cache = false

    public init() {}

    public func validate() throws {
        guard requests > 0, concurrency > 0 else { throw ValidationError("--requests and --concurrency must be positive") }
    }
}
