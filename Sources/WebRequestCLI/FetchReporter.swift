import ArgumentParser
import Crypto
import FoundationEssentials
import NIOCore
import NIOPosix
public import WebRequestKit

/// The client behind both `fetch` commands and each request of a scenario: prints each
/// callback as a JSON line (`--json`) or as a progress bar and summary for people, hashes and
/// optionally saves the body, and applies `--cancel-after-bytes` and `--drop-after-bytes`.
public final class FetchReporter: WebRequestClient {
    /// How one request ended.
    public struct Outcome: Sendable, Equatable {
        /// The `fetch` exit status it means (cli.md).
        public var exitStatus: Int32
        /// `success`, `canceled` or `failed`; `refused` when `create` refused it.
        public var status: String
        /// The `ERR_` name, or for a refusal its reason code (`file_element_in_renderer`).
        public var error: String
        /// The HTTP status of the response, if there was one.
        public var httpStatus: Int?
        /// Body bytes delivered to the client.
        public var bodyBytes: Int64
        /// Whether the browser took the response down its download path.
        public var routedToDownload: Bool
    }

    private let options: RequestOptions
    private let credentials: Credentials?
    private let tag: String?
    private let finished: @Sendable (Outcome) -> Void
    private let output: OutputFile?
    private let progressBar: ProgressBar?
    private var hasher = SHA256()
    private var bodyBytes: Int64 = 0
    private var textBody = Data()
    private var textBodyOverflow = false
    /// The reference that keeps the request alive; `--drop-after-bytes` lets go of it.
    private var request: WebRequest?
    private var dropped = false
    /// A write to `--output` failed: the request was canceled and nothing more is written.
    private var outputFailed = false

    /// A reporter for one request.
    ///
    /// - Parameters:
    ///   - tag: the request's name in a scenario: added to each JSON line as `"request"`; no
    ///     progress bar or body on stdout then, the scenario prints a line per request.
    ///   - finished: called once, on the request's loop, when it has ended.
    init(
        options: RequestOptions,
        credentials: Credentials? = nil,
        tag: String? = nil,
        output: OutputFile? = nil,
        finished: @escaping @Sendable (Outcome) -> Void
    ) {
        self.options = options
        self.credentials = credentials
        self.tag = tag
        self.finished = finished
        self.output = output
        self.progressBar = !options.json && tag == nil && isatty(STDERR_FILENO) == 1 ? ProgressBar() : nil
    }

    /// Creates the request with `create` and reports it; a refusal is reported at once.
    func start(_ request: Request, create: (Request, any WebRequestClient) throws(WebRequestCreateError) -> WebRequest) {
        do throws(WebRequestCreateError) {
            self.request = try create(request, self)
        } catch {
            createFailed(error)
        }
    }

    /// Runs one request on the client's loop and returns the exit status.
    ///
    /// - Parameters:
    ///   - request: what to send.
    ///   - options: the command's request options (output, JSON, cancel and drop thresholds).
    ///   - output: `--output`, opened by ``openOutput(_:)``; opened here when `nil` and asked for.
    ///     A sandboxed renderer opens it before its sandbox is engaged.
    ///   - credentials: the answer to authentication challenges (`--auth`), or `nil` to cancel.
    ///   - create: creates the ``WebRequest`` on the loop; browser and renderer differ only here.
    public static func run(
        _ request: Request,
        options: RequestOptions,
        output: OutputFile? = nil,
        credentials: Credentials? = nil,
        create: @escaping @Sendable (Request, any WebRequestClient) throws(WebRequestCreateError) -> WebRequest
    ) async throws -> Int32 {
        let output = try output ?? openOutput(options)
        return try await onClientEventLoop { (finished: EventLoopPromise<Int32>) in
            let reporter = FetchReporter(options: options, credentials: credentials, output: output) { outcome in
                finished.succeed(outcome.exitStatus)
            }
            reporter.start(request, create: create)
        }
    }

    /// Opens `--output` in place, or says why not on standard error and exits 2.
    ///
    /// - Returns: the file, or `nil` when the options name none.
    public static func openOutput(_ options: RequestOptions) throws -> OutputFile? {
        guard let path = options.output else { return nil }
        do {
            return try OutputFile(truncatingInPlace: path)
        } catch {
            printError("cannot write --output \(path): \(error.reason)")
            throw ExitCode(FetchExitCode.refused)
        }
    }

    private func emit(_ members: [(String, JSONValue)]) {
        guard options.json else { return }
        let tagged = tag.map { [("request", JSONValue.string($0))] + members } ?? members
        OutputFile.standardOutput.write(JSONValue.object(tagged).rendered + "\n")
    }

    private func createFailed(_ error: WebRequestCreateError) {
        if options.json {
            emit([("event", "create_failed"), ("reason", .string(error.code.rawValue)), ("message", .string(error.message))])
        } else if tag == nil {
            Self.printError("refused: \(error.message)")
        }
        finished(Outcome(exitStatus: FetchExitCode.refused, status: "refused", error: error.code.rawValue, httpStatus: nil, bodyBytes: 0, routedToDownload: false))
    }

    // MARK: WebRequestClient

    public func webRequest(_ request: WebRequest, didSendBodyBytes current: Int64, of total: Int64) {
        emit([("event", "upload_progress"), ("current", .int(current)), ("total", .int(total))])
        progressBar?.update(label: "upload", current: current, total: total)
    }

