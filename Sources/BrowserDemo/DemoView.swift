import BrowserHostCore
import Foundation
import Synchronization
import WebRequestCLI
import WebRequestKit

/// What the demo shows while it runs, and the checks it makes at the end. Fed from the browser's
/// threads (``HostEvent``s and download updates); drawn from a thread of its own in live mode,
/// or printed one line per event otherwise.
final class DemoView: DownloadHandler, Sendable {
    private struct Renderer {
        var id: UInt64
        var browser: String
        var pid: Int32
        var started = 0
        var ended = 0
        var bytes: Int64 = 0
        var exitStatus: Int32?
        var badMessage: String?
        var sandbox: [SandboxLayer] = []
    }

    private struct Download {
        var name: String
        var received: Int64
        var total: Int64
        var state: DownloadState
    }

    /// A request in flight, as the live view lists it.
    private struct Live {
        var order: Int
        var browser: String
        var what: String
        var state: String
    }

    private struct State {
        var renderers: [UInt64: Renderer] = [:]
        var live: [String: Live] = [:]
        var started = 0
        var downloads: [UInt64: Download] = [:]
        var recent: [String] = []
        var drawnLines = 0
        var running = true
    }

    private let live: Bool
    private let baseURL: String
    private let directory: String
    private let startedAt = Date()
    private let state = Mutex(State())
    private let drawn = Mutex(())

    init(live: Bool, baseURL: String, directory: String) {
        self.live = live
        self.baseURL = baseURL
        self.directory = directory
    }

