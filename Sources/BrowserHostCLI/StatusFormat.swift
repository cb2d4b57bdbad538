public import BrowserHostCore
import Foundation
import WebRequestCLI
import WebRequestKit

extension StatusClient.Report {
    private var counters: [(String, JSONValue)] {
        [
            ("renderers", .int(Int64(renderers))), ("in_flight", .int(Int64(inFlight))),
            ("completed", .int(Int64(completed))), ("bad_messages", .int(Int64(badMessages))),
            ("downloads", .int(Int64(downloads))),
        ]
    }

    /// `status --json`: one object, `cli.md`'s counters then `renderer_list`.
    public var json: String {
        let list = rendererList.map { renderer in
            JSONValue.object([
                ("renderer", .int(Int64(renderer.id))), ("browser", .string(renderer.browserID)),
                ("pid", .int(Int64(renderer.pid))), ("sandbox", .array(renderer.sandbox.map { .string($0.rawValue) })),
            ])
        }
        return JSONValue.object(counters + [("renderer_list", .array(list))]).rendered
    }

    /// `status`: the counters on one line, then one line per renderer with its sandbox.
    public var text: String {
        let line = counters.map { "\($0.0.replacingOccurrences(of: "_", with: " ")): \($0.1.rendered)" }.joined(separator: ", ")
        let renderers = rendererList.map { renderer in
            "\nrenderer \(renderer.id) (browser \(renderer.browserID), pid \(renderer.pid)): \(SandboxLayer.summary(of: renderer.sandbox))"
        }
        return line + renderers.joined()
    }
}
