// A renderer program of your own: connect to a browser process, then make requests with the same
// WebRequest API the browser process uses. The browser carries them on its network stack, in the
// request context of this renderer's browser id, and refuses what a renderer may not do.
//
//   hello-renderer --socket /tmp/browser.sock URL...         (a running `browser-host serve`)
//   browser-host serve --socket S --spawn 'hello-renderer URL...'   (spawned: --ipc-fd N is added)
//
// A spawned renderer engages the renderer sandbox before its handshake (`browser-host serve
// --no-sandbox` passes `--no-sandbox` on): from then on the kernel refuses it sockets, files and
// programs, and its only way out is the browser.
//
// It imports FoundationEssentials, which is all a renderer needs, not Foundation: a process
// that imports Foundation loads it, its internationalization and ICU at every start, about a
// third of a render-client's start (docs/performance-issue-17.md, round twenty).

import FoundationEssentials
import Glibc
import NIOCore
import NIOPosix
import RendererCore
import WebRequestKit

@main
struct HelloRenderer {
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let socket = take("--socket", from: &arguments)
        let descriptor = take("--ipc-fd", from: &arguments).flatMap(Int32.init)
        let browser = take("--browser", from: &arguments)
        let sandboxed = !takeFlag("--no-sandbox", from: &arguments)
        guard socket != nil || descriptor != nil, !arguments.isEmpty else {
            printError("usage: hello-renderer (--socket PATH | --ipc-fd N) [--browser ID] URL...")
            exit(2)
        }
        do {
            // 1. Become a renderer: the browser answers with this renderer's id and browser.
            let connection =
                if let socket {
                    try await RendererProcess.connect(socketPath: socket, browserID: browser)
                } else {
                    try await RendererProcess.adopt(descriptor: descriptor!, browserID: browser, sandbox: sandboxed)
                }
            print("renderer \(connection.rendererID) of browser \(connection.browserID), \(SandboxLayer.summary(of: connection.sandbox))")

            // 2. The short way: one call per request, for Swift concurrency.
            for url in arguments {
                do {
                    let (response, body) = try await WebRequest.fetch(Request(url: url))
                    print("\(url): \(response.status) \(response.mimeType), \(body.count) bytes")
                } catch let error as NetworkError where error == .aborted {
                    print("\(url): not for rendering, so the browser saved it as a download")
                } catch {
                    print("\(url): \(error)")
                }
            }

            // 3. The CEF way: a client receives each callback on the loop that created the request.
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let first = arguments[0]
            let bytes = try await loop.flatSubmit {
                let done = loop.makePromise(of: Int64.self)
                do {
                    let client = ProgressClient(done: done)
                    client.request = try WebRequest(Request(url: first), client: client)
                } catch {
                    done.fail(error)
                }
                return done.futureResult
            }.get()
            print("a client saw \(bytes) bytes arrive")

            // 4. What a renderer may not do is refused before anything is sent.
            do {
                let upload = Request(url: arguments[0], method: "POST", postData: PostData([.file(path: "/etc/hostname")]))
                _ = try await WebRequest.fetch(upload)
            } catch let refusal as WebRequestCreateError {
                print("a file upload is refused here: \(refusal.code.rawValue)")
            }
        } catch {
            printError("hello-renderer: \(error)")
            exit(1)
        }
    }

    /// Writes `message` and a newline to standard error.
    private static func printError(_ message: String) {
        var line = message + "\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    private static func takeFlag(_ flag: String, from arguments: inout [String]) -> Bool {
        guard let index = arguments.firstIndex(of: flag) else { return false }
        arguments.remove(at: index)
        return true
    }

    private static func take(_ option: String, from arguments: inout [String]) -> String? {
        guard let index = arguments.firstIndex(of: option), index + 1 < arguments.count else { return nil }
        defer { arguments.removeSubrange(index...index + 1) }
        return arguments[index + 1]
    }
}

/// Counts the body as it streams and reports the total at completion.
final class ProgressClient: WebRequestClient {
    let done: EventLoopPromise<Int64>
    var request: WebRequest?
    private var received: Int64 = 0

    init(done: EventLoopPromise<Int64>) {
        self.done = done
    }

    func webRequest(_ request: WebRequest, didReceive data: Data) {
        received += Int64(data.count)
    }

    func webRequestDidComplete(_ request: WebRequest) {
        self.request = nil
        done.succeed(received)
    }
}
