public import ArgumentParser
import FoundationEssentials
import NIOCore
import WebRequestKit

/// The `soak` commands: thousands of mixed requests against the embedded test web server, each
/// checked against the outcome it must have, each completion counted so that a second one (or a
/// callback after it) is caught. `scripts/soak.sh` runs many renderers of it at once, kills some,
/// and compares every survivor's report with the server's hit counts.
///
/// Every URL carries `tag=TAG`, so the server can say how many requests of this process reached it
/// (`/hits?tag=TAG`); ``Report/expectedHits`` is what it should say.
public enum SoakWorkload {
    /// One kind of request in the mix, with what it must end as.
    enum Kind: String, CaseIterable, Sendable {
        case get, head, post, redirect, notFound, serverError, large, cancel, drop, dropHeaders, download

        /// How often the kind is drawn, out of the sum of all weights.
        var weight: Int {
            switch self {
            case .get: 20
            case .post, .large: 10
            case .redirect, .cancel, .drop: 8
            case .head, .notFound, .serverError, .dropHeaders: 5
            case .download: 4
            }
        }

        /// How many requests it makes reach the server: a redirect is two hops, the rest one.
        var hits: Int { self == .redirect ? 2 : 1 }
    }

    /// What one run saw.
    public struct Report: Sendable {
        public var requests = 0
        public var completed = 0
        /// Completions beyond the first of a request: must be zero.
        public var duplicateCompletions = 0
        /// Callbacks after a request's completion: must be zero.
        public var callbacksAfterCompletion = 0
        /// Requests that ended otherwise than their kind must: must be zero.
        public var unexpected = 0
        /// The first few unexpected outcomes, described.
        public var samples: [String] = []
        /// How many requests of this run should have reached the server.
        public var expectedHits = 0
        public var byKind: [String: Int] = [:]
        public var seconds = 0.0

        /// True when every request completed exactly once as it had to.
        public var isClean: Bool {
            completed == requests && duplicateCompletions == 0 && callbacksAfterCompletion == 0 && unexpected == 0
        }

        /// The one JSON line the `soak` commands print.
        public var jsonLine: String {
            JSONValue.object([
                ("event", .string("soak")),
                ("requests", .int(Int64(requests))),
                ("completed", .int(Int64(completed))),
                ("duplicate_completions", .int(Int64(duplicateCompletions))),
                ("callbacks_after_completion", .int(Int64(callbacksAfterCompletion))),
                ("unexpected", .int(Int64(unexpected))),
                ("samples", .array(samples.map(JSONValue.string))),
                ("expected_hits", .int(Int64(expectedHits))),
                ("by_kind", .object(byKind.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
                ("milliseconds", .int(Int64(seconds * 1000))),
            ]).rendered
        }
    }

    /// Runs `requests` mixed requests against the test web server at `base`, `concurrency` at a
    /// time, drawn from a generator seeded with `seed`.
    public static func run(
        base: String, tag: String, requests: Int, concurrency: Int, seed: UInt64, kinds: [String]? = nil
    ) async throws -> Report {
        let mix = try kinds.map { names in
            try names.map { name in
                guard let kind = Kind(rawValue: name) else { throw SoakError.unknownKind(name) }
                return kind
            }
        } ?? Kind.allCases
        let start = ContinuousClock.now
        return try await onClientEventLoop { (done: EventLoopPromise<Report>) in
            let driver = Driver(base: base, tag: tag, total: requests, seed: seed, mix: mix) { report in
                var report = report
                report.seconds = (ContinuousClock.now - start).seconds
                done.succeed(report)
            }
            for _ in 0..<min(concurrency, requests) { driver.startOne() }
        }
    }

    /// What a live request is and has received so far.
    private struct Live {
        var kind: Kind
        var postBytes: Int
        var body = Data()
        var receivedData = false
    }

    /// Starts a request whenever one completes, until `total` have completed; checks each.
    private final class Driver: WebRequestClient {
        let base: String
        let tag: String
        let total: Int
        let mix: [Kind]
        let finished: (Report) -> Void
        var generator: SplitMix64
        var report = Report()
        var started = 0
        var live: [ObjectIdentifier: (request: WebRequest, state: Live)] = [:]
        var ended: Set<ObjectIdentifier> = []
        /// Completed requests are kept so their identifiers stay unique while `ended` holds them.
        var retired: [WebRequest] = []

        init(base: String, tag: String, total: Int, seed: UInt64, mix: [Kind], finished: @escaping (Report) -> Void) {
            self.base = base
            self.mix = mix
            self.tag = tag
            self.total = total
            self.generator = SplitMix64(seed: seed)
            self.finished = finished
            report.requests = total
        }

        func startOne() {
            started += 1
            let kind = drawKind()
            report.byKind[kind.rawValue, default: 0] += 1
            let postBytes = kind == .post ? Int.random(in: 1...8192, using: &generator) : 0
            do {
                let request = try WebRequest(makeRequest(kind, number: started, postBytes: postBytes), client: self)
                live[ObjectIdentifier(request)] = (request, Live(kind: kind, postBytes: postBytes))
                report.expectedHits += kind.hits
            } catch {
                record("\(kind.rawValue): create refused: \(error)")
                report.completed += 1
                next()
            }
        }

        private func drawKind() -> Kind {
            var draw = Int.random(in: 0..<mix.reduce(0) { $0 + $1.weight }, using: &generator)
            for kind in mix {
                if draw < kind.weight { return kind }
                draw -= kind.weight
            }
            return .get
        }

        /// What `/echo` says it received, of which the soak checks the size.
        private struct EchoedBody: Decodable {
            var bodyBytes: Int

            enum CodingKeys: String, CodingKey {
                case bodyBytes = "body_bytes"
            }
        }

        /// `text` with every byte but ASCII letters and digits as `%xx`.
        private static func percentEncoded(_ text: String) -> String {
            var encoded = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    encoded.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    encoded += "%" + [byte].hexString
                }
            }
            return encoded
        }

