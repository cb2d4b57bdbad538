/// The renderers the demo spawns: each a browser id (a tab), the request context it is bound
/// to, and what its process runs. The scenarios are the format of `docs/scenarios.md`, written
/// out to the demo's folder so that they can be read, edited and run again.
struct DemoRenderer: Sendable {
    /// The browser id; it names the renderer in the view.
    var browser: String
    var context: String
    var purpose: String
    /// A scenario for `render-client run`, or `nil` for the hostile renderer.
    var scenario: String?
    /// What the hostile renderer tries (`render-client misbehave KIND...`): first what the
    /// kernel must stop, then what the browser must.
    var misbehaviour: String?

    /// The query tag of the hostile renderer's direct request: the web server must never see it.
    static let directTag = "ads-direct"

    static let all: [DemoRenderer] = [
        DemoRenderer(
            browser: "news", context: "global", purpose: "pages, an API, redirects, a PDF",
            scenario: #"""
                {
                  "version": 1,
                  "name": "news",
                  "description": "A news tab: a page, its JSON API, a redirect chain, a PDF that goes to the downloads folder, a 5xx that is not retried.",
                  "concurrency": 3,
                  "requests": [
                    { "name": "page", "url": "{base}/content?type=text/html&body=text&size=4000",
                      "expect": { "status": "success", "http_status": 200, "min_body_bytes": 4000 } },
                    { "name": "api", "url": "{base}/cookies", "headers": ["Accept: application/json"], "repeat": 4,
                      "expect": { "status": "success", "http_status": 200 } },
                    { "name": "redirect", "url": "{base}/redirect-chain/3",
                      "expect": { "status": "success", "http_status": 200 } },
                    { "name": "report.pdf", "url": "{base}/content?type=application/pdf&size=200000&disposition=inline;%20filename=report.pdf",
                      "expect": { "status": "failed", "error": "ERR_ABORTED", "routed_to_download": true } },
                    { "name": "unavailable", "url": "{base}/status/503", "flags": ["no-retry-on-5xx"],
                      "expect": { "status": "success", "http_status": 503 } }
                  ]
                }
                """#
        ),
        DemoRenderer(
            browser: "mail", context: "work", purpose: "a form, cookies, a refused upload",
            scenario: #"""
                {
                  "version": 1,
                  "name": "mail",
                  "description": "A mail tab in its own context: a sign-in cookie, a form POST, an attachment saved to downloads, and a file upload its own create() refuses.",
                  "concurrency": 2,
                  "requests": [
                    { "name": "sign-in", "url": "{base}/cookies/set?session=mail-1", "flags": ["allow-stored-credentials"],
                      "expect": { "status": "success", "http_status": 200 } },
                    { "name": "compose", "url": "{base}/echo", "method": "POST", "data": ["to=ann&subject=renderers"],
                      "headers": ["Content-Type: application/x-www-form-urlencoded"],
                      "expect": { "status": "success", "http_status": 200 } },
                    { "name": "attachment", "url": "{base}/content?type=text/plain&size=50000&disposition=attachment;%20filename=minutes.txt",
                      "expect": { "status": "failed", "error": "ERR_ABORTED", "routed_to_download": true } },
                    { "name": "upload-file", "url": "{base}/echo", "method": "POST", "upload_file": "/etc/hostname",
                      "expect": { "status": "refused", "error": "file_element_in_renderer" } }
                  ]
                }
                """#
        ),
        DemoRenderer(
            browser: "video", context: "global", purpose: "a large download, a cancel",
            scenario: #"""
                {
                  "version": 1,
                  "name": "video",
                  "description": "A video tab: a 16 MiB file routed to downloads, paced over about four seconds so that its progress shows, and a slow stream the page cancels.",
                  "concurrency": 2,
                  "requests": [
                    { "name": "movie.mp4", "url": "{base}/slow?chunks=256&size=65536&delay_ms=15&type=video/mp4&disposition=attachment;%20filename=movie.mp4",
                      "expect": { "status": "failed", "error": "ERR_ABORTED", "routed_to_download": true } },
                    { "name": "live-stream", "url": "{base}/slow?chunks=40&size=2000&delay_ms=50&type=text/plain", "cancel_after_bytes": 20000,
                      "expect": { "status": "canceled", "error": "ERR_ABORTED" } }
                  ]
                }
                """#
        ),
        DemoRenderer(
            browser: "ads", context: "global", purpose: "compromised: connects past the browser, reads a file, asks for an upload",
            misbehaviour: "direct-connect read-file file-upload --url BASE/hello?tag=\(directTag)"
        ),
    ]
}
