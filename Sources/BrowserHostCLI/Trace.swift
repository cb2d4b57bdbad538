import Foundation
public import BrowserHostCore
import NIOCore
import Synchronization
import WebRequestCLI
import WebRequestKit

/// `serve --trace FILE`: every ``HostEvent`` as one JSON line with the milliseconds since the
/// browser started (`"t_ms"`), in the spirit of Chromium's net-export log.
public final class TraceWriter: Sendable {
    /// Held while a line is written, so that lines from different threads do not interleave;
    /// `nil` once a write failed (a full disk), when the trace stops.
    private let file: Mutex<OutputFile?>
    private let path: String
    private let start = NIODeadline.now()

    /// Creates (or empties) the trace file at `path`.
    public init(path: String) throws {
        do {
            file = Mutex(try OutputFile(truncatingInPlace: path))
            self.path = path
        } catch {
            throw TraceError(description: "cannot write --trace \(path): \(error.reason)")
        }
    }

    /// Appends `event`. Callable from any thread.
    public func record(_ event: HostEvent) {
        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e6
        let line = JSONValue.object([("t_ms", .string(elapsed.fixed(3)))] + event.json).rendered + "\n"
        file.withLock { file in
            guard let written = file else { return }
            do throws(OutputFile.Failure) {
                try written.write(Data(line.utf8))
            } catch {
                file = nil
                OutputFile.standardError.write("browser-host: cannot write --trace \(path): \(error.reason); the trace stops here\n")
            }
        }
    }
}

/// A trace that cannot be written or read.
public struct TraceError: Error, CustomStringConvertible {
    /// What went wrong, naming the file (and line).
    public var description: String
}

/// `browser-host trace FILE`: what a trace says, per renderer and per request.
public struct TraceSummary: Sendable {
    /// One request's life as the trace tells it.
    public struct RequestLife: Sendable {
        /// The renderer's id and the request's id on that renderer's channel.
        public var renderer: Int
        public var request: Int
        public var method = ""
        public var url = ""
        /// The request context the renderer's browser fixed.
        public var context = ""
        /// Milliseconds since the browser started, at the start and at the end (if it ended).
        public var startedMs = 0.0
        public var endedMs: Double?
        /// The final response's status, if a head arrived.
        public var httpStatus: Int?
        /// `success`, `canceled`, `failed`, or `in flight` when the trace ends first.
        public var status = "in flight"
        /// The `ERR_` name it ended with.
        public var error = ""
        public var bodyBytes = 0
        /// How many redirects were followed, 5xx answers retried, and flow-control pauses made.
        public var redirects = 0
        public var retries = 0
        public var pauses = 0
        /// Whether the response came from the HTTP cache, and whether it went to a download.
        public var fromCache = false
        public var routedToDownload = false
    }

    /// Every renderer request, in the order they started.
    public var requests: [RequestLife] = []
    /// One renderer as the trace saw it.
    public struct RendererLife: Sendable {
        public var browser = ""
        /// Its sandbox layers (`seccomp-bpf`, ...), as the browser reported them at connect.
        public var sandbox: [String] = []
        /// Its exit status, once a spawned renderer exited.
        public var exitStatus: Int?
    }

    /// Each renderer, by id.
    public var renderers: [Int: RendererLife] = [:]
    /// The renderers ended for a bad message, and why.
    public var badMessages: [(renderer: Int, reason: String)] = []
    /// The downloads that ended, with their final state.
    public var downloads: [(url: String, path: String, bytes: Int, state: String)] = []
    /// Trace lines read.
    public var lines = 0