    /// Prints the heading and, in live mode, starts redrawing ten times a second.
    func begin() {
        write("WebRequestKit demo: a browser process (pid \(getpid())) and \(DemoRenderer.all.count) renderer processes; web server at \(baseURL)\n")
        for renderer in DemoRenderer.all {
            write("  \(renderer.browser.padding(toLength: 6, withPad: " ", startingAt: 0)) context \(renderer.context.padding(toLength: 7, withPad: " ", startingAt: 0)) \(renderer.purpose)\n")
        }
        guard live else { return }
        Thread.detachNewThread { [self] in
            while state.withLock({ $0.running }) {
                redraw()
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    // MARK: Events, from the browser's threads

    func record(_ event: HostEvent) {
        let line: String? = state.withLock { state in
            switch event {
            case .rendererConnected(let id, let browser, let pid, let sandbox):
                state.renderers[id] = Renderer(id: id, browser: browser, pid: pid, sandbox: sandbox)
                return "renderer \(id) (\(browser), pid \(pid)) connected, \(SandboxLayer.summary(of: sandbox))"
            case .rendererExited(let id, let pid, let status):
                state.renderers[id, default: Renderer(id: id, browser: "?", pid: pid)].exitStatus = status
                let how = status == 137 ? "was killed" : "exited with status \(status)"
                return "renderer \(id) (\(state.renderers[id]!.browser)) \(how)"
            case .badMessage(let id, let reason):
                state.renderers[id]?.badMessage = reason
                return "renderer \(id) sent a bad message: \(reason)"
            case .requestStarted(let id, let request, let method, let url, _):
                state.renderers[id]?.started += 1
                state.started += 1
                let path = URLComponents(string: url).map { $0.path + ($0.query.map { "?" + $0 } ?? "") } ?? url
                state.live["\(id)/\(request)"] = Live(
                    order: state.started, browser: state.renderers[id]?.browser ?? "?", what: "\(method) \(path)", state: "sent to the server"
                )
                return nil
            case .responseStarted(let id, let request, let status, let mimeType):
                state.live["\(id)/\(request)"]?.state = "response \(status) \(mimeType)"
                return nil
            case .requestEnded(let id, let request, let status, let error, let bytes, let routed):
                state.live["\(id)/\(request)"] = nil
                state.renderers[id]?.ended += 1
                state.renderers[id]?.bytes += bytes
                let outcome = routed ? "routed to the downloads folder" : "\(status)\(error == .none ? "" : " \(error.name)"), \(bytes) bytes"
                return "renderer \(id) (\(state.renderers[id]?.browser ?? "?")) request ended: \(outcome)"
            case .downloadEnded(let item):
                return "download \(item.state.rawValue): \((item.path as NSString).lastPathComponent), \(item.receivedBytes) bytes"
            case .requestNote(let id, let request, let note):
                switch note {
                case .redirect(let status, let to):
                    state.live["\(id)/\(request)"]?.state = "redirected (\(status))"
                    return "renderer \(id) followed a \(status) redirect to \(to)"
                case .paused:
                    state.live["\(id)/\(request)"]?.state = "paused: the renderer is behind"
                case .resumed:
                    state.live["\(id)/\(request)"]?.state = "receiving"
                case .retry, .fromCache:
                    break
                }
                return nil
            }
        }
        if let line { say(line) }
    }

    func downloadUpdated(_ item: DownloadItem) {
        state.withLock { state in
            state.downloads[item.id] = Download(
                name: (item.path.isEmpty ? item.suggestedFileName : (item.path as NSString).lastPathComponent),
                received: item.receivedBytes,
                total: item.totalBytes,
                state: item.state
            )
        }
    }

    // MARK: Output

    private func say(_ line: String) {
        let stamped = String(format: "[%5.2f s] ", Date().timeIntervalSince(startedAt)) + line
        if live {
            state.withLock { state in
                state.recent.append(stamped)
                if state.recent.count > 6 { state.recent.removeFirst() }
            }
        } else {
            write(stamped + "\n")
        }
    }

    private func redraw() {
        drawn.withLock { _ in
            let (lines, previous) = state.withLock { state -> ([String], Int) in
                let lines = Self.table(state)
                defer { state.drawnLines = lines.count }
                return (lines, state.drawnLines)
            }
            var text = previous > 0 ? "\u{1B}[\(previous)A" : ""
            text += lines.map { $0 + "\u{1B}[K\n" }.joined() + "\u{1B}[J"
            write(text)
        }
    }

    private static func table(_ state: State) -> [String] {
        var lines = ["", "renderer  browser  pid      requests  bytes        state"]
        for renderer in state.renderers.values.sorted(by: { $0.id < $1.id }) {
            let status: String =
                if renderer.badMessage != nil {
                    renderer.exitStatus == nil ? "bad message, being killed" : "killed for a bad message"
                } else if let code = renderer.exitStatus {
                    code == 0 ? "done, every request as expected" : "exited \(code)"
                } else {
                    "running"
                }
            lines.append(
                "\(String(renderer.id).padded(10))\(renderer.browser.padded(9))\(String(renderer.pid).padded(9))"
                    + "\("\(renderer.ended)/\(renderer.started)".padded(10))\(ByteCountFormat.string(renderer.bytes).padded(13))\(status)"
            )
        }
        lines.append("")
        lines.append("in flight")
        if state.live.isEmpty { lines.append("  (none)") }
        for request in state.live.values.sorted(by: { $0.order < $1.order }).prefix(6) {
            lines.append("  \(request.browser.padded(7))\(String(request.what.prefix(48)).padded(50))\(request.state)")
        }
        lines.append("")
        lines.append("downloads")
        for download in state.downloads.values.sorted(by: { $0.name < $1.name }) {
            let fraction = download.total > 0 ? Double(download.received) / Double(download.total) : 0
            let filled = min(20, Int(fraction * 20))
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: 20 - filled)
            lines.append("  \(download.name.padded(14)) [\(bar)] \(ByteCountFormat.string(download.received).padded(10)) \(download.state.rawValue)")
        }
        lines.append("")
        lines.append("latest")
        lines += state.recent.map { "  " + $0 }
        return lines
    }

    // MARK: The end

    /// Stops the live view, prints the summary and the checks; returns the exit status.
    ///
    /// - Parameter directRequestsSeen: how many requests the web server saw from the hostile
    ///   renderer's own connection (it must be none).
    func finish(directRequestsSeen: Int) -> Int32 {
        state.withLock { $0.running = false }
        if live { redraw() }
        let state = state.withLock { $0 }
        var checks: [(String, Bool)] = []
        for renderer in DemoRenderer.all {
            let row = state.renderers.values.first { $0.browser == renderer.browser }
            if renderer.misbehaviour != nil {
                // It sends the bad message only once the kernel refused both attempts (else it exits 1).
                let killed = row?.badMessage != nil && row?.exitStatus == 137
                checks.append(("the \(renderer.browser) renderer's own connection and file read were refused by the kernel", killed && directRequestsSeen == 0))
                checks.append(("the \(renderer.browser) renderer was killed for its bad message", killed))
            } else {
                checks.append(("the \(renderer.browser) renderer's requests all ended as expected", row?.exitStatus == 0))
            }
        }
        let required: Set<SandboxLayer> = [.userNamespace, .networkNamespace, .seccompBPF]
        let sandboxed = state.renderers.values.filter { required.isSubset(of: $0.sandbox) }.count
        checks.append(("\(sandboxed) of \(DemoRenderer.all.count) renderers ran sandboxed (namespaces, seccomp-bpf)", sandboxed == DemoRenderer.all.count))
        let complete = state.downloads.values.filter { $0.state == .complete }
        checks.append(("3 downloads completed (report.pdf, minutes.txt, movie.mp4)", complete.count == 3))
        checks.append(("no request was left in flight", state.renderers.values.allSatisfy { $0.started == $0.ended }))
        let requests = state.renderers.values.reduce(0) { $0 + $1.ended }
        let bytes = state.renderers.values.reduce(Int64(0)) { $0 + $1.bytes } + complete.reduce(Int64(0)) { $0 + $1.received }
        var summary = "\nsummary: \(state.renderers.count) renderers, \(requests) requests through the browser, \(ByteCountFormat.string(bytes)) received, "
        summary += "\(complete.count) downloads in \(directory)/downloads\n"
        for (check, passed) in checks { summary += "  \(passed ? "ok  " : "FAIL") \(check)\n" }
        summary += "the trace is \(directory)/trace.jsonl (browser-host trace FILE summarises it); renderer logs and scenarios are beside it\n"
        let failed = checks.filter { !$0.1 }.count
        summary += failed == 0 ? "demo: all \(checks.count) checks passed\n" : "demo: \(failed) of \(checks.count) checks failed\n"
        write(summary)
        return failed == 0 ? 0 : 1
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self + " " : padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
