import BrowserNetwork
import Foundation
import NIOCore
import NIOPosix
import WebRequestKit

/// `browser-host bench`: a loop of small browser-process requests, timed, for the closing
/// numbers of a change (and for `scripts/bench-fetch.sh`, which runs a libcurl baseline beside it).
public enum BrowserBench {
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
        BrowserProcess.initialize()
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
