// Clients D (URLSession) and E (AsyncHTTPClient) of scripts/bench.sh. Prints the same key=value
// line as the project's `bench` commands and curl-multi-bench.
//
//   http-bench urlsession|ahc small URL REQUESTS CONCURRENCY
//   http-bench urlsession|ahc download URL
//   http-bench urlsession|ahc upload URL BYTES      (a PUT of BYTES zero bytes)
import AsyncHTTPClient
import Foundation
import NIOCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

protocol BenchClient: Sendable {
    /// GETs `url`; returns whether it answered 200.
    func get(_ url: URL) async -> Bool
    /// GETs `url` and counts its body without keeping it.
    func download(_ url: URL) async throws -> Int64
    /// PUTs `bytes` zero bytes to `url` without holding them all.
    func upload(_ url: URL, bytes: Int64) async throws
    func shutdown() async throws
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

// MARK: URLSession

final class URLSessionClient: NSObject, BenchClient, URLSessionDataDelegate, @unchecked Sendable {
    private var session: URLSession!
    private let lock = NSLock()
    private var received: [Int: Int64] = [:]
    private var finished: [Int: CheckedContinuation<Int64, any Error>] = [:]

    init(concurrency: Int) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = concurrency
        configuration.timeoutIntervalForRequest = 600
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    func get(_ url: URL) async -> Bool {
        (try? await transfer(session.dataTask(with: url))) != nil
    }

    func download(_ url: URL) async throws -> Int64 {
        try await transfer(session.dataTask(with: url))
    }

    func upload(_ url: URL, bytes: Int64) async throws {
        let file = NSTemporaryDirectory() + "http-bench-upload-\(getpid())"
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        truncate(file, off_t(bytes))
        defer { unlink(file) }
        var request = URLRequest(url: url)
        request.httpMethod = "PUT"
        _ = try await transfer(session.uploadTask(with: request, fromFile: URL(fileURLWithPath: file)))
    }

    private func transfer(_ task: URLSessionTask) async throws -> Int64 {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock { finished[task.taskIdentifier] = continuation }
            task.resume()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.withLock { received[dataTask.taskIdentifier, default: 0] += Int64(data.count) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (continuation, bytes) = lock.withLock {
            (finished.removeValue(forKey: task.taskIdentifier), received.removeValue(forKey: task.taskIdentifier) ?? 0)
        }
        let status = (task.response as? HTTPURLResponse)?.statusCode ?? 0
        if let error {
            continuation?.resume(throwing: error)
        } else if !(200..<300).contains(status) {
            continuation?.resume(throwing: URLError(.badServerResponse))
        } else {
            continuation?.resume(returning: bytes)
        }
    }

    func shutdown() async throws {
        session.invalidateAndCancel()
    }
}

// MARK: AsyncHTTPClient

struct ZeroChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let total: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        var left: Int64
        let chunk = ByteBuffer(repeating: 0, count: 64 << 10)

        mutating func next() async -> ByteBuffer? {
            guard left > 0 else { return nil }
            let count = Int(Swift.min(left, Int64(chunk.readableBytes)))
            left -= Int64(count)
            return chunk.getSlice(at: 0, length: count)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(left: total) }
}

struct AHCClient: BenchClient {
    let client: HTTPClient

    init(concurrency: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func get(_ url: URL) async -> Bool {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(60))
            for try await _ in response.body {}
            return response.status == .ok
        } catch {
            return false
        }
    }

    func download(_ url: URL) async throws -> Int64 {
        let response = try await client.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(600))
        var bytes: Int64 = 0
        for try await buffer in response.body { bytes += Int64(buffer.readableBytes) }
        return bytes
    }

    func upload(_ url: URL, bytes: Int64) async throws {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .PUT
        request.body = .stream(ZeroChunks(total: bytes), length: .known(bytes))
        let response = try await client.execute(request, timeout: .seconds(600))
        for try await _ in response.body {}
        guard (200..<300).contains(response.status.code) else { throw UnexpectedStatus(code: response.status.code) }
    }

    func shutdown() async throws {
        try await client.shutdown()
    }
}

struct UnexpectedStatus: Error {
    let code: UInt
}

// MARK: Workloads

func small(_ client: some BenchClient, url: URL, requests: Int, concurrency: Int) async {
    let start = ContinuousClock.now
    let (latencies, failures) = await withTaskGroup(of: (Double, Bool).self) { group in
        var next = 0
        var latencies: [Double] = []
        var failures = 0
        func launch() {
            next += 1
            group.addTask {
                let begin = ContinuousClock.now
                let ok = await client.get(url)
                return (seconds(ContinuousClock.now - begin) * 1e6, ok)
            }
        }
        for _ in 0..<min(concurrency, requests) { launch() }
        for await (latency, ok) in group {
            latencies.append(latency)
            if !ok { failures += 1 }
            if next < requests { launch() }
        }
        return (latencies.sorted(), failures)
    }
    let elapsed = seconds(ContinuousClock.now - start)
    let p50 = latencies[latencies.count / 2], p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
    print(String(format: "requests=%d concurrency=%d failures=%d seconds=%.3f requests_per_second=%.0f p50_us=%.0f p99_us=%.0f",
                 requests, concurrency, failures, elapsed, Double(requests) / elapsed, p50, p99))
}

func timed(bytes: Int64? = nil, _ body: () async throws -> Int64) async {
    let start = ContinuousClock.now
    do {
        let moved = try await body()
        let elapsed = seconds(ContinuousClock.now - start)
        print(String(format: "bytes=%lld seconds=%.3f mb_per_s=%.1f failures=0", moved, elapsed, Double(moved) / elapsed / 1e6))
    } catch {
        print("bytes=0 seconds=0 mb_per_s=0 failures=1 error=\(String(describing: error).replacingOccurrences(of: " ", with: "_"))")
    }
}

let arguments = CommandLine.arguments
let usage = "usage: http-bench urlsession|ahc small URL REQUESTS CONCURRENCY | download URL | upload URL BYTES"
guard arguments.count >= 4, let url = URL(string: arguments[3]) else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
let concurrency = arguments[2] == "small" && arguments.count == 6 ? Int(arguments[5]) ?? 1 : 1
let client: any BenchClient = switch arguments[1] {
case "urlsession": URLSessionClient(concurrency: concurrency)
case "ahc": AHCClient(concurrency: concurrency)
default: { FileHandle.standardError.write(Data((usage + "\n").utf8)); exit(2) }()
}
switch (arguments[2], arguments.count) {
case ("small", 6):
    await small(client, url: url, requests: Int(arguments[4]) ?? 1000, concurrency: concurrency)
case ("download", 4):
    await timed { try await client.download(url) }
case ("upload", 5):
    let bytes = Int64(arguments[4]) ?? 0
    await timed { try await client.upload(url, bytes: bytes); return bytes }
default:
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
try await client.shutdown()
