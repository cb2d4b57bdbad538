import Foundation
import Testing
import TestWebServer

extension BlackBoxTests {
    /// The kernel, not only the browser, keeps a renderer off the network and the disk: real
    /// renderer processes try what a compromised one would, with the sandbox on and off.
    @Suite("The renderer sandbox", .serialized)
    struct SandboxTests {
        /// The JSON lines a renderer printed; a spawned renderer's output is on the browser's
        /// standard error when it serves with `--json`.
        private func lines(_ text: String) -> [[String: Any]] {
            text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        private func attempts(_ text: String) -> [String: [String: Any]] {
            Dictionary(lines(text).filter { $0["event"] as? String == "misbehaviour" }.map { ($0["kind"] as? String ?? "", $0) }) { a, _ in a }
        }

        /// The C renderer runs natively here: valgrind implements neither seccomp(2) nor Landlock.
        private func command(_ renderer: Renderer) -> String {
            ChildProcess.productsDirectory.appendingPathComponent(renderer.rawValue).path
        }

        private func serve(_ arguments: [String]) async throws -> ChildProcess.Result {
            let directory = NSTemporaryDirectory() + "sandbox-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            return try await ChildProcess.run(
                "browser-host",
                ["serve", "--socket", directory + "/b.sock", "--downloads", directory + "/downloads", "--json", "--exit-when-idle"] + arguments
            )
        }

        @Test(arguments: Renderer.sandboxed)
        func aSpawnedRendererCannotConnectReadOrRunButItsBrowserServesIt(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let url = "\(server.baseURL)/hello?tag=sandboxed-\(renderer.rawValue)"
                let result = try await serve([
                    "--spawn", "\(command(renderer)) misbehave direct-connect read-file exec --url \(url) --json",
                ])
                #expect(result.status == 0, "\(result.stderr)")
                let tried = attempts(result.stderr)
                let connect = tried["direct-connect"]
                #expect(connect?["outcome"] as? String == "refused")
                #expect(["EPERM", "ENETUNREACH"].contains(connect?["errno"] as? String ?? ""), "\(connect ?? [:])")
                #expect(tried["read-file"]?["outcome"] as? String == "refused", "an open() of /etc/passwd, which this user can read")
                #expect(tried["exec"]?["outcome"] as? String == "refused")
                #expect(tried["exec"]?["errno"] as? String == "EPERM")
                let fetched = lines(result.stderr).first { $0["event"] as? String == "fetched_through_browser" }
                #expect(fetched?["status"] as? Int == 200, "the way through the browser stays open")
                #expect(server.hits(tag: "sandboxed-\(renderer.rawValue)") == 1, "the server saw the browser's request and nothing else")
                let connected = result.events.first { $0["event"] as? String == "renderer_connected" }
                let layers = connected?["sandbox"] as? [String] ?? []
                let expected = ["user-namespace", "network-namespace", "seccomp-bpf"] + (renderer == .c ? ["landlock"] : [])
                #expect(layers == expected, "the C renderer has one thread, so Landlock can bind it whole")
            }
        }

