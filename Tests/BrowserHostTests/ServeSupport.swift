import Foundation
import Glibc
import NIOCore
import NIOPosix
import Testing

/// A running `browser-host serve` for one test, on a socket in a fresh directory.
final class ServingBrowser: @unchecked Sendable {
    let directory: String
    let socket: String
    let process: ChildProcess

    /// Starts `serve` with `arguments` and waits for its `ready` line; `fileSizeLimit` as in
    /// ``ChildProcess``.
    init(_ arguments: [String] = [], fileSizeLimit: Int? = nil) async throws {
        directory = NSTemporaryDirectory() + "serve-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socket = directory + "/browser.sock"
        process = try ChildProcess(
            "browser-host",
            ["serve", "--socket", socket, "--downloads", directory + "/downloads", "--json"] + arguments,
            fileSizeLimit: fileSizeLimit
        )
        for _ in 0..<500 where !process.outputSoFar.contains("ready socket=") {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(process.outputSoFar.hasPrefix("ready socket=\(socket) pid=\(process.pid)\n"))
    }

    /// The `--json` events printed so far.
    var events: [[String: Any]] {
        process.outputSoFar.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func events(_ kind: String) -> [[String: Any]] {
        events.filter { $0["event"] as? String == kind }
    }

    /// Runs a renderer (`render-client` unless told otherwise) against this browser.
    func render(_ arguments: [String], browser: String? = nil, with renderer: Renderer = .swift) async throws -> ChildProcess.Result {
        let connection = ["--socket", socket] + (browser.map { ["--browser", $0] } ?? [])
        return try await renderer.run(connection + ["fetch"] + arguments)
    }

    /// How many file descriptors the browser process has open now; throws (failing the test)
    /// when `/proc` cannot say, rather than a number that would compare equal to itself.
    func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/fd").count
    }

    /// `browser-host status --json`'s counters, parsed.
    func status() async throws -> [String: Int] {
        try await statusObject().compactMapValues { $0 as? Int }
    }

    /// `browser-host status --json`, parsed whole (with `renderer_list`).
    func statusObject() async throws -> [String: Any] {
        let result = try await ChildProcess.run("browser-host", ["status", "--socket", socket, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return object ?? [:]
    }

    /// A test that never stopped its browser (it failed first) leaves no folder behind either;
    /// the child itself is killed by its ``ChildProcess``.
    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the browser with SIGTERM and returns how it ended.
    func stop() -> ChildProcess.Result {
        kill(process.pid, SIGTERM)
        let result = process.wait()
        try? FileManager.default.removeItem(atPath: directory)
        return result
    }

    /// Polls `status` until `condition` holds.
    func eventuallyStatus(_ condition: ([String: Int]) -> Bool) async throws -> [String: Int] {
        var last: [String: Int] = [:]
        for _ in 0..<250 {
            last = try await status()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        return last
    }
}

/// The three implementations of the renderer side of the protocol, run as the same command line.
enum Renderer: String, CaseIterable, CustomTestStringConvertible, Sendable {
    /// `render-client`: RendererCore on SwiftNIO and swift-protobuf.
    case swift = "render-client"
    /// `render-client-c`: CWebRequest on libprotobuf-c, run under valgrind.
    case c = "render-client-c"
    /// `python -m webrequestkit.render_client`: python/ on PyPI's protobuf, from the virtual
    /// environment scripts/python-env.sh makes (`$WEBREQUESTKIT_PYTHON` names another).
    case python = "webrequestkit.render_client"

    /// The renderers with a sandbox of their own (the Python one engages none).
    static let sandboxed: [Renderer] = [.swift, .c]

    var testDescription: String { self == .python ? "python" : rawValue }

    /// The Python interpreter that has the package installed.
    static let python3: String = {
        if let configured = ProcessInfo.processInfo.environment["WEBREQUESTKIT_PYTHON"] { return configured }
        var root = ChildProcess.productsDirectory
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        return root.appendingPathComponent(".build/python-venv/bin/python").path
    }()

    /// The program and the arguments before the renderer's own.
    var program: (executable: String, arguments: [String]) {
        self == .python ? (Self.python3, ["-m", rawValue]) : (rawValue, [])
    }

    /// The command line a spawning browser runs (`serve --spawn`).
    var commandLine: String {
        switch self {
        case .swift: ChildProcess.productsDirectory.appendingPathComponent(rawValue).path
        case .c: "/usr/bin/valgrind -q --error-exitcode=99 --leak-check=full " + ChildProcess.productsDirectory.appendingPathComponent(rawValue).path
        case .python: "\(Self.python3) -m \(rawValue)"
        }
    }

    func run(_ arguments: [String]) async throws -> ChildProcess.Result {
        if self == .c, !FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind") {
            Issue.record("the C renderer's tests run it under valgrind, which is missing: run scripts/setup.sh")
        }
        if self == .python, !FileManager.default.isExecutableFile(atPath: Self.python3) {
            Issue.record("the Python renderer's tests need \(Self.python3): run scripts/python-env.sh")
        }
        let result = try await ChildProcess.run(program.executable, program.arguments + arguments, underValgrind: self == .c)
        if self == .c {
            #expect(result.status != ChildProcess.valgrindErrorStatus, "valgrind found errors:\n\(result.valgrindReport)")
            #expect(result.valgrindReport.isEmpty, "valgrind said:\n\(result.valgrindReport)")
        }
        return result
    }
}

/// A hostile renderer: the test's own code writing raw frames on the browser's socket.
final class RawRenderer {
    let fd: Int32

    init(socket: String) throws {
        fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            let bytes = Array(socket.utf8)
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func shutdownWriting() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads until the browser closes the connection (or 5 s pass); returns what arrived.
    func readUntilClosed() -> (bytes: [UInt8], closed: Bool) {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                all += buffer[0..<count]
            } else {
                return (all, count == 0 || errno == ECONNRESET)
            }
        }
    }
}

/// A TCP port on loopback where a connection never completes: a listener with a backlog of 0
/// that never accepts (NIO reads nothing from it) and holds one queued connection, so the kernel
/// drops every further SYN. A transfer to it sends nothing (and reads no upload) until closed.
final class FullListener {
    let port: Int
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let server: any Channel
    private let queued: any Channel

    init() async throws {
        server = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 0)
            .serverChannelOption(ChannelOptions.autoRead, value: false)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        port = server.localAddress?.port ?? 0
        queued = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
    }

    func close() async throws {
        try await queued.close()
        try await server.close()
        try await group.shutdownGracefully()
    }
}