        private func makeRequest(_ kind: Kind, number: Int, postBytes: Int) -> Request {
            let tagged = "tag=\(tag)"
            switch kind {
            case .get: return Request(url: "\(base)/hello?\(tagged)")
            case .head: return Request(url: "\(base)/hello?\(tagged)", method: "HEAD")
            case .post:
                let body = Data((0..<postBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ number) })
                return Request(url: "\(base)/echo?\(tagged)", method: "POST", postData: .bytes(body))
            case .redirect:
                return Request(url: "\(base)/redirect/302?to=%2Fhello%3F\(tagged)&\(tagged)")
            case .notFound: return Request(url: "\(base)/status/404?\(tagged)")
            case .serverError: return Request(url: "\(base)/status/503?\(tagged)", flags: .noRetryOn5xx)
            case .large: return Request(url: "\(base)/bytes/262144?type=text/plain&\(tagged)")
            case .cancel: return Request(url: "\(base)/slow?chunks=20&size=100&delay_ms=20&type=text/plain&\(tagged)")
            case .drop: return Request(url: "\(base)/drop?after=3000&type=text/plain&\(tagged)")
            case .dropHeaders: return Request(url: "\(base)/drop-headers?\(tagged)")
            case .download:
                let name = "attachment; filename=\"soak-\(tag)-\(number).bin\""
                let query = "type=application/zip&size=2000&disposition=" + Self.percentEncoded(name)
                return Request(url: "\(base)/content?\(query)&\(tagged)")
            }
        }

        func webRequest(_ request: WebRequest, didReceive data: Data) {
            let id = ObjectIdentifier(request)
            guard live[id] != nil else {
                report.callbacksAfterCompletion += 1
                return
            }
            live[id]?.state.body.append(data)
            if live[id]?.state.kind == .cancel, live[id]?.state.receivedData == false {
                live[id]?.state.receivedData = true
                request.cancel()
            }
        }

        func webRequest(_ request: WebRequest, didReceiveBodyBytes current: Int64, of total: Int64) {
            if live[ObjectIdentifier(request)] == nil { report.callbacksAfterCompletion += 1 }
        }

