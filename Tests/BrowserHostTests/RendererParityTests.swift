import Crypto
import Foundation
import Glibc
import TestWebServer
import Testing

extension BlackBoxTests {
    /// The renderer integration tests, run against the three implementations of the renderer
    /// side of the protocol: `render-client` (Swift), `render-client-c` (C on libprotobuf-c,
    /// under valgrind, which fails the test on any memory error or leak) and the Python one
    /// (`python -m webrequestkit.render_client`).
    @Suite("The three renderers, Swift, C and Python", .serialized)
    struct RendererParityTests {
        @Test(arguments: Renderer.allCases)
        func getPostAndHead(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let get = try await browser.render([server.baseURL + "/hello", "--json"], with: renderer)
                #expect(get.status == 0)
                #expect(get.completion?["body_sha256"] as? String == sha256(Data("hello".utf8)))
                #expect(get.response?["status"] as? Int == 200)

                let (post, echoed) = try await browser.renderEchoed(
                    [server.baseURL + "/echo", "--data", "abc", "--flag", "report-upload-progress", "--json"], with: renderer
                )
                #expect(post.status == 0)
                #expect(post.events.first?["event"] as? String == "upload_progress")
                #expect(post.events.contains { $0["event"] as? String == "upload_progress" && $0["current"] as? Int == 3 })
                #expect(echoed?["method"] as? String == "POST")
                #expect(echoed?["body_bytes"] as? Int == 3)

                let head = try await browser.render([server.baseURL + "/bytes/5000?type=text/plain", "-X", "HEAD", "--json"], with: renderer)
                #expect(head.status == 0)
                #expect(head.response?["status"] as? Int == 200)
                #expect(!head.events.contains { $0["event"] as? String == "download_data" })
                #expect(server.hits("/bytes/5000") == 1)
                #expect(browser.stop().status == 0)
            }
        }

        @Test(arguments: Renderer.allCases)
        func httpsOverHTTP2AndCertificateErrors(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer(tls: true) { server in
                let browser = try await ServingBrowser(["--ca-file", server.caPath!])
                let good = try await browser.render([server.baseURL + "/encoded/gzip?size=5000&type=text/plain", "--json"], with: renderer)
                #expect(good.status == 0)
                #expect(good.response?["http_version"] as? String == "h2")
                #expect(good.response?["tls_version"] as? String == "TLSv1.3")
                #expect(good.completion?["body_bytes"] as? Int == 5000, "the renderer gets the decoded body")
                for (fault, error) in [(TLSFault.expiredCertificate, "ERR_CERT_DATE_INVALID"), (.wrongHost, "ERR_CERT_COMMON_NAME_INVALID"), (.selfSigned, "ERR_CERT_AUTHORITY_INVALID")] {
                    let refused = try await browser.render([server.url(fault)! + "/hello", "--json"], with: renderer)
                    #expect(refused.status == 1)
                    #expect(refused.completion?["error"] as? String == error)
                    #expect(refused.response == nil)
                }
                let corrupt = try await browser.render([server.baseURL + "/encoded/corrupt?type=text/plain", "--json"], with: renderer)
                #expect(corrupt.completion?["error"] as? String == "ERR_CONTENT_DECODING_FAILED")
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                #expect(browser.stop().status == 0)
            }
        }

        @Test(arguments: Renderer.allCases)
        func throughTheBrowsersProxyWithoutKnowingIt(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer(tls: true) { tls in
                try await TestWebServer.withServer { plain in
                    try await TestProxy.withProxy(.http) { proxy in
                        let browser = try await ServingBrowser(["--proxy", proxy.url, "--ca-file", tls.caPath!])
                        let forwarded = try await browser.render([plain.baseURL + "/hello", "--json"], with: renderer)
                        #expect(forwarded.status == 0)
                        let tunneled = try await browser.render([tls.baseURL + "/hello?type=text/plain", "--json"], with: renderer)
                        #expect(tunneled.status == 0)
                        #expect(tunneled.response?["http_version"] as? String == "h2")
                        #expect(proxy.relayed == 2, "both went through the proxy")
                        #expect(browser.stop().status == 0)
                    }
                    // A proxy that wants credentials: only the browser process is asked for them,
                    // so a renderer's tunnel fails as CEF's does.
                    try await TestProxy.withProxy(.http, credentials: .init(user: "pat", password: "open")) { proxy in
                        let browser = try await ServingBrowser(["--proxy", proxy.url, "--ca-file", tls.caPath!])
                        // Forwarded, the proxy's 407 is the renderer's response: nobody is asked.
                        let forwarded = try await browser.render([plain.baseURL + "/hello", "--json"], with: renderer)
                        #expect(forwarded.response?["status"] as? Int == 407)
                        let refused = try await browser.render([tls.baseURL + "/hello", "--json"], with: renderer)
                        #expect(refused.status == 1)
                        #expect(refused.completion?["error"] as? String == "ERR_PROXY_AUTH_REQUESTED")
                        #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                        #expect(browser.stop().status == 0)
                    }
                    #expect(tls.hits("/hello") == 1)
                    #expect(plain.hits("/hello") == 1, "the 407s never reached the server")
                }
            }
        }

