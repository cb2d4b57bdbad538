import Foundation
import Glibc
import TestWebServer
import Testing

extension BlackBoxTests {
    /// `render-client run`, `render-client misbehave`, `serve --trace` with `browser-host trace`,
    /// and the demo that puts them together.
    @Suite("Scenarios, traces and the demo", .serialized)
    struct ScenarioTests {
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        private func scenarioFile(_ json: String) throws -> String {
            let path = NSTemporaryDirectory() + "scenario-\(UUID().uuidString.prefix(8)).json"
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        @Test func theExampleTourRunsAsItSays() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let tour = Self.repository.appendingPathComponent("Examples/scenarios/tour.json").path
                let result = try await ChildProcess.run("render-client", ["--socket", browser.socket, "run", tour, "--base", server.baseURL, "--json"])
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                let summary = try #require(result.events.last)
                #expect(summary["event"] as? String == "summary")
                #expect(summary["requests"] as? Int == 11)
                #expect(summary["passed"] as? Int == 11)
                let completions = result.events.filter { $0["event"] as? String == "complete" }
                #expect(Set(completions.compactMap { $0["request"] as? String }).isSuperset(of: ["page", "api#1", "api#3", "form", "pdf", "cancel"]))
                #expect(result.events.first { $0["event"] as? String == "create_failed" }?["request"] as? String == "file-upload")
                #expect(browser.events("download").count == 2)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func anUnmetExpectationFailsTheRunAndSaysWhy() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let path = try scenarioFile(#"""
                    {"version": 1, "name": "wrong", "requests": [
                      {"name": "missing", "url": "{base}/nope", "expect": {"http_status": 200}},
                      {"name": "fine", "url": "{base}/hello"}
                    ]}
                    """#)
                defer { unlink(path) }
                let result = try await ChildProcess.run("render-client", ["--socket", browser.socket, "run", path, "--base", server.baseURL])
                #expect(result.status == 1)
                #expect(result.stdout.contains("FAIL missing: success 404"))
                #expect(result.stdout.contains("HTTP status 404, expected 200"))
                #expect(result.stdout.contains("ok   fine: success 200"))
                #expect(result.stdout.contains("scenario wrong: 2 requests, 1 as expected, 1 not"))
                #expect(browser.stop().status == 0)
            }
        }

        @Test(arguments: [
            (#"{"version": 2, "name": "x", "requests": [{"name": "a", "url": "http://x/"}]}"#, "version 2"),
            (#"{"version": 1, "name": "x", "requests": [{"name": "a", "url": "http://x/"}, {"name": "a", "url": "http://x/"}]}"#, "two requests are named"),
            (#"{"version": 1, "name": "x", "requests": [{"name": "a", "url": "http://x/", "flags": ["fast"]}]}"#, "unknown --flag"),
            (#"{"version": 1, "name": "x", "requests": [{"url": "http://x/"}]}"#, "missing \"name\""),
            (#"{"version": 1, "name": "x", "requests": []}"#, "no requests"),
            ("not json", "not a scenario"),
        ])
        func aScenarioThatCannotRunExitsTwoBeforeConnecting(_ json: String, _ message: String) async throws {
            let path = try scenarioFile(json)
            defer { unlink(path) }
            let result = try await ChildProcess.run("render-client", ["--socket", "/nonexistent.sock", "run", path])
            #expect(result.status == 2)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }

        @Test(arguments: ["file-upload", "forged-context", "unknown-request"])
        func aMisbehavingRendererIsEndedAndNothingElse(_ kind: String) async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser(["--context", "work", "--browser", "mail=work"])
                let hostile = try await ChildProcess.run("render-client", ["--socket", browser.socket, "--browser", "mail", "misbehave", kind])
                #expect(hostile.status == 0, "the browser closed the channel: \(hostile.stderr)")
                #expect(browser.events("bad_message").count == 1)
                let fine = try await browser.render([server.baseURL + "/hello", "--json"], browser: "mail")
                #expect(fine.status == 0, "another renderer of the same browser goes on")
                #expect(browser.stop().status == 0)
            }
        }

        @Test func anUnknownMisbehaviourIsAWrongCommandLine() async throws {
            let result = try await ChildProcess.run("render-client", ["--socket", "/nonexistent.sock", "misbehave", "be-rude"])
            #expect(result.status == 2)
            #expect(result.stderr.contains("unknown misbehaviour \"be-rude\"; known: file-upload, forged-context, unknown-request"))
        }

        @Test func theTraceFollowsEachRequestAndTheSummaryReadsIt() async throws {
            try await TestWebServer.withServer { server in
                let directory = NSTemporaryDirectory() + "trace-\(UUID().uuidString.prefix(8))"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let trace = directory + "/trace.jsonl"
                let browser = try await ServingBrowser(["--trace", trace])
                _ = try await browser.render([server.baseURL + "/redirect-chain/2"])
                _ = try await browser.render([server.baseURL + "/slow?chunks=20&size=1000&delay_ms=20&type=text/plain", "--cancel-after-bytes", "1000"])
                _ = try await browser.render([server.baseURL + "/content?type=application/zip&size=3000"])
                #expect(browser.stop().status == 0)

                let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
                let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                #expect(events.count == lines.count, "every line is a JSON object")
                #expect(events.allSatisfy { $0["t_ms"] != nil })
                let kinds = events.compactMap { $0["event"] as? String }
                #expect(kinds.filter { $0 == "request_started" }.count == 3)
                #expect(kinds.filter { $0 == "redirect" }.count == 2)
                #expect(kinds.filter { $0 == "request_ended" }.count == 3)
                #expect(kinds.contains("download"))

                let summary = try await ChildProcess.run("browser-host", ["trace", trace])
                #expect(summary.status == 0)
                #expect(summary.stdout.contains("(2 redirect(s))"))
                #expect(summary.stdout.contains(": canceled"))
                #expect(summary.stdout.contains("(routed to a download)"))
                #expect(summary.stdout.contains("3 request(s) (3 ended"))

                let notATrace = try await ChildProcess.run("browser-host", ["trace", "/etc/hostname"])
                #expect(notATrace.status == 2)
                #expect(notATrace.stderr.contains("/etc/hostname:1: not a trace event"))

                let unwritable = try await ChildProcess.run("browser-host", ["serve", "--socket", directory + "/b2.sock", "--trace", "/no/such/dir/t.jsonl"])
                #expect(unwritable.status == 2)
                #expect(unwritable.stderr.contains("cannot write --trace /no/such/dir/t.jsonl: No such file or directory"))
            }
        }

        /// A trace that can no longer be written (a full disk) stops with one message; the
        /// browser goes on serving.
        @Test func aTraceThatCannotBeWrittenStopsAndTheBrowserGoesOn() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser(["--trace", "/dev/full"])
                #expect(try await browser.render([server.baseURL + "/hello"]).status == 0)
                #expect(try await browser.render([server.baseURL + "/hello"]).status == 0)
                let stopped = browser.stop()
                #expect(stopped.status == 0)
                let message = "browser-host: cannot write --trace /dev/full: No space left on device; the trace stops here"
                #expect(stopped.stderr.components(separatedBy: message).count == 2, "said once: \(stopped.stderr)")
            }
        }

        @Test func logsAreQuietByDefaultAndCarryIdsWhenAskedFor() async throws {
            try await TestWebServer.withServer { server in
                let quiet = try await ServingBrowser()
                #expect(try await quiet.render([server.baseURL + "/hello"]).status == 0)
                let hostile = try await ChildProcess.run("render-client", ["--socket", quiet.socket, "misbehave", "unknown-request"])
                #expect(hostile.status == 0)
                let quietEnd = quiet.stop()
                let quietLines = quietEnd.stderr.split(separator: "\n")
                #expect(quietLines.count == 1, "only the bad message: \(quietEnd.stderr)")
                #expect(quietLines.first?.contains("warning: bad message; the renderer is ended") == true)
                #expect(quietLines.first?.contains("renderer=2") == true)

                let chatty = try await ServingBrowser(["--log-level", "debug"])
                let fetch = try await ChildProcess.run("render-client", ["--socket", chatty.socket, "fetch", server.baseURL + "/redirect/302?to=/hello", "--log-level", "debug"])
                #expect(fetch.stderr.contains("debug: request sent method=GET renderer=1 request=1"))
                let chattyEnd = chatty.stop()
                #expect(chattyEnd.stderr.contains("info: renderer connected browser=default"))
                #expect(chattyEnd.stderr.contains("debug: redirect renderer=1 request=1 status=302"))
                #expect(chattyEnd.stderr.contains("debug: request ended body_bytes=5 error=ERR_NONE renderer=1 request=1"))

                let wrong = try await ChildProcess.run("browser-host", ["serve", "--socket", "/tmp/x.sock", "--log-level", "loud"])
                #expect(wrong.status == 2)
                #expect(wrong.stderr.contains("unknown --log-level \"loud\""))
            }
        }

        /// `Examples/hello-renderer`, spawned as the README shows it.
        @Test func theExampleRendererProgramWorks() async throws {
            try await TestWebServer.withServer { server in
                let client = ChildProcess.productsDirectory.appendingPathComponent("hello-renderer").path
                let browser = try await ServingBrowser([
                    "--exit-when-idle", "--spawn", "\(client) \(server.baseURL)/hello \(server.baseURL)/content?type=application/zip&size=3000",
                ])
                let result = browser.process.wait()
                #expect(result.status == 0, "\(result.stderr)")
                for line in [
                    "renderer 1 of browser default", "/hello: 200 text/plain, 5 bytes", "not for rendering, so the browser saved it as a download",
                    "a client saw 5 bytes arrive", "a file upload is refused here: file_element_in_renderer",
                ] {
                    #expect(result.stderr.contains(line), "\(line)")
                }
            }
        }

        /// The README's main command, as CI runs it: no terminal, so plain lines and a summary.
        @Test func theDemoRunsToACorrectSummary() async throws {
            let directory = NSTemporaryDirectory() + "demo-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let start = ContinuousClock.now
            let result = try await ChildProcess.run("browser-demo", ["--directory", directory])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(ContinuousClock.now - start < .seconds(60))
            #expect(result.stdout.contains("demo: all 8 checks passed"))
            #expect(result.stdout.contains("renderer 4 sent a bad message"))
            #expect(result.stdout.contains("connected, sandbox: user-namespace, network-namespace, seccomp-bpf"))
            let ads = try String(contentsOfFile: directory + "/renderer-4.log", encoding: .utf8)
            #expect(ads.contains("direct-connect http://127.0.0.1:"), "\(ads)")
            #expect(ads.contains("ads-direct: refused by the kernel (EPERM)"), "\(ads)")
            #expect(ads.contains("read-file /etc/passwd: refused by the kernel (EPERM)"), "\(ads)")
            let downloads = try FileManager.default.contentsOfDirectory(atPath: directory + "/downloads").sorted()
            #expect(downloads == ["minutes.txt", "movie.mp4", "report.pdf"])
            let summary = try await ChildProcess.run("browser-host", ["trace", directory + "/trace.jsonl"])
            #expect(summary.stdout.contains("3 routed to downloads, 1 bad message(s)"))
            #expect(summary.stdout.contains("(browser ads): sandbox: user-namespace, network-namespace, seccomp-bpf, exited 137"), "\(summary.stdout)")
        }
    }
}