        func webRequest(_ request: WebRequest, didSendBodyBytes current: Int64, of total: Int64) {
            if live[ObjectIdentifier(request)] == nil { report.callbacksAfterCompletion += 1 }
        }

        func webRequestDidComplete(_ request: WebRequest) {
            let id = ObjectIdentifier(request)
            guard let (_, state) = live.removeValue(forKey: id) else {
                if ended.contains(id) { report.duplicateCompletions += 1 } else { record("a completion for a request never started") }
                return
            }
            ended.insert(id)
            retired.append(request)
            report.completed += 1
            if let problem = Self.problem(with: request, state) { record("\(state.kind.rawValue): \(problem)") }
            next()
        }

        private func record(_ problem: String) {
            report.unexpected += 1
            if report.samples.count < 5 { report.samples.append(problem) }
        }

        private func next() {
            if report.completed == total {
                finished(report)
            } else if started < total {
                startOne()
            }
        }

        /// What is wrong with how `request` ended, or nil when it ended as its kind must.
        static func problem(with request: WebRequest, _ state: Live) -> String? {
            let status = request.response?.status ?? 0
            let outcome = "\(request.status) \(request.error) HTTP \(status), \(state.body.count) bytes"
            func expect(_ condition: Bool) -> String? { condition ? nil : outcome }
            switch state.kind {
            case .get, .redirect:
                return expect(request.status == .success && status == 200 && state.body == Data("hello".utf8))
            case .head:
                return expect(request.status == .success && status == 200 && state.body.isEmpty)
            case .post:
                let echoed = try? JSONDecoder().decode(EchoedBody.self, from: state.body)
                return expect(request.status == .success && echoed?.bodyBytes == state.postBytes)
            case .notFound:
                return expect(request.status == .success && status == 404)
            case .serverError:
                return expect(request.status == .success && status == 503)
            case .large:
                return expect(request.status == .success && state.body.count == 262_144)
            case .cancel:
                return expect(request.status == .canceled && request.error == .aborted && state.body.count >= 100)
            case .drop:
                return expect(request.status == .failed && request.error == .contentLengthMismatch && state.body.count <= 3000)
            case .dropHeaders:
                return expect(request.status == .failed && request.error == .responseHeadersTruncated && state.body.isEmpty)
            case .download:
                return expect(request.status == .failed && request.error == .aborted && request.wasRoutedToDownload && state.body.isEmpty)
            }
        }
    }
}

/// Why a soak run could not start.
public enum SoakError: Error, CustomStringConvertible {
    case unknownKind(String)

    public var description: String {
        switch self {
        case .unknownKind(let name):
            "unknown request kind '\(name)'; the kinds are " + SoakWorkload.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        }
    }
}

/// The options of the `soak` commands.
public struct SoakOptions: ParsableArguments, Sendable {
    @Argument(help: "The test web server's base URL, e.g. http://127.0.0.1:8080.")
    public var base: String

    @Option(help: "How many requests.")
    public var requests = 1000

    @Option(help: "How many in flight at once.")
    public var concurrency = 8

    @Option(help: "Seeds the mix, so a run can be repeated.")
    public var seed: UInt64 = 1

    @Option(help: "Only these kinds of request (comma-separated): get, head, post, redirect, notFound, serverError, large, cancel, drop, dropHeaders, download.")
    public var kinds: String?

    /// ``kinds`` split at its commas.
    public var kindList: [String]? { kinds.map { $0.split(separator: ",").map(String.init) } }

    @Option(help: "Added to every URL as tag=TAG, so the server can count this run's hits.")
    public var tag = "soak"

    public init() {}

    public func validate() throws {
        guard requests > 0, concurrency > 0 else { throw ValidationError("--requests and --concurrency must be positive") }
        guard tag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw ValidationError("--tag takes letters, digits and '-' only")
        }
        for name in kindList ?? [] where SoakWorkload.Kind(rawValue: name) == nil {
            throw ValidationError(SoakError.unknownKind(name).description)
        }
    }
}