        @Test(arguments: Renderer.sandboxed)
        func withoutTheSandboxTheSameAttemptsGoThrough(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let url = "\(server.baseURL)/hello?tag=unsandboxed-\(renderer.rawValue)"
                let result = try await serve(
                    ["--no-sandbox"]
                        + ["direct-connect --url \(url)", "read-file", "exec"].flatMap { ["--spawn", "\(command(renderer)) misbehave \($0) --json"] }
                )
                #expect(result.status == 1, "each renderer exits 1: the kernel let it through")
                let tried = attempts(result.stderr)
                for kind in ["direct-connect", "read-file", "exec"] {
                    #expect(tried[kind]?["outcome"] as? String == "allowed", "\(kind): \(tried[kind] ?? [:])")
                }
                #expect(server.hits(tag: "unsandboxed-\(renderer.rawValue)") == 1, "the renderer's own connection reached the server")
                let connected = result.events.filter { $0["event"] as? String == "renderer_connected" }
                #expect(connected.count == 3)
                #expect(connected.allSatisfy { ($0["sandbox"] as? [String])?.isEmpty == true })
            }
        }

        @Test(arguments: Renderer.sandboxed)
        func aConnectingRendererEngagesTheFilterWhenAsked(_ renderer: Renderer) async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser()
                let url = "\(server.baseURL)/hello?tag=connecting-\(renderer.rawValue)"
                let result = try await ChildProcess.run(
                    renderer.rawValue,
                    ["--socket", browser.socket, "--sandbox", "misbehave", "direct-connect", "read-file", "--url", url, "--json"]
                )
                #expect(result.status == 0, "\(result.stderr)")
                let tried = attempts(result.stdout)
                #expect(tried["direct-connect"]?["errno"] as? String == "EPERM", "no namespace here: the filter refuses the socket")
                #expect(tried["read-file"]?["outcome"] as? String == "refused")
                #expect(server.hits(tag: "connecting-\(renderer.rawValue)") == 1)
                let connected = browser.events("renderer_connected").first
                #expect((connected?["sandbox"] as? [String])?.contains("seccomp-bpf") == true)
                #expect(browser.stop().status == 0)
            }
        }

        /// A sandboxed renderer still uploads a file's bytes and saves a body: it reads and opens
        /// them before the sandbox closes the file system (`fetch --data-file --output`, and a
        /// scenario's `data_file`).
        @Test func whatARendererNeedsFromTheDiskIsOpenedBeforeItsSandbox() async throws {
            try await TestWebServer.withServer { server in
                let directory = NSTemporaryDirectory() + "sandbox-files-\(UUID().uuidString.prefix(8))"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                try Data(repeating: 7, count: 3000).write(to: URL(fileURLWithPath: directory + "/upload.bin"))
                let scenario = """
                    {"version": 1, "name": "files", "requests": [
                      {"name": "post", "url": "{base}/echo", "method": "POST", "data_file": "\(directory)/upload.bin"}
                    ]}
                    """
                try Data(scenario.utf8).write(to: URL(fileURLWithPath: directory + "/scenario.json"))
                let client = command(.swift)
                let result = try await serve([
                    "--spawn", "\(client) fetch \(server.baseURL)/echo -X POST --data-file \(directory)/upload.bin --output \(directory)/body.json --json",
                    "--spawn", "\(client) run \(directory)/scenario.json --base \(server.baseURL)",
                ])
                #expect(result.status == 0, "\(result.stderr)")
                let echoed = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/body.json"))) as? [String: Any]
                #expect(echoed?["body_bytes"] as? Int == 3000)
                #expect(result.stderr.contains("1 as expected, 0 not"), "\(result.stderr)")
            }
        }

        /// Layer 1 on its own, seen by a program that engages no filter: a spawned process is in a
        /// user namespace that maps only the browser's ids, and a network namespace with nothing but
        /// `lo`; without the sandbox it shares the browser's.
        @Test(arguments: [true, false])
        func theSpawnerMakesTheNamespaces(_ sandboxed: Bool) async throws {
            let result = try await serve(
                ["--spawn", "/bin/sh -c 'cat /proc/self/uid_map /proc/self/net/dev >&2' sh"] + (sandboxed ? [] : ["--no-sandbox"])
            )
            let uidMap = result.stderr.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
            let interfaces = result.stderr.split(separator: "\n").compactMap { line in
                line.contains(":") && !line.contains("|") ? line.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) : nil
            }
            let own = try String(contentsOfFile: "/proc/self/net/dev", encoding: .utf8).split(separator: "\n").filter { $0.contains(":") && !$0.contains("|") }
            if sandboxed {
                #expect(uidMap == ["\(getuid())", "\(getuid())", "1"], "only the browser's uid is mapped: \(result.stderr)")
                #expect(interfaces == ["lo"], "\(result.stderr)")
            } else {
                #expect(uidMap.last != "1", "\(result.stderr)")
                #expect(interfaces.count == own.count)
            }
        }

        /// A sandboxed renderer cannot open files once connected, so it opens them first: a bad
        /// `--data-file` or `--output` is a wrong command line (exit 2) even with no browser to
        /// reach (which would be exit 3).
        @Test(arguments: Renderer.sandboxed)
        func filesAreOpenedBeforeTheBrowserIsReached(_ renderer: Renderer) async throws {
            let nowhere = ["--socket", "/nonexistent/browser.sock", "--sandbox", "fetch", "http://127.0.0.1:1/"]
            let unreadable = try await ChildProcess.run(renderer.rawValue, nowhere + ["--data-file", "/nonexistent/body"])
            #expect(unreadable.status == 2, "\(unreadable.stderr)")
            let unwritable = try await ChildProcess.run(renderer.rawValue, nowhere + ["--output", "/nonexistent/dir/body"])
            #expect(unwritable.status == 2, "\(unwritable.stderr)")
            #expect(unwritable.stderr.contains("--output"))
        }

        /// `direct-connect` resolves nothing: a URL it cannot use is refused on the command line,
        /// never reported as the kernel's refusal.
        @Test(arguments: Renderer.sandboxed)
        func aDirectConnectionNeedsANumericAddress(_ renderer: Renderer) async throws {
            for url in ["http://example.test/", "ftp://127.0.0.1/", "not a url"] {
                let result = try await ChildProcess.run(
                    renderer.rawValue, ["--socket", "/nonexistent/browser.sock", "misbehave", "direct-connect", "--url", url, "--json"]
                )
                #expect(result.status == 2, "\(url): \(result.stderr)")
                #expect(result.stderr.contains("numeric address"), "\(url): \(result.stderr)")
            }
            let missing = try await ChildProcess.run(renderer.rawValue, ["--socket", "/nonexistent/browser.sock", "misbehave", "direct-connect"])
            #expect(missing.status == 2)
        }

        @Test func statusListsEachRenderersSandbox() async throws {
            try await TestWebServer.withServer { server in
                let browser = try await ServingBrowser([
                    "--spawn", "\(command(.swift)) fetch '\(server.baseURL)/slow?chunks=30&size=10&delay_ms=100' --json",
                ])
                var listed: [[String: Any]] = []
                for _ in 0..<200 where listed.isEmpty {
                    listed = try await browser.statusObject()["renderer_list"] as? [[String: Any]] ?? []
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(listed.count == 1)
                #expect(listed.first?["sandbox"] as? [String] == ["user-namespace", "network-namespace", "seccomp-bpf"])
                #expect(listed.first?["browser"] as? String == "default")
                #expect(browser.stop().status == 0)
            }
        }

        @Test func aRendererThatSkipsItsSandboxIsEnded() async throws {
            try await TestWebServer.withServer { server in
                let result = try await serve(["--spawn", "\(command(.swift)) --no-sandbox fetch \(server.baseURL)/hello?tag=skipped --json"])
                #expect(result.status == 1)
                let bad = result.events.first { $0["event"] as? String == "bad_message" }
                #expect((bad?["reason"] as? String)?.contains("did not engage seccomp-bpf") == true)
                #expect(result.events.first { $0["event"] as? String == "renderer_exited" }?["status"] as? Int == 137)
                #expect(server.hits(tag: "skipped") == 0)
            }
        }

        /// A kernel that refuses a layer fails the spawn, never starts the renderer unsandboxed. The
        /// browser runs in a user namespace of its own whose limit of nested user namespaces is 0.
        @Test func aKernelThatRefusesTheNamespacesFailsTheSpawnClearly() async throws {
            try await TestWebServer.withServer { server in
                let directory = NSTemporaryDirectory() + "sandbox-\(UUID().uuidString.prefix(8))"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let host = ChildProcess.productsDirectory.appendingPathComponent("browser-host").path
                let serve = "exec '\(host)' serve --socket \(directory)/b.sock --downloads \(directory)/dl --json --exit-when-idle"
                    + " --spawn '\(command(.swift)) fetch \(server.baseURL)/hello?tag=refused --json'"
                let result = try await ChildProcess.run(
                    "/usr/bin/unshare", ["-Ur", "/bin/sh", "-c", "echo 0 > /proc/sys/user/max_user_namespaces && \(serve)"]
                )
                #expect(result.status == 1)
                #expect(result.stderr.contains("the kernel refused the sandbox's user namespace layer"), "\(result.stderr)")
                #expect(result.stderr.contains("--no-sandbox"))
                #expect(server.hits(tag: "refused") == 0, "no renderer ran")
            }
        }
    }
}
