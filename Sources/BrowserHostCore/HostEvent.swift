import Foundation
import WebRequestCLI
public import WebRequestKit

/// What the browser process does, as it happens: renderers coming and going, each renderer
/// request's life on the network stack, downloads, bad messages. `serve --json` prints some of
/// these, `serve --trace` records all of them, and the demo draws them.
public enum HostEvent: Sendable {
    /// A renderer finished its handshake; the browser fixed its id and browser id. `sandbox` is
    /// what confines it: the namespaces the browser spawned it in and the layers it engaged.
    case rendererConnected(renderer: UInt64, browser: String, pid: Int32, sandbox: [SandboxLayer])
    /// A spawned renderer's process ended (`status` 128 + N for signal N: 137 when killed).
    case rendererExited(renderer: UInt64, pid: Int32, status: Int32)
    /// The renderer broke a rule and was ended for it.
    case badMessage(renderer: UInt64, reason: String)
    /// A renderer request reached the network stack, in the context of the renderer's browser.
    case requestStarted(renderer: UInt64, request: UInt64, method: String, url: String, context: String)
    /// Something on the way: a redirect followed, a retry, a pause for flow control...
    case requestNote(renderer: UInt64, request: UInt64, note: TransferNote)
    /// The final response head.
    case responseStarted(renderer: UInt64, request: UInt64, status: Int, mimeType: String)
    /// The request is over for the renderer: completed, or routed to a download.
    case requestEnded(renderer: UInt64, request: UInt64, status: RequestStatus, error: NetworkError, bodyBytes: Int64, routedToDownload: Bool)
    /// A routed download ended (`complete`, `failed` or `canceled`).
    case downloadEnded(DownloadItem)

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
    var eventName: String {
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
