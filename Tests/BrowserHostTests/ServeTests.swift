import Foundation
import Glibc
import TestWebServer
import Testing
import WebRequestIPC

extension BlackBoxTests {
    /// Real `browser-host serve` and `render-client` processes against the embedded web server.
    @Suite("Render processes over IPC", .serialized)
    struct ServeTests {
        @Test func rendererRequestsReportLikeBrowserRequests() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let viaRenderer = try await browser.render([server.baseURL + "/hello", "--json"])
                let inBrowser = try await ChildProcess.run("browser-host", ["fetch", server.baseURL + "/hello", "--json"])
                #expect(viaRenderer.status == 0)
                #expect(viaRenderer.stdout == inBrowser.stdout)
                let posted = try await browser.render([server.baseURL + "/echo", "--data", "abc", "--json", "--flag", "report-upload-progress"])
                #expect(posted.events.first?["event"] as? String == "upload_progress")
                #expect(posted.response?["status"] as? Int == 200)
                let connected = browser.events("renderer_connected")
                #expect(connected.count == 2)
                #expect(connected.first?["browser"] as? String == "default")
                #expect(try await browser.status()["completed"] == 2)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func fileElementsAndRefusalsStayInTheRenderer() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let refused = try await browser.render([server.baseURL + "/echo", "--upload-file", "/etc/hostname", "--json"])
                #expect(refused.status == 2)
                #expect(refused.events.first?["reason"] as? String == "file_element_in_renderer")
                let method = try await browser.render([server.baseURL + "/echo", "-X", "TRACE", "--json"])
                #expect(method.events.first?["reason"] as? String == "unsupported_method")
                let host = try await browser.render([server.baseURL + "/echo", "-H", "Host: elsewhere.test", "--json"])
                #expect(host.status == 2)
                #expect(host.events.first?["reason"] as? String == "invalid_header")
                let local = try await browser.render(["file:///etc/passwd", "--json"])
                #expect(local.completion?["error"] as? String == "ERR_UNKNOWN_URL_SCHEME")
                #expect(local.completion?["body_bytes"] as? Int == 0, "a renderer never reads a local file")
                #expect(server.hits("/echo") == 0, "nothing reached the network")
                #expect(browser.events("bad_message").isEmpty, "refused locally, never sent")

