import ArgumentParser
import FoundationEssentials
import NIOCore
import WebRequestKit

/// A renderer workload in a file: named requests, each a `fetch` command line in JSON form,
/// with repeat counts, a concurrency, and the outcome each request must have. `render-client
/// run` executes one; `docs/scenarios.md` documents the format (version 1).
public struct Scenario: Codable, Sendable {
    /// The format version this build reads.
    public static let formatVersion = 1

    /// The format version the file is written in: ``formatVersion``.
    public var version: Int
    /// The scenario's name, in its summary.
    public var name: String
    /// What it does, for people.
    public var description: String?
    /// Requests in flight at once (default 4).
    public var concurrency: Int?
    /// The requests, started in this order.
    public var requests: [Step]

    /// One named request, sent `repeat` times.
    public struct Step: Codable, Sendable {
        /// Unique in the scenario; a repeated request is reported as `NAME#1`, `NAME#2`, ….
        public var name: String
        /// The URL; `{base}` is replaced by the run's base URL.
        public var url: String
        /// `-X`: the method (default GET).
        public var method: String?
        /// `"Name: value"` lines, as `-H` takes them.
        public var headers: [String]?
        /// Bytes elements with this text, as `--data` (two make two elements).
        public var data: [String]?
        /// A bytes element read from this file by the renderer itself, as `--data-file`.
        public var dataFile: String?
        /// A file element, as `--upload-file`: a renderer's `create` refuses it.
        public var uploadFile: String?
        /// `--flag` names (`disable-cache`, `no-retry-on-5xx`, …).
        public var flags: [String]?
        /// `--referrer`.
        public var referrer: String?
        /// `--referrer-policy`, in kebab case.
        public var referrerPolicy: String?
        /// `--first-party`.
        public var firstParty: String?
        /// `--cancel-after-bytes`: `cancel()` once this much body has arrived.
        public var cancelAfterBytes: Int64?
        /// How many times to send it (default 1).
        public var `repeat`: Int?
        /// What must happen; by default, `success`.
        public var expect: Expectation?
    }

    /// The outcome a request must have. Fields left out are not checked.
    public struct Expectation: Codable, Sendable, Equatable {
        /// `success`, `canceled`, `failed`, or `refused` (`create` refused it).
        public var status: String?
        /// The `ERR_` name, or for `refused` the reason code (`file_element_in_renderer`).
        public var error: String?
        /// The HTTP status of the response.
        public var httpStatus: Int?
        /// Whether the browser took the response down its download path.
        public var routedToDownload: Bool?
        /// At least this many body bytes delivered.
        public var minBodyBytes: Int64?

        public init(status: String? = "success", error: String? = nil, httpStatus: Int? = nil, routedToDownload: Bool? = nil, minBodyBytes: Int64? = nil) {
            self.status = status
            self.error = error
            self.httpStatus = httpStatus
            self.routedToDownload = routedToDownload
            self.minBodyBytes = minBodyBytes
        }

        /// What differs between this expectation and `outcome`, or `nil` when it holds.
        func mismatch(_ outcome: FetchReporter.Outcome) -> String? {
            var differences: [String] = []
            if let status, status != outcome.status { differences.append("status \(outcome.status), expected \(status)") }
            if let error, error != outcome.error { differences.append("error \(outcome.error), expected \(error)") }
            if let httpStatus, httpStatus != outcome.httpStatus {
                differences.append("HTTP status \(outcome.httpStatus.map(String.init) ?? "none"), expected \(httpStatus)")
            }
            if let routedToDownload, routedToDownload != outcome.routedToDownload {
                differences.append(outcome.routedToDownload ? "routed to a download, expected not" : "not routed to a download, expected routed")
            }
            if let minBodyBytes, outcome.bodyBytes < minBodyBytes {
                differences.append("\(outcome.bodyBytes) body bytes, expected at least \(minBodyBytes)")
            }
            return differences.isEmpty ? nil : differences.joined(separator: "; ")
        }
    }

    /// A scenario file that cannot run: unreadable, not JSON, another version, a bad request.
    public struct FormatError: Error, CustomStringConvertible {
        /// What is wrong and where, in one line.
        public var description: String
    }

    /// Reads and checks the scenario at `path`.
    public static func load(path: String) throws(FormatError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(description: "scenario \(path.debugDescription) cannot be read")
        }
        return try decode(data, source: path)
    }

    /// Decodes and checks a scenario; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws(FormatError) -> Scenario {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let scenario: Scenario
        do {
            scenario = try decoder.decode(Scenario.self, from: data)
        } catch {
            throw FormatError(description: "\(source): not a scenario: \(Self.describe(error))")
        }
        guard scenario.version == formatVersion else {
            throw FormatError(description: "\(source): version \(scenario.version); this build reads version \(formatVersion)")
        }
        if let concurrency = scenario.concurrency, concurrency < 1 {
            throw FormatError(description: "\(source): concurrency must be 1 or more")
        }
        guard !scenario.requests.isEmpty else { throw FormatError(description: "\(source): no requests") }
        var names = Set<String>()
        for step in scenario.requests {
            guard names.insert(step.name).inserted else {
                throw FormatError(description: "\(source): two requests are named \(step.name.debugDescription)")
            }
            if let count = step.repeat, count < 1 {
                throw FormatError(description: "\(source): request \(step.name.debugDescription): repeat must be 1 or more")
            }
            do {
                _ = try RequestOptions.parse(step.arguments)
            } catch {
                throw FormatError(description: "\(source): request \(step.name.debugDescription): \(RequestOptions.message(for: error))")
            }
        }
        return scenario
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing \(key.stringValue.debugDescription) at \(path(context))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.debugDescription) at \(path(context))"
        case DecodingError.dataCorrupted(let context):
            context.underlyingError.map { "\($0)" } ?? context.debugDescription
        default:
            "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "the top" : path
    }
}

extension Scenario.Step {
    /// The request options this step stands for, as `fetch` would get them on its command line.
    var arguments: [String] {
        var arguments: [String] = []
        if let method { arguments += ["--method", method] }
        for header in headers ?? [] { arguments += ["--header", header] }
        for text in data ?? [] { arguments += ["--data", text] }
        if let dataFile { arguments += ["--data-file", dataFile] }
        if let uploadFile { arguments += ["--upload-file", uploadFile] }
        for flag in flags ?? [] { arguments += ["--flag", flag] }
        if let referrer { arguments += ["--referrer", referrer] }
        if let referrerPolicy { arguments += ["--referrer-policy", referrerPolicy] }
        if let firstParty { arguments += ["--first-party", firstParty] }
        if let cancelAfterBytes { arguments += ["--cancel-after-bytes", String(cancelAfterBytes)] }
        return arguments
    }
}

extension RequestOptions {
    /// An argument parser error as one line.
    static func message(for error: any Error) -> String {
        fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}
