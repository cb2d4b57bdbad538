import ArgumentParser
import FoundationEssentials
import NIOCore
import NIOPosix
public import WebRequestKit

/// Runs a ``Scenario``: every request, `concurrency` at a time, each reported like `fetch`
/// reports one (its JSON lines carry `"request":"NAME"`, or `NAME#i` when repeated) and checked
/// against its expectation; then one summary.
public enum ScenarioRunner {
    /// What a run found.
    public struct Report: Sendable {
        /// The scenario's name.
        public var scenario: String
        /// Requests run, repeats counted.
        public var requests: Int
        /// Each request that did not end as expected, and how.
        public var failures: [(request: String, problem: String)]
        /// Wall time of the run.
        public var seconds: Double

        /// Every request ended as its expectation said.
        public var isClean: Bool { failures.isEmpty }

        /// The summary as the last `--json` line.
        public var jsonLine: String {
            JSONValue.object([
                ("event", "summary"), ("scenario", .string(scenario)), ("requests", .int(Int64(requests))),
                ("passed", .int(Int64(requests - failures.count))), ("failed", .int(Int64(failures.count))),
                ("milliseconds", .int(Int64(seconds * 1000))),
                ("failures", .array(failures.map { .object([("request", .string($0.request)), ("problem", .string($0.problem))]) })),
            ]).rendered
        }

        /// The summary for people.
        public var humanLine: String {
            let passed = requests - failures.count
            return "scenario \(scenario): \(requests) requests, \(passed) as expected, \(failures.count) not (\(seconds.fixed(2)) s)"
        }
    }

    /// A scenario's requests, built before anything runs: `--data-file`s are read here, so that
    /// a renderer builds them before its sandbox closes the file system to it.
    public struct Prepared: Sendable {
        /// One request of the run (a repeated step is several), or why it cannot be built.
        struct Run: Sendable {
            var name: String
            var step: Scenario.Step
            var built: Result<(options: RequestOptions, request: Request), RequestBuildError>
        }

        var scenario: Scenario
        var runs: [Run]
        var json: Bool
    }

    /// Why a step's request could not be built: its options or its data file.
    struct RequestBuildError: Error {
        var message: String
    }

    /// Builds every request of `scenario`, with `{base}` standing for `base`.
    ///
    /// - Parameter json: report with `fetch`'s JSON lines for each request and a JSON summary;
    ///   otherwise one line per request for people.
    public static func prepare(_ scenario: Scenario, base: String, json: Bool) -> Prepared {
        let runs = scenario.requests.flatMap { step in
            let count = step.repeat ?? 1
            let built = Result { () throws(RequestBuildError) -> (options: RequestOptions, request: Request) in
                do {
                    let options = try RequestOptions.parse(step.arguments + (json ? ["--json"] : []))
                    return (options, try options.makeRequest(url: step.url.replacing("{base}", with: base)))
                } catch {
                    throw RequestBuildError(message: RequestOptions.message(for: error))
                }
            }
            return (1...count).map { index in Prepared.Run(name: count == 1 ? step.name : "\(step.name)#\(index)", step: step, built: built) }
        }
        return Prepared(scenario: scenario, runs: runs, json: json)
    }

    /// Runs `scenario` with `{base}` standing for `base`, on the client's loop.
    ///
    /// - Parameters:
    ///   - json: print `fetch`'s JSON lines for each request and a JSON summary; otherwise one
    ///     line per request for people.
    ///   - create: creates each ``WebRequest``; browser and renderer differ only here.
    public static func run(
        _ scenario: Scenario,
        base: String,
        json: Bool,
        create: @escaping @Sendable (Request, any WebRequestClient) throws(WebRequestCreateError) -> WebRequest
    ) async throws -> Report {
        try await run(prepare(scenario, base: base, json: json), create: create)
    }

    /// Runs requests built by ``prepare(_:base:json:)``, `concurrency` at a time, on the client's loop.
    public static func run(
        _ prepared: Prepared,
        create: @escaping @Sendable (Request, any WebRequestClient) throws(WebRequestCreateError) -> WebRequest
    ) async throws -> Report {
        let runs = prepared.runs
        let start = ContinuousClock.now
        let failures = try await onClientEventLoop { (done: EventLoopPromise<[(request: String, problem: String)]>) in
            let driver = Driver(runs: runs, json: prepared.json, create: create) { done.succeed($0) }
            for _ in 0..<min(prepared.scenario.concurrency ?? 4, runs.count) { driver.startNext() }
        }
        return Report(scenario: prepared.scenario.name, requests: runs.count, failures: failures, seconds: (ContinuousClock.now - start).seconds)
    }

    /// Starts the next request whenever one ends; confined to the client's loop.
    private final class Driver {
        let runs: [Prepared.Run]
        let json: Bool
        let create: @Sendable (Request, any WebRequestClient) throws(WebRequestCreateError) -> WebRequest
        let finished: ([(request: String, problem: String)]) -> Void
        var next = 0
        var ended = 0
        var failures: [(request: String, problem: String)] = []

        init(
            runs: [Prepared.Run],
            json: Bool,
            create: @escaping @Sendable (Request, any WebRequestClient) throws(WebRequestCreateError) -> WebRequest,
            finished: @escaping ([(request: String, problem: String)]) -> Void
        ) {
            self.runs = runs
            self.json = json
            self.create = create
            self.finished = finished
        }

        func startNext() {
            guard next < runs.count, let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return }
            let (name, step) = (runs[next].name, runs[next].step)
            next += 1
            let options: RequestOptions
            let request: Request
            switch runs[next - 1].built {
            case .success(let built):
                (options, request) = built
            case .failure(let error):
                end(name, step, FetchReporter.Outcome(exitStatus: FetchExitCode.refused, status: "refused", error: error.message, httpStatus: nil, bodyBytes: 0, routedToDownload: false))
                return
            }
            let bound = NIOLoopBound(self, eventLoop: loop)
            // The reporter and its request keep each other alive until the completion (a request
            // holds its client until then), so nothing here needs to hold either.
            let reporter = FetchReporter(options: options, tag: name) { outcome in
                bound.value.end(name, step, outcome)
            }
            reporter.start(request, create: create)
        }

        func end(_ name: String, _ step: Scenario.Step, _ outcome: FetchReporter.Outcome) {
            let expectation = step.expect ?? Scenario.Expectation()
            let problem = expectation.mismatch(outcome)
            if let problem { failures.append((name, problem)) }
            if !json { Self.printLine(name, outcome, problem) }
            ended += 1
            if ended == runs.count {
                finished(failures)
            } else {
                startNext()
            }
        }

        private static func printLine(_ name: String, _ outcome: FetchReporter.Outcome, _ problem: String?) {
            var line = problem == nil ? "ok   " : "FAIL "
            line += "\(name): \(outcome.status)"
            if let status = outcome.httpStatus { line += " \(status)" }
            if outcome.error != "ERR_NONE" { line += " \(outcome.error)" }
            line += ", \(ByteCountFormat.string(outcome.bodyBytes))"
            if outcome.routedToDownload { line += ", routed to a download" }
            if let problem { line += " (\(problem))" }
            OutputFile.standardOutput.write(line + "\n")
        }
    }
}