    /// Reads the trace at `path`; a line that is not a trace event is an error naming it.
    public static func read(path: String) throws(TraceError) -> TraceSummary {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraceError(description: "cannot read trace \(path)")
        }
        var summary = TraceSummary()
        var index: [String: Int] = [:]
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                let event = object["event"] as? String, let time = Double(object["t_ms"] as? String ?? "")
            else {
                throw TraceError(description: "\(path):\(number + 1): not a trace event")
            }
            summary.lines += 1
            let renderer = object["renderer"] as? Int ?? 0
            let key = "\(renderer)/\(object["request"] as? Int ?? 0)"
            func update(_ change: (inout RequestLife) -> Void) {
                if let position = index[key] { change(&summary.requests[position]) }
            }
            switch event {
            case "renderer_connected":
                summary.renderers[renderer] = RendererLife(browser: object["browser"] as? String ?? "", sandbox: object["sandbox"] as? [String] ?? [])
            case "renderer_exited":
                summary.renderers[renderer, default: RendererLife()].exitStatus = object["status"] as? Int
            case "bad_message":
                summary.badMessages.append((renderer, object["reason"] as? String ?? ""))
            case "request_started":
                index[key] = summary.requests.count
                summary.requests.append(
                    RequestLife(
                        renderer: renderer, request: object["request"] as? Int ?? 0, method: object["method"] as? String ?? "",
                        url: object["url"] as? String ?? "", context: object["context"] as? String ?? "", startedMs: time
                    )
                )
            case "response":
                update { $0.httpStatus = object["status"] as? Int }
            case "redirect":
                update { $0.redirects += 1 }
            case "retry":
                update { $0.retries += 1 }
            case "flow_paused":
                update { $0.pauses += 1 }
            case "from_cache":
                update { $0.fromCache = true }
            case "request_ended":
                update { life in
                    life.endedMs = time
                    life.status = object["status"] as? String ?? ""
                    life.error = object["error"] as? String ?? ""
                    life.bodyBytes = object["body_bytes"] as? Int ?? 0
                    life.routedToDownload = object["routed_to_download"] as? Bool ?? false
                }
            case "download":
                summary.downloads.append((
                    object["url"] as? String ?? "", object["path"] as? String ?? "", object["bytes"] as? Int ?? 0, object["state"] as? String ?? ""
                ))
            default:
                break  // newer events: skipped, not an error
            }
        }
        return summary
    }

    /// The summary for people: one line per request, then the totals.
    public var text: String {
        var output: [String] = []
        for life in requests {
            var line = "renderer \(life.renderer) #\(life.request) \(life.method) \(life.url) [\(life.context)]: \(life.status)"
            if let status = life.httpStatus { line += " \(status)" }
            if !life.error.isEmpty, life.error != "ERR_NONE" { line += " \(life.error)" }
            line += ", \(life.bodyBytes) bytes"
            if let ended = life.endedMs { line += ", \((ended - life.startedMs).fixed(1)) ms" }
            var notes: [String] = []
            if life.redirects > 0 { notes.append("\(life.redirects) redirect(s)") }
            if life.retries > 0 { notes.append("\(life.retries) retry(ies)") }
            if life.pauses > 0 { notes.append("paused \(life.pauses) time(s)") }
            if life.fromCache { notes.append("from cache") }
            if life.routedToDownload { notes.append("routed to a download") }
            if !notes.isEmpty { line += " (" + notes.joined(separator: ", ") + ")" }
            output.append(line)
        }
        for (id, renderer) in renderers.sorted(by: { $0.key < $1.key }) {
            let sandbox = SandboxLayer.summary(of: renderer.sandbox.compactMap(SandboxLayer.init(rawValue:)))
            output.append("renderer \(id) (browser \(renderer.browser)): \(sandbox)" + (renderer.exitStatus.map { ", exited \($0)" } ?? ""))
        }
        for (renderer, reason) in badMessages { output.append("renderer \(renderer) ended for a bad message: \(reason)") }
        for download in downloads { output.append("download \(download.state): \(download.url) -> \(download.path) (\(download.bytes) bytes)") }
        let ended = requests.filter { $0.endedMs != nil }
        let durations = ended.map { $0.endedMs! - $0.startedMs }.sorted()
        let median = durations.isEmpty ? 0 : durations[durations.count / 2]
        output.append(
            "\(renderers.count) renderer(s), \(requests.count) request(s) (\(ended.count) ended, median \(median.fixed(1)) ms), "
                + "\(requests.filter(\.routedToDownload).count) routed to downloads, \(badMessages.count) bad message(s), \(self.lines) line(s) read"
        )
        return output.joined(separator: "\n")
    }
}