    public func webRequest(_ request: WebRequest, didReceiveBodyBytes current: Int64, of total: Int64) {
        emit([("event", "download_progress"), ("current", .int(current)), ("total", .int(total))])
        progressBar?.update(label: "download", current: current, total: total)
    }

    public func webRequest(_ request: WebRequest, didReceive data: Data) {
        emit([("event", "download_data"), ("bytes", .int(Int64(data.count)))])
        bodyBytes += Int64(data.count)
        if options.json { hasher.update(data: data) }  // the digest is printed only there
        if let output {
            guard !outputFailed else { return }
            do {
                try output.write(data)
            } catch {
                // A full disk: the body cannot be kept, so the request goes no further.
                outputFailed = true
                Self.printError("cannot write --output \(options.output ?? ""): \(error.reason)")
                request.cancel()
                return
            }
        } else if !options.json, !textBodyOverflow {
            textBody.append(data)
            if textBody.count > 16 << 20 {
                textBodyOverflow = true
                textBody = Data()
            }
        }
        if let limit = options.cancelAfterBytes, bodyBytes >= limit {
            request.cancel()
        } else if let limit = options.dropAfterBytes, bodyBytes >= limit, !dropped {
            dropped = true
            self.request = nil
            let finished = self.finished
            let outcome = Outcome(exitStatus: FetchExitCode.success, status: "dropped", error: "ERR_NONE", httpStatus: request.response?.status, bodyBytes: bodyBytes, routedToDownload: false)
            request.eventLoop.scheduleTask(in: .seconds(1)) { finished(outcome) }
        }
    }

    public func webRequest(_ request: WebRequest, didReceive challenge: AuthChallenge, callback: AuthCallback) -> Bool {
        emit([
            ("event", "auth_credentials"), ("is_proxy", .bool(challenge.isProxy)), ("host", .string(challenge.host)),
            ("port", .int(Int64(challenge.port))), ("realm", .string(challenge.realm)), ("scheme", .string(challenge.scheme)),
        ])
        guard let credentials else { return false }
        callback.continue(username: credentials.username, password: credentials.password)
        return true
    }

    public func webRequestDidComplete(_ request: WebRequest) {
        let digest = hasher.finalize().hexString
        let response: JSONValue = request.response.map { response in
            .object([
                ("status", .int(Int64(response.status))), ("status_text", .string(response.statusText)),
                ("mime_type", .string(response.mimeType)), ("charset", .string(response.charset)),
                ("url", .string(response.url)),
                ("headers", .array(response.headers.map { .array([.string($0.name), .string($0.value)]) })),
                ("http_version", .string(response.httpVersion)), ("tls_version", .string(response.tlsVersion)),
            ])
        } ?? .null
        emit([
            ("event", "complete"), ("status", .string(request.status.description)),
            ("error_code", .int(Int64(request.error.code))), ("error", .string(request.error.name)),
            ("response", response), ("body_bytes", .int(bodyBytes)), ("body_sha256", .string(digest)),
            ("was_cached", .bool(request.responseWasCached)), ("routed_to_download", .bool(request.wasRoutedToDownload)),
        ])
        if !options.json, tag == nil { summarize(request) }
        self.request = nil
        finished(
            Outcome(
                exitStatus: request.status == .success ? FetchExitCode.success : FetchExitCode.failed,
                status: request.status.description,
                error: request.error.name,
                httpStatus: request.response?.status,
                bodyBytes: bodyBytes,
                routedToDownload: request.wasRoutedToDownload
            )
        )
    }

    private func summarize(_ request: WebRequest) {
        progressBar?.clear()
        if let response = request.response, output == nil, !textBodyOverflow, Self.isText(response.mimeType) {
            try? OutputFile.standardOutput.write(textBody)
            if textBody.last != UInt8(ascii: "\n"), !textBody.isEmpty { OutputFile.standardOutput.write("\n") }
        }
        var line = "\(request.status)"
        if let response = request.response {
            line += ": \(response.status) \(response.statusText)"
            if !response.mimeType.isEmpty { line += " (\(response.mimeType))" }
            line += ", \(ByteCountFormat.string(bodyBytes)) from \(response.url)"
        }
        if request.error != .none { line += " [\(request.error.name)]" }
        if let path = options.output { line += ", body saved to \(path)" }
        Self.printError(line)
    }

    private static func isText(_ mimeType: String) -> Bool {
        mimeType.hasPrefix("text/") || mimeType.hasSuffix("json") || mimeType.hasSuffix("xml") || mimeType.isEmpty
    }

    static func printError(_ message: String) {
        OutputFile.standardError.write(message + "\n")
    }
}

/// A one-line progress bar on standard error, for people at a terminal.
final class ProgressBar {
    private var lastDrawn = Date.distantPast

    func update(label: String, current: Int64, total: Int64) {
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.1 || (total > 0 && current >= total) else { return }
        lastDrawn = now
        let width = 30
        var line = "\r\(label) "
        if total > 0 {
            let filled = Int(Double(width) * Double(min(current, total)) / Double(total))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            line += "\(Int(100 * Double(min(current, total)) / Double(total)))% "
            line += "\(ByteCountFormat.string(current)) / \(ByteCountFormat.string(total))"
        } else {
            line += ByteCountFormat.string(current)
        }
        OutputFile.standardError.write(line + "\u{1B}[K")
    }

    func clear() {
        OutputFile.standardError.write("\r\u{1B}[K")
    }
}

/// Byte counts for people: `512 B`, `1.5 KiB`, `64.0 MiB`.
package enum ByteCountFormat {
    package static func string(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\(value.fixed(1)) \(units[unit])"
    }
}
