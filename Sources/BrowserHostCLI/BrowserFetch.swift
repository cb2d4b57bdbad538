public import BrowserNetwork
import Foundation
public import WebRequestCLI
public import WebRequestKit

/// `browser-host fetch`: one browser-process request in this process.
public enum BrowserFetch {
    /// Runs `url` with `options` in `context` (the global one when `nil`), answering
    /// authentication with `credentials`, and returns the exit status of `cli.md`.
    public static func run(
        url: String,
        options: RequestOptions,
        context: BrowserRequestContext?,
        credentials: Credentials?
    ) async throws -> Int32 {
        BrowserProcess.initialize()
        let request = try options.makeRequest(url: url)
        return try await FetchReporter.run(request, options: options, credentials: credentials) {
            (request, client) throws(WebRequestCreateError) in
            try WebRequest(request, client: client, requestContext: context)
        }
    }
}
