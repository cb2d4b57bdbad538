import BrowserHostCLI
import BrowserHostCore
import Foundation
import TestWebServer
import WebRequestCLI
import WebRequestKit

/// `browser-demo`: the embedded web server, a browser process, and four renderer processes
/// on different browser ids and contexts, three running bundled scenarios and one compromised,
/// drawn live; then a summary that checks what must have happened.
public enum Demo {
    /// How to run the demo.
    public struct Options: Sendable {
        /// The `render-client` executable.
        public var renderClient: String
        /// Where scenarios, renderer logs, the trace and downloads go; a new temporary folder if `nil`.
        public var directory: String?
        /// Redraw a live view (a terminal), or print one line per event.
        public var live: Bool

        public init(renderClient: String, directory: String? = nil, live: Bool) {
            self.renderClient = renderClient
            self.directory = directory
            self.live = live
        }
    }

    /// Runs the demo; returns 0 when every check passed, 1 otherwise.
    public static func run(_ options: Options) async throws -> Int32 {
        let directory = try options.directory ?? makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var spawnCommands: [String] = []
        for renderer in DemoRenderer.all {
            if let scenario = renderer.scenario {
                let path = "\(directory)/\(renderer.browser).json"
                _ = try Scenario.decode(Data(scenario.utf8), source: "the \(renderer.browser) scenario")
                try Data(scenario.utf8).write(to: URL(fileURLWithPath: path))
                spawnCommands.append("\(quoted(options.renderClient)) --browser \(renderer.browser) run \(quoted(path)) --base BASE")
            } else if let misbehaviour = renderer.misbehaviour {
                spawnCommands.append("\(quoted(options.renderClient)) --browser \(renderer.browser) misbehave \(misbehaviour)")
            }
        }
        let trace = try TraceWriter(path: "\(directory)/trace.jsonl")
        return try await TestWebServer.withServer { server in
            let view = DemoView(live: options.live, baseURL: server.baseURL, directory: directory)
            let configuration = BrowserHost.Configuration(
                socketPath: "\(directory)/browser.sock",
                downloadsDirectory: "\(directory)/downloads",
                contexts: [ContextDeclaration(argument: "work")!],
                browsers: Dictionary(uniqueKeysWithValues: DemoRenderer.all.map { ($0.browser, $0.context) }),
                spawnCommands: spawnCommands.map {
                    $0.replacingOccurrences(of: "--base BASE", with: "--base \(server.baseURL)")
                        .replacingOccurrences(of: "--url BASE", with: "--url \(server.baseURL)")
                },
                exitWhenIdle: true,
                downloadHandler: view,
                observer: { event in
                    trace.record(event)
                    view.record(event)
                },
                rendererOutput: .logDirectory(directory)
            )
            view.begin()
            _ = try await BrowserHost.run(configuration)
            return view.finish(directRequestsSeen: server.hits(tag: DemoRenderer.directTag))
        }
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "webrequestkit-demo.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }

    private static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