                let fromBrowser = try await ChildProcess.run("browser-host", ["fetch", server.baseURL + "/echo", "--upload-file", "/etc/hostname", "--json"])
                #expect(fromBrowser.status == 0)
                #expect(server.hits("/echo") == 1)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func rendererRequestsNeverRetryNorAuthenticate() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let failing = try await browser.render([server.baseURL + "/status/503", "--json"])
                #expect(failing.status == 0)
                #expect(failing.response?["status"] as? Int == 503)
                #expect(server.hits("/status/503") == 1)
                let auth = try await browser.render([server.baseURL + "/auth/basic", "--flag", "allow-stored-credentials", "--json"])
                #expect(auth.status == 0)
                #expect(auth.response?["status"] as? Int == 401)
                #expect(!auth.stdout.contains("auth_credentials"))
                #expect(browser.stop().status == 0)
            }
        }

        @Test func cancelInTheRendererAndRedirectStops() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let canceled = try await browser.render([server.baseURL + "/bytes/50000000?type=text/plain", "--cancel-after-bytes", "1", "--json"])
                #expect(canceled.status == 1)
                #expect(canceled.completion?["status"] as? String == "canceled")
                #expect(canceled.events.last?["event"] as? String == "complete")
                let stopped = try await browser.render([server.baseURL + "/redirect/302?to=/hello", "--flag", "stop-on-redirect", "--json"])
                #expect(stopped.completion?["status"] as? String == "canceled")
                #expect(stopped.response?["url"] as? String == server.baseURL + "/hello")
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func browsersHaveTheirOwnContextsAndCookies() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser(["--context", "work", "--browser", "tab1=work", "--browser", "tab2=global"])
                let credentials = ["--flag", "allow-stored-credentials", "--json"]
                _ = try await browser.render([server.baseURL + "/cookies/set?tab=one"] + credentials, browser: "tab1")
                let sameBrowser = try await browser.render([server.baseURL + "/cookies", "--output", browser.directory + "/one"] + credentials, browser: "tab1")
                let otherBrowser = try await browser.render([server.baseURL + "/cookies", "--output", browser.directory + "/two"] + credentials, browser: "tab2")
                #expect(sameBrowser.status == 0)
                #expect(otherBrowser.status == 0)
                #expect(try String(contentsOfFile: browser.directory + "/one", encoding: .utf8).contains("tab=one"))
                #expect(try String(contentsOfFile: browser.directory + "/two", encoding: .utf8).contains("\"cookie\":\"\""))
                let unknown = try await browser.render([server.baseURL + "/hello", "--json"], browser: "no-such-tab")
                #expect(unknown.status != 0)
                #expect(browser.events("bad_message").count == 1)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func eachContextCanHaveItsOwnProxy() async throws {
            try await TestWebServer.withServer { server in
                try await TestProxy.withProxy(.http) { proxy in
                    let browser = try await ServingBrowser([
                        "--context", "proxied", "--context", "direct", "--browser", "tab1=proxied", "--browser", "tab2=direct",
                        "--context-proxy", "proxied=" + proxy.url,
                    ])
                    #expect(try await browser.render([server.baseURL + "/hello", "--json"], browser: "tab1").status == 0)
                    #expect(proxy.relayed == 1)
                    #expect(try await browser.render([server.baseURL + "/hello", "--json"], browser: "tab2").status == 0)
                    #expect(proxy.relayed == 1, "the other context connects directly")
                    #expect(server.hits("/hello") == 2)
                    #expect(browser.stop().status == 0)
                }
            }
        }

        @Test func spawnedRenderersGetTheirChannelAsAnInheritedDescriptor() async throws {
            try await TestWebServer.withServer { server in
                let client = ChildProcess.productsDirectory.appendingPathComponent("render-client").path
                let directory = NSTemporaryDirectory() + "spawn-\(UUID().uuidString.prefix(8))"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let result = try await ChildProcess.run("browser-host", [
                    "serve", "--socket", directory + "/b.sock", "--json", "--exit-when-idle",
                    "--context", "c", "--browser", "tab=c",
                    "--spawn", "\(client) fetch \(server.baseURL)/hello --json",
                    "--spawn", "\(client) --browser tab fetch '\(server.baseURL)/status/404' --json",
                ])
                #expect(result.status == 0)
                let events = result.events
                #expect(events.filter { $0["event"] as? String == "renderer_connected" }.count == 2)
                let exited = events.filter { $0["event"] as? String == "renderer_exited" }
                #expect(exited.count == 2)
                #expect(exited.allSatisfy { $0["status"] as? Int == 0 })
                #expect(Set(events.compactMap { $0["browser"] as? String }) == ["default", "tab"])
                #expect(result.stderr.contains("\"status\":\"success\""), "the renderers' own output goes to stderr with --json")

                let failing = try await ChildProcess.run("browser-host", [
                    "serve", "--socket", directory + "/c.sock", "--json", "--exit-when-idle",
                    "--spawn", "\(client) fetch foo://nowhere --json",
                ])
                #expect(failing.status == 1, "a renderer that exits 1 makes the idle exit 1")
            }
        }

        @Test func aSpawnedRendererInheritsItsChannelAndNothingElse() async throws {
            try await TestWebServer.withServer { server in
                let directory = NSTemporaryDirectory() + "spawn-\(UUID().uuidString.prefix(8))"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let client = ChildProcess.productsDirectory.appendingPathComponent("render-client").path
                // A first renderer's request leaves the browser a pooled connection to the server,
                // which the second, ls listing its own descriptors, must not inherit.
                let result = try await ChildProcess.run("browser-host", [
                    "serve", "--socket", directory + "/b.sock", "--json", "--exit-when-idle",
                    "--spawn", "\(client) fetch \(server.baseURL)/hello --json",
                    "--spawn", "/bin/sh -c 'sleep 1; exec ls /proc/self/fd' sh",
                ])
                #expect(result.status == 0)
                let descriptors = result.stderr.split(separator: "\n").compactMap { Int($0) }
                // ls sees the standard streams, the channel (3) and the directory it is listing (4).
                #expect(descriptors.sorted() == [0, 1, 2, 3, 4], "nothing but the standard streams and the channel")
            }
        }

        /// `fetch` and `serve` take the same network options and refuse the same bad values.
        @Test(arguments: [
            (["--idle-timeout", "0"], "--idle-timeout must be a positive number of seconds"),
            (["--context", "=dir"], "is not NAME or NAME=DIR"),
            (["--browser", "tab"], "is not ID=CONTEXT"),
            (["--context-proxy", "work=http://127.0.0.1:3128"], "names context \"work\", which no --context declares"),
            (["--context", "global", "--context-proxy", "global=http://127.0.0.1:3128"], "cannot set the global context"),
            (["--context", "work", "--context-proxy", "work=ftp://127.0.0.1"], "context work: the proxy ftp://127.0.0.1 is not"),
            (["--context", "work", "--context-no-proxy", "work=localhost"], "needs a proxy for work"),
            (["--context", "work", "--context-ca-file", "work=/nonexistent.pem"], "context work: the CA file /nonexistent.pem cannot be read"),
            (["--context", "work", "--context-proxy", "work"], "is not NAME=VALUE"),
        ])
        func badServeOptionsAreRefusedWithTheReason(_ arguments: [String], _ reason: String) async throws {
            let result = try await ChildProcess.run("browser-host", ["serve", "--socket", "/nonexistent/b.sock"] + arguments)
            #expect(result.status == 2)
            #expect(result.stderr.contains(reason), "\(result.stderr)")
        }

        @Test func rendererUnreachableExitsThree() async throws {
            let result = try await ChildProcess.run("render-client", ["--socket", "/nonexistent/browser.sock", "fetch", "http://127.0.0.1:1/", "--json"])
            #expect(result.status == 3)
            #expect(result.stderr.contains("cannot connect"))
        }

        /// cli.md's exit status 1 for a request that ended `canceled`, through a renderer: a body
        /// that cannot be written (a full disk) cancels the request with a clear message, and the
        /// renderer exits rather than crashing, as `browser-host fetch` does (the same reporter).
        @Test func aRendererWhoseBodyCannotBeWrittenCancelsAndExitsOne() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let result = try await browser.render([server.baseURL + "/bytes/200000?type=text/plain", "--output", "/dev/full", "--json"])
                #expect(result.status == 1)
                #expect(result.signal == nil)
                #expect(result.stderr.contains("cannot write --output /dev/full: No space left on device"), "\(result.stderr)")
                #expect(result.completion?["status"] as? String == "canceled")
                #expect(browser.stop().status == 0)
            }
        }

        /// The sockets `serve` and `status` open themselves (IPCSocket), failing with the reason.
        @Test func aSocketThatCannotBeOpenedIsSaidSo() async throws {
            let status = try await ChildProcess.run("browser-host", ["status", "--socket", "/nonexistent/browser.sock"])
            #expect(status.status == 3)
            #expect(status.stderr.contains("cannot connect to /nonexistent/browser.sock: No such file or directory"), "\(status.stderr)")
            let downloads = NSTemporaryDirectory() + "dl-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: downloads) }  // made before the socket fails
            let serve = try await ChildProcess.run("browser-host", ["serve", "--socket", "/nonexistent/dir/b.sock", "--downloads", downloads])
            #expect(serve.status != 0)
            #expect(serve.stderr.contains("cannot listen on /nonexistent/dir/b.sock"), "\(serve.stderr)")
            let long = "/tmp/" + String(repeating: "x", count: 120) + ".sock"
            let tooLong = try await ChildProcess.run("render-client", ["--socket", long, "fetch", "http://127.0.0.1:1/"])
            #expect(tooLong.status == 3)
            #expect(tooLong.stderr.contains("longer than the 107 bytes"), "\(tooLong.stderr)")
        }

        @Test func killedRenderersLeaveNothingInFlight() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let descriptorsBefore = try browser.openDescriptors()
                let downloading = try ChildProcess("render-client", ["--socket", browser.socket, "fetch", server.baseURL + "/stall?type=text/plain", "--json"])
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 1 }["in_flight"] == 1)
                kill(downloading.pid, SIGKILL)
                _ = downloading.wait()
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                for _ in 0..<250 where server.abortedResponses == 0 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(server.abortedResponses == 1, "the browser hung up on the server too")

                let path = browser.directory + "/upload.bin"
                #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 64 << 20)))
                let uploading = try ChildProcess("render-client", ["--socket", browser.socket, "fetch", "\(server.baseURL)/slow?chunks=100&delay_ms=100", "--data-file", path, "-X", "PUT", "--json"])
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 1 }["in_flight"] == 1)
                kill(uploading.pid, SIGKILL)
                _ = uploading.wait()
                let after = try await browser.eventuallyStatus { $0["in_flight"] == 0 && $0["renderers"] == 0 }
                #expect(after["in_flight"] == 0)
                #expect(after["renderers"] == 0)
                var descriptorsAfter = try browser.openDescriptors()
                for _ in 0..<100 where descriptorsAfter > descriptorsBefore {
                    try await Task.sleep(for: .milliseconds(20))
                    descriptorsAfter = try browser.openDescriptors()
                }
                #expect(descriptorsAfter == descriptorsBefore, "sockets and files of killed renderers are all closed")
                #expect(browser.stop().status == 0)
            }
        }

        @Test func aDeadBrowserFailsTheRenderersRequests() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let waiting = try ChildProcess("render-client", ["--socket", browser.socket, "fetch", server.baseURL + "/stall?type=text/plain", "--json"])
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 1 }["in_flight"] == 1)
                kill(browser.process.pid, SIGKILL)
                let result = await Task.detached { waiting.wait() }.value
                #expect(result.status == 1)
                #expect(result.completion?["status"] as? String == "failed")
                #expect(result.completion?["error"] as? String == "ERR_CONNECTION_CLOSED")
                _ = browser.stop()
            }
        }

        @Test func largeBodiesCrossInBoundedMemory() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let download = try await browser.render([server.baseURL + "/bytes/\(1 << 30)?type=text/plain", "--output", "/dev/null", "--json"])
                #expect(download.status == 0)
                #expect(download.completion?["body_bytes"] as? Int == 1 << 30)
                #expect(download.maxRSSKiB < 256 << 10, "renderer peak RSS \(download.maxRSSKiB) KiB for a 1 GiB download")
                // A zstd bomb: a few KiB that the browser decodes to 1 GiB for the renderer.
                let bomb = try await browser.render([server.baseURL + "/encoded/bomb?mib=1024&coding=zstd&type=text/plain", "--output", "/dev/null", "--json"])
                #expect(bomb.status == 0)
                #expect(bomb.completion?["body_bytes"] as? Int == 1 << 30)

                let path = browser.directory + "/upload.bin"
                #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 256 << 20)))
                let upload = try await browser.render([server.baseURL + "/echo", "--data-file", path, "--output", browser.directory + "/echo.json", "--json"])
                #expect(upload.status == 0)
                let echo = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: browser.directory + "/echo.json"))) as? [String: Any]
                #expect(echo?["body_bytes"] as? Int == 256 << 20)
                try? FileManager.default.removeItem(atPath: path)
                let stopped = browser.stop()
                #expect(stopped.status == 0)
                #expect(stopped.maxRSSKiB < 256 << 10, "browser peak RSS \(stopped.maxRSSKiB) KiB")
            }
        }
    }

    @Suite("A hostile renderer gets a bad message and nothing else breaks", .serialized)
    struct HostileRendererTests {
        /// A renderer's Hello, asking for the rings or not.
        private static func hello(bodyRing: Bool = false, uploadRing: Bool = false) throws -> [UInt8] {
            var hello = Webrequestkit_Ipc_V1_Hello()
            hello.protocolVersion = 1
            hello.pid = 1
            hello.bodyRing = bodyRing
            hello.uploadRing = uploadRing
            return try IPCEnvelope(.hello(hello)).framed()
        }

        private static func start(_ id: UInt64, url: String, method: String = "GET", _ edit: (inout Webrequestkit_Ipc_V1_Request) -> Void = { _ in }) throws -> [UInt8] {
            var start = Webrequestkit_Ipc_V1_StartRequest()
            start.requestID = id
            start.request.url = url
            start.request.method = method
            edit(&start.request)
            return try IPCEnvelope(.startRequest(start)).framed()
        }

        private static func frame(_ payload: [UInt8]) -> [UInt8] {
            withUnsafeBytes(of: UInt32(payload.count).bigEndian) { Array($0) } + payload
        }

        @Test func everyKindOfBadMessageEndsOnlyThatRenderer() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let url = server.baseURL + "/hello"
                var chunk = Webrequestkit_Ipc_V1_UploadChunk()
                chunk.requestID = 77
                chunk.data = Data("x".utf8)
                var version = Webrequestkit_Ipc_V1_Hello()
                version.protocolVersion = 99
                let unreachable = try await FullListener()
                let cases: [(String, [UInt8], Bool)] = [
                    ("garbage", [0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF], false),
                    ("oversized length", [0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3], false),
                    ("truncated frame", [0, 0, 0, 100, 1, 2, 3], true),
                    ("no hello first", try Self.start(1, url: url), false),
                    ("unknown protocol version", try IPCEnvelope(.hello(version)).framed(), false),
                    ("unknown request id", try Self.hello() + IPCEnvelope(.uploadChunk(chunk)).framed(), false),
                    ("file element", try Self.hello() + Self.start(1, url: url, method: "POST") {
                        var element = Webrequestkit_Ipc_V1_PostDataElement()
                        element.type = .file
                        element.filePath = "/etc/passwd"
                        $0.postData = [element]
                    }, false),
                    ("request context", try Self.hello() + Self.start(1, url: url) { $0.requestContext = "other" }, false),
                    ("forbidden method", try Self.hello() + Self.start(1, url: url, method: "CONNECT"), false),
                    ("forbidden header", try Self.hello() + Self.start(1, url: url) {
                        var header = Webrequestkit_Ipc_V1_Header()
                        header.name = "X-Split"
                        header.value = "a\r\nb: c"
                        $0.headers = [header]
                    }, false),
                    ("reused request id", try Self.hello() + Self.start(5, url: url) + Self.start(5, url: url), false),
                    ("more post data than announced", try Self.hello() + Self.start(1, url: server.baseURL + "/echo", method: "POST") {
                        var element = Webrequestkit_Ipc_V1_PostDataElement()
                        element.type = .bytes
                        element.length = 100_000
                        $0.postData = [element]
                    } + {
                        var upload = Webrequestkit_Ipc_V1_UploadChunk()
                        upload.requestID = 1
                        upload.data = Data(count: 100_001)
                        return try IPCEnvelope(.uploadChunk(upload)).framed()
                    }(), false),
                    // 1 MiB + 256 KiB of chunks before any credit, for a server libcurl never reaches
                    // (so it takes none of the body): past the upload window.
                    ("upload past the window", try Self.hello() + Self.start(1, url: "http://127.0.0.1:\(unreachable.port)/", method: "POST") {
                        var element = Webrequestkit_Ipc_V1_PostDataElement()
                        element.type = .bytes
                        element.length = 4 << 20
                        $0.postData = [element]
                    } + (0..<20).flatMap { _ in
                        var upload = Webrequestkit_Ipc_V1_UploadChunk()
                        upload.requestID = 1
                        upload.data = Data(count: 64 << 10)
                        return try IPCEnvelope(.uploadChunk(upload)).framed()
                    }, false),
                    // A raw renderer asks for no rings: an UploadChunk naming the upload ring is a lie.
                    ("an upload ring it was not given", try Self.hello() + Self.start(1, url: "http://127.0.0.1:\(unreachable.port)/", method: "PUT") {
                        var element = Webrequestkit_Ipc_V1_PostDataElement()
                        element.type = .bytes
                        element.length = 1 << 20
                        $0.postData = [element]
                    } + {
                        var upload = Webrequestkit_Ipc_V1_UploadChunk()
                        upload.requestID = 1
                        upload.ringLength = 64 << 10
                        return try IPCEnvelope(.uploadChunk(upload)).framed()
                    }(), false),
                    ("a browser-only message", try Self.hello() + IPCEnvelope(.welcome(.init())).framed(), false),
                    ("an empty envelope", Self.frame([]), false),
                ]
                for (index, (name, bytes, needsEOF)) in cases.enumerated() {
                    let renderer = try RawRenderer(socket: browser.socket)
                    renderer.write(bytes)
                    if needsEOF { renderer.shutdownWriting() }
                    let (_, closed) = renderer.readUntilClosed()
                    #expect(closed, "\(name): the browser closes the channel")
                    // The channel may close (end of stream) just before the event is printed.
                    for _ in 0..<100 where browser.events("bad_message").count <= index {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    let reported = browser.events("bad_message")
                    #expect(reported.count == index + 1, "\(name): one bad_message event")
                    #expect((reported.last?["reason"] as? String)?.isEmpty == false, "\(name)")
                }
                #expect(browser.events("bad_message").contains { ($0["reason"] as? String)?.contains("upload window") == true })
                #expect(browser.events("bad_message").contains { ($0["reason"] as? String)?.contains("upload ring this renderer was not given") == true })
                try await unreachable.close()
                let healthy = try await browser.render([url, "--json"])
                #expect(healthy.status == 0, "the browser still serves other renderers")
                let status = try await browser.status()
                #expect(status["bad_messages"] == cases.count)
                #expect(status["in_flight"] == 0)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func tooManyRequestsInFlightIsRefusedNotKilled() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let renderer = try RawRenderer(socket: browser.socket)
                var bytes = try Self.hello()
                for id in 1...65 {
                    bytes += try Self.start(UInt64(id), url: server.baseURL + "/stall?type=text/plain")
                }
                renderer.write(bytes)
                // Read frames until the completion of request 65 arrives.
                var buffer: [UInt8] = []
                var refused: Webrequestkit_Ipc_V1_RequestComplete?
                var chunk = [UInt8](repeating: 0, count: 65536)
                while refused == nil {
                    let count = chunk.withUnsafeMutableBytes { recv(renderer.fd, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else { break }
                    buffer += chunk[0..<count]
                    while buffer.count >= 4 {
                        let length = Int(UInt32(buffer[0]) << 24 | UInt32(buffer[1]) << 16 | UInt32(buffer[2]) << 8 | UInt32(buffer[3]))
                        guard buffer.count >= 4 + length else { break }
                        let envelope = try IPCEnvelope(payload: Array(buffer[4..<4 + length]))
                        buffer.removeFirst(4 + length)
                        if case .requestComplete(let complete) = envelope.message, complete.requestID == 65 { refused = complete }
                    }
                }
                #expect(refused?.status == .failed)
                #expect(refused?.errorCode == -12)
                #expect(browser.events("bad_message").isEmpty)
                #expect(try await browser.status()["in_flight"] == 64)
                shutdown(renderer.fd, Int32(SHUT_RDWR))
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                #expect(browser.stop().status == 0)
            }
        }

        @Test func theBodyRingGoesOnlyToWhoAsksAndAWrongReleaseEndsTheRenderer() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                // A renderer that does not ask (the C and Python ones) gets no ring.
                let plain = try RawRenderer(socket: browser.socket)
                plain.write(try Self.hello())
                let (plainWelcome, none) = try IPCEnvelope.read(from: plain.fd)
                #expect(plainWelcome.welcome.bodyRingBytes == 0)
                #expect(none == nil)
                // One that asks gets a sealed ring with its Welcome.
                let asking = try RawRenderer(socket: browser.socket)
                asking.write(try Self.hello(bodyRing: true))
                let (welcome, passed) = try IPCEnvelope.read(from: asking.fd)
                let descriptor = try #require(passed, "the Welcome carries the ring's descriptor")
                defer { close(descriptor) }
                #expect(welcome.welcome.bodyRingBytes == 2 * welcome.welcome.bodyWindowBytes, "two windows")
                #expect(ftruncate(descriptor, 0) != 0, "the renderer cannot shrink the browser's ring")
                // Releasing what was never written is a bad message: that renderer ends, no other.
                var release = Webrequestkit_Ipc_V1_RingRelease()
                release.position = 1 << 40
                asking.write(try IPCEnvelope(.ringRelease(release)).framed())
                #expect(asking.readUntilClosed().closed)
                for _ in 0..<100 where browser.events("bad_message").isEmpty {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect((browser.events("bad_message").first?["reason"] as? String)?.contains("RingRelease") == true)
                let healthy = try await browser.render([server.baseURL + "/hello", "--json"])
                #expect(healthy.status == 0)
                #expect(try await browser.status()["bad_messages"] == 1)
                #expect(browser.stop().status == 0)
            }
        }

        /// A renderer holding the upload ring that names bytes it could not have written there
        /// (behaviour.md section 7): each lie ends that renderer, with its reason, and no other.
        @Test func anUploadRingChunkThatLiesEndsTheRenderer() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let lies: [(reason: String, edit: (inout Webrequestkit_Ipc_V1_UploadChunk) -> Void)] = [
                    ("has both data and ring bytes", { $0.ringLength = 10; $0.data = Data("x".utf8) }),
                    ("ring bytes (1 to", { $0.ringLength = UInt32(IPCLimits.chunkBytes + 1) }),
                    ("past the end", { $0.ringPosition = UInt64(IPCLimits.uploadRingBytes - 100); $0.ringLength = 200 }),
                ]
                for (index, lie) in lies.enumerated() {
                    let renderer = try RawRenderer(socket: browser.socket)
                    renderer.write(try Self.hello(bodyRing: true, uploadRing: true))
                    let (welcome, passed) = try IPCEnvelope.read(from: renderer.fd)
                    let descriptor = try #require(passed, "the Welcome carries the rings' descriptor")
                    defer { close(descriptor) }
                    #expect(welcome.welcome.uploadRingBytes == UInt64(IPCLimits.uploadRingBytes))
                    var chunk = Webrequestkit_Ipc_V1_UploadChunk()
                    chunk.requestID = 1
                    lie.edit(&chunk)
                    renderer.write(
                        try Self.start(1, url: server.baseURL + "/echo", method: "PUT") {
                            var element = Webrequestkit_Ipc_V1_PostDataElement()
                            element.type = .bytes
                            element.length = 1 << 20
                            $0.postData = [element]
                        } + IPCEnvelope(.uploadChunk(chunk)).framed()
                    )
                    #expect(renderer.readUntilClosed().closed, "\(lie.reason)")
                    for _ in 0..<100 where browser.events("bad_message").count <= index {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    let reason = browser.events("bad_message").last?["reason"] as? String ?? ""
                    #expect(reason.contains(lie.reason), "\(reason)")
                }
                #expect(try await browser.eventuallyStatus { $0["in_flight"] == 0 }["in_flight"] == 0)
                let healthy = try await browser.render([server.baseURL + "/echo", "-X", "PUT", "--data", "ok", "--json"])
                #expect(healthy.status == 0)
                #expect(try await browser.status()["bad_messages"] == lies.count)
                #expect(browser.stop().status == 0)
            }
        }
    }
}
