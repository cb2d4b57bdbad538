public import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
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
        public var requestsPerSecond: Double { Double(requests) / seconds }
    }

    /// Sends `requests` GETs of `url`, `concurrency` at a time, from one event loop.
    public static func run(url: String, requests: Int, concurrency: Int) async throws -> Result {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let done = loop.makePromise(of: Result.self)
        let start = ContinuousClock.now
        loop.execute {
            let driver = Driver(url: url, total: requests) { failures in
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                done.succeed(Result(requests: requests, concurrency: concurrency, failures: failures, seconds: seconds))
            }
            for _ in 0..<min(concurrency, requests) { driver.startOne() }
        }
        let result = try await done.futureResult.get()
        try await group.shutdownGracefully()
        return result
    }

    /// Starts a request whenever one completes, until `total` have completed.
    private final class Driver: WebRequestClient {
        let url: String
        let total: Int
        let finished: (Int) -> Void
        var started = 0
        var completed = 0
        var failures = 0
        var live: [ObjectIdentifier: WebRequest] = [:]

        init(url: String, total: Int, finished: @escaping (Int) -> Void) {
            self.url = url
            self.total = total
            self.finished = finished
        }

        func startOne() {
            started += 1
            do {
                let request = try WebRequest(Request(url: url), client: self)
                live[ObjectIdentifier(request)] = request
            } catch {
                failures += 1
                webRequestFinished()
            }
        }

        func webRequestDidComplete(_ request: WebRequest) {
            live[ObjectIdentifier(request)] = nil
            if request.status != .success { failures += 1 }
            webRequestFinished()
        }

        private func webRequestFinished() {
            completed += 1
            if completed == total {
                finished(failures)
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
            + "seconds=\(String(format: "%.3f", seconds)) "
            + "requests_per_second=\(String(format: "%.0f", requestsPerSecond))"
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

    public init() {}

    public func validate() throws {
        guard requests > 0, concurrency > 0 else { throw ValidationError("--requests and --concurrency must be positive") }
    }
}
