import Foundation
import Synchronization
import WebRequestKit

/// The browser process's network stack: CEF's `CefInitialize` for URL requests.
///
/// Call ``initialize(_:)`` once before creating a `WebRequest`; it starts the network thread and
/// makes this process a browser process, so that `WebRequest` allows file uploads, request
/// contexts and authentication callbacks.
public enum BrowserProcess {
    private static let state = Mutex<NetworkService?>(nil)

    /// Starts the network stack with `configuration` if it is not running and installs it as
    /// this process's backend. Calling it again does nothing: the first configuration stands.
    public static func initialize(_ configuration: NetworkConfiguration = NetworkConfiguration()) {
        _ = start(configuration)
    }

    /// The running network stack, started with the default configuration if it was not.
    package static var service: NetworkService {
        start(NetworkConfiguration())
    }

    private static func start(_ configuration: NetworkConfiguration) -> NetworkService {
        state.withLock { state in
            if let state { return state }
            do {
                let service = try NetworkService(configuration: configuration)
                WebRequestProcess.install(service)
                state = service
                return service
            } catch {
                fatalError("the browser network stack could not start: \(error)")
            }
        }
    }

    /// The global request context, used when a request names none.
    public static var globalContext: BrowserRequestContext {
        service.globalContext
    }

    /// Creates a request context with its own cookies, connections and credentials.
    ///
    /// - Parameters:
    ///   - name: the context's name.
    ///   - directory: where an on-disk context keeps its state (created if missing), or `nil`
    ///     for a context in memory.
    ///   - settings: its CA file and proxy; `nil` for the configuration's
    ///     ``NetworkConfiguration/contextSettings``.
    /// - Throws: when the directory cannot be created or its files cannot be read, or
    ///   ``RequestContextSettingsError`` when the settings are refused.
    public static func makeRequestContext(
        name: String, directory: String? = nil, settings: RequestContextSettings? = nil
    ) throws -> BrowserRequestContext {
        let service = service
        return try BrowserRequestContext(
            name: name, directory: directory.map { URL(fileURLWithPath: $0) },
            settings: settings ?? service.configuration.contextSettings, inbox: service.inbox
        )
    }

    /// Stops the network stack, as `CefShutdown` does: every request in flight completes,
    /// canceled with `NetworkError.aborted`, cookie files are left as last written, libcurl's
    /// handles are freed and the network thread exits; returns once it has. As in CEF, there is
    /// no starting again: a request made afterwards completes at once the same way.
    public static func shutdown() async {
        let running = state.withLock { $0 }
        await running?.shutdown()
    }

    /// Starts the network stack with `configuration`, runs `body`, and shuts the stack down
    /// however `body` ends, before its result or error reaches the caller: what a command-line
    /// tool wants around its work. A process that exits while the network thread is still
    /// starting (inside libcurl's global init, which initializes OpenSSL) races OpenSSL's exit
    /// handlers and can crash; one that leaves through here cannot.
    public static func withNetworkStack<Result>(
        _ configuration: NetworkConfiguration = NetworkConfiguration(),
        _ body: () async throws -> Result
    ) async rethrows -> Result {
        initialize(configuration)
        do {
            let result = try await body()
            await shutdown()
            return result
        } catch {
            await shutdown()
            throw error
        }
    }

    /// The running stack's configuration.
    public static var configuration: NetworkConfiguration {
        service.configuration
    }

    /// Transfers started and not yet completed or canceled.
    public static var transfersInFlight: Int {
        service.inFlight
    }
}
