public import WebRequestKit

/// What the browser process does, as it happens: renderers coming and going, each renderer
/// request's life on the network stack, downloads, bad messages. `serve --json` prints some of
/// these, `serve --trace` records all of them, and the demo draws them; the host hands them to
/// its configured observer and prints none itself.
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
}