        @Test(arguments: Renderer.allCases)
        func redirectsAndStopOnRedirect(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let followed = try await browser.render([server.baseURL + "/redirect-chain/3", "--json"], with: renderer)
                #expect(followed.status == 0)
                #expect(followed.response?["url"] as? String == server.baseURL + "/hello")
                let stopped = try await browser.render(
                    [server.baseURL + "/redirect/302?to=/hello", "--flag", "stop-on-redirect", "--json"], with: renderer
                )
                #expect(stopped.status == 1)
                #expect(stopped.completion?["status"] as? String == "canceled")
                #expect(stopped.completion?["error"] as? String == "ERR_ABORTED")
                #expect(stopped.response?["status"] as? Int == 302)
                #expect(server.hits("/hello") == 1, "the stopped redirect was not followed")
                #expect(browser.stop().status == 0)
            }
        }

        @Test(arguments: Renderer.allCases)
        func cancelEndsTheRequestAndTheTransfer(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let canceled = try await browser.render(
                    [server.baseURL + "/bytes/50000000?type=text/plain", "--cancel-after-bytes", "1", "--json"], with: renderer
                )
                #expect(canceled.status == 1)
                #expect(canceled.completion?["status"] as? String == "canceled")
                #expect(canceled.completion?["error_code"] as? Int == -3)
                #expect(canceled.events.last?["event"] as? String == "complete", "nothing after the completion")
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                let dropped = try await browser.render(
                    [server.baseURL + "/bytes/50000000?type=text/plain", "--drop-after-bytes", "1", "--json"], with: renderer
                )
                #expect(dropped.status == 0)
                #expect(dropped.completion == nil, "a dropped request completes nowhere")
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                #expect(browser.stop().status == 0)
            }
        }

        @Test(arguments: Renderer.allCases)
        func nonRenderableResponsesGoToTheDownloadsFolder(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let url = server.baseURL + "/content?type=application/pdf&size=3000&disposition=attachment%3B%20filename%3Dreport.pdf"
                let routed = try await browser.render([url, "--json"], with: renderer)
                #expect(routed.status == 1)
                #expect(routed.completion?["routed_to_download"] as? Bool == true)
                #expect(routed.completion?["error"] as? String == "ERR_ABORTED")
                #expect(routed.completion?["body_bytes"] as? Int == 0)
                for _ in 0..<500 where browser.events("download").isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                #expect(browser.events("download").first?["state"] as? String == "complete")
                let saved = FileManager.default.contents(atPath: browser.directory + "/downloads/report.pdf")
                #expect(saved?.count == 3000)
                #expect(browser.stop().status == 0)
            }
        }

        @Test(arguments: Renderer.allCases)
        func refusalsStayInTheRenderer(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let cases: [([String], String)] = [
                    (["--upload-file", "/etc/hostname"], "file_element_in_renderer"),
                    (["-X", "TRACE"], "unsupported_method"),
                    (["-H", "Host: elsewhere.test"], "invalid_header"),
                    (["-H", "Cookie: a=b"], "invalid_header"),
                    (["--data", "a", "--data", "b"], "multiple_post_data_elements"),
                ]
                for (arguments, reason) in cases {
                    let refused = try await browser.render([server.baseURL + "/echo"] + arguments + ["--json"], with: renderer)
                    #expect(refused.status == 2, "\(arguments)")
                    #expect(refused.events.count == 1)
                    #expect(refused.events.first?["reason"] as? String == reason, "\(arguments)")
                }
                // The C client's URL check is its own: it must refuse what the browser would kill for.
                // A host FoundationEssentials alone would percent-encode and accept, as the Swift renderer
                // loads it (URLValidity.swift, WrittenHost), is among them.
                for url in ["http://", "http://%FF/", "http://a:80x/", "http://[/", "ftp://a:b:c/", "http://a b/", "http://a|b.c/", "http://u@exa%mple/"] {
                    let badURL = try await browser.render([url, "--json"], with: renderer)
                    #expect(badURL.events.first?["reason"] as? String == "invalid_url", "\(url)")
                }
                let wrongLine = try await browser.render([server.baseURL + "/echo", "--no-such-option"], with: renderer)
                #expect(wrongLine.status == 2)
                #expect(!wrongLine.stderr.isEmpty)
                let unreadable = try await browser.render([server.baseURL + "/echo", "--data-file", "/no/such/file"], with: renderer)
                #expect(unreadable.status == 2)
                #expect(unreadable.stderr.contains("/no/such/file"))
                let unwritable = try await browser.render([server.baseURL + "/echo", "--output", "/no/such/dir/body"], with: renderer)
                #expect(unwritable.status == 2)
                #expect(unwritable.stderr.contains("/no/such/dir/body"))
                #expect(server.hits("/echo") == 0, "nothing reached the network")
                #expect(browser.events("bad_message").isEmpty, "refused locally, never sent")
                #expect(browser.stop().status == 0)
            }
        }

        @Test(arguments: Renderer.allCases)
        func largeBodiesStreamBothWays(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let size = 8 << 20
                let reference = try await ChildProcess.run("browser-host", ["fetch", "\(server.baseURL)/bytes/\(size)", "--json"])
                let download = try await browser.render(["\(server.baseURL)/bytes/\(size)?type=text/plain", "--output", "/dev/null", "--json"], with: renderer)
                #expect(download.status == 0)
                #expect(download.completion?["body_bytes"] as? Int == size)
                #expect(download.completion?["body_sha256"] as? String == reference.completion?["body_sha256"] as? String)
                // In chunks of at most 256 KiB (the browser's), not as one piece.
                #expect(download.events.filter { $0["event"] as? String == "download_data" }.count >= size / (256 << 10))

                let upload = Data((0..<(1 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 7) })
                let path = browser.directory + "/upload.bin"
                #expect(FileManager.default.createFile(atPath: path, contents: upload))
                let (put, echoed) = try await browser.renderEchoed(
                    [server.baseURL + "/echo", "-X", "PUT", "--data-file", path, "--flag", "report-upload-progress", "--json"], with: renderer
                )
                #expect(put.status == 0)
                #expect(echoed?["body_bytes"] as? Int == upload.count)
                #expect(echoed?["body_sha256"] as? String == sha256(upload), "a streamed upload arrives whole")
                // Streamed (through the upload ring from the Swift renderer), progress still
                // climbs and ends at the body's size (behaviour.md section 4).
                let progress = put.events.filter { $0["event"] as? String == "upload_progress" }.compactMap { $0["current"] as? Int }
                #expect(progress == progress.sorted())
                #expect(progress.last == upload.count)
                #expect(put.events.last { $0["event"] as? String == "upload_progress" }?["total"] as? Int == upload.count)
                #expect(browser.stop().status == 0)
            }
        }

        @Test(arguments: Renderer.allCases)
        func aSpawnedRendererUsesItsInheritedDescriptor(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let directory = NSTemporaryDirectory() + "spawn-\(UUID().uuidString.prefix(8))"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                // valgrind implements neither seccomp(2) nor Landlock (docs/security.md): the C
                // renderer runs unsandboxed under it, and sandboxed natively in SandboxTests. The
                // Python renderer has no sandbox of its own.
                let result = try await ChildProcess.run("browser-host", [
                    "serve", "--socket", directory + "/b.sock", "--json", "--exit-when-idle",
                    "--spawn", "\(renderer.commandLine) fetch \(server.baseURL)/hello --json",
                ] + (renderer == .swift ? [] : ["--no-sandbox"]))
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.events.first { $0["event"] as? String == "renderer_exited" }?["status"] as? Int == 0)
                #expect(result.stderr.contains("\"status\":\"success\""))
            }
        }

        /// The three renderers print the same lines for the same requests (progress events aside:
        /// they are throttled by time).
        @Test func theRenderersReportAlike() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let requests: [[String]] = [
                    [server.baseURL + "/hello"],
                    [server.baseURL + "/status/404"],
                    [server.baseURL + "/redirect/307?to=/echo", "--data", "x=1"],
                    [server.baseURL + "/drop?after=3000&type=text/plain"],
                    [server.baseURL + "/drop-headers"],
                    [server.baseURL + "/bytes/100000?type=text/plain", "--flag", "no-download-data"],
                    ["foo://nowhere"],
                ]
                for request in requests {
                    let swift = try await browser.render(request + ["--json"], with: .swift)
                    for other in [Renderer.c, .python] {
                        let result = try await browser.render(request + ["--json"], with: other)
                        #expect(swift.status == result.status, "\(other): \(request)")
                        #expect(withoutProgress(swift.stdout) == withoutProgress(result.stdout), "\(other): \(request)")
                    }
                }
                #expect(browser.stop().status == 0)
            }
        }

        private func withoutProgress(_ output: String) -> [String] {
            output.split(separator: "\n").map(String.init).filter { !$0.contains("_progress\"") }
        }
    }
}

extension ServingBrowser {
    /// Runs a renderer whose request goes to the test web server's `/echo`, and returns with its
    /// result the JSON `/echo` sent back (the body, saved with `--output`).
    func renderEchoed(_ arguments: [String], with renderer: Renderer) async throws -> (ChildProcess.Result, [String: Any]?) {
        let path = directory + "/echo-\(UUID().uuidString.prefix(8)).json"
        let result = try await render(arguments + ["--output", path], with: renderer)
        let body = FileManager.default.contents(atPath: path) ?? Data()
        return (result, try? JSONSerialization.jsonObject(with: body) as? [String: Any])
    }
}

func sha256(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
