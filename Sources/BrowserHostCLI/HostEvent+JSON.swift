public import BrowserHostCore
public import WebRequestCLI
import WebRequestKit

extension HostEvent {
    /// The event as one JSON object, `"event"` first: the trace's line format.
    public var json: [(String, JSONValue)] {
        switch self {
        case .rendererConnected(let renderer, let browser, let pid, let sandbox):
            [
                ("event", "renderer_connected"), ("renderer", .int(Int64(renderer))), ("browser", .string(browser)),
                ("pid", .int(Int64(pid))), ("sandbox", .array(sandbox.map { .string($0.rawValue) })),
            ]
        case .rendererExited(let renderer, let pid, let status):
            [("event", "renderer_exited"), ("renderer", .int(Int64(renderer))), ("pid", .int(Int64(pid))), ("status", .int(Int64(status)))]
        case .badMessage(let renderer, let reason):
            [("event", "bad_message"), ("renderer", .int(Int64(renderer))), ("reason", .string(reason))]
        case .requestStarted(let renderer, let request, let method, let url, let context):
            [
                ("event", "request_started"), ("renderer", .int(Int64(renderer))), ("request", .int(Int64(request))),
                ("method", .string(method)), ("url", .string(url)), ("context", .string(context)),
            ]
        case .requestNote(let renderer, let request, let note):
            [("event", .string(note.eventName)), ("renderer", .int(Int64(renderer))), ("request", .int(Int64(request)))] + note.json
        case .responseStarted(let renderer, let request, let status, let mimeType):
            [
                ("event", "response"), ("renderer", .int(Int64(renderer))), ("request", .int(Int64(request))),
                ("status", .int(Int64(status))), ("mime_type", .string(mimeType)),
            ]
        case .requestEnded(let renderer, let request, let status, let error, let bodyBytes, let routed):
            [
                ("event", "request_ended"), ("renderer", .int(Int64(renderer))), ("request", .int(Int64(request))),
                ("status", .string(status.description)), ("error", .string(error.name)), ("body_bytes", .int(bodyBytes)),
                ("routed_to_download", .bool(routed)),
            ]
        case .downloadEnded(let item):
            [
                ("event", "download"), ("renderer", .int(Int64(item.renderer))), ("url", .string(item.url)),
                ("path", .string(item.path)), ("bytes", .int(item.receivedBytes)), ("state", .string(item.state.rawValue)),
            ]
        }
    }
}

extension TransferNote {
    public var eventName: String {
        switch self {
        case .redirect: "redirect"
        case .retry: "retry"
        case .paused: "flow_paused"
        case .resumed: "flow_resumed"
        case .fromCache: "from_cache"
        }
    }

    var json: [(String, JSONValue)] {
        switch self {
        case .redirect(let status, let to): [("status", .int(Int64(status))), ("to", .string(to))]
        case .retry(let status, let attempt): [("status", .int(Int64(status))), ("attempt", .int(Int64(attempt)))]
        case .paused(let backlog): [("backlog_bytes", .int(Int64(backlog)))]
        case .resumed: []
        case .fromCache(let revalidated): [("revalidated", .bool(revalidated))]
        }
    }
}

extension HostEvent {
    /// The event as `serve` prints it without `--json`, or `nil` for the events it does not
    /// print (a request's life, which the trace and the debug log carry; a bad message, which
    /// the log reports as a warning).
    public var humanLine: String? {
        switch self {
        case .rendererConnected(let renderer, let browser, let pid, let sandbox):
            "renderer \(renderer) (pid \(pid)) connected for browser \(browser), \(SandboxLayer.summary(of: sandbox))"
        case .rendererExited(let renderer, let pid, let status):
            "renderer \(renderer) (pid \(pid)) exited with status \(status)"
        case .downloadEnded(let item):
            "download \(item.state.rawValue): \(item.url) -> \(item.path) (\(item.receivedBytes) bytes)"
        case .badMessage, .requestStarted, .requestNote, .responseStarted, .requestEnded:
            nil
        }
    }
}
