import ArgumentParser
import Foundation
import TestWebServer

@main
struct TestWebServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-web-server",
        abstract: "Serve the project's test endpoints on loopback until interrupted.",
        discussion: """
            Prints one line when it listens: `listening url=URL port=PORT`. With --tls it serves \
            HTTPS (ALPN offers h2 and http/1.1) with a certificate authority made at start, and the \
            line goes on with `ca=PATH` (the authority's PEM file, for --ca-file or curl --cacert) \
            and one `FAULT=URL` per listener that shows a TLS failure: \
            \(TLSFault.allCases.map(\.rawValue).joined(separator: ", ")). With --proxy it also runs an HTTP \
            proxy and a SOCKS5 proxy on loopback, and the line goes on with `http-proxy=URL socks5-proxy=URL` \
            (for browser-host --proxy). SIGINT or SIGTERM stops it and removes the authority's files.
            """
    )

    @Option(help: "The port; 0 picks a free one.")
    var port: Int = 0

    @Flag(help: "Serve HTTPS and HTTP/2 with a certificate authority made at start.")
    var tls = false

    @Flag(help: "Also run an HTTP proxy and a SOCKS5 proxy on loopback.")
    var proxy = false

    func run() async throws {
        let server = try await TestWebServer.start(port: port, tls: tls)
        var line = "listening url=\(server.baseURL) port=\(server.port)"
        if let caPath = server.caPath {
            line += " ca=\(caPath)"
            for fault in TLSFault.allCases {
                if let url = server.url(fault) { line += " \(fault.rawValue)=\(url)" }
            }
        }
        let proxies = proxy ? [try await TestProxy.start(.http), try await TestProxy.start(.socks5)] : []
        for proxy in proxies {
            line += " \(proxy.kind.rawValue)-proxy=\(proxy.url)"
        }
        let signals = Self.stopOnSignal(server: server, proxies: proxies)
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        while true {
            try await Task.sleep(for: .seconds(3600))
            _ = signals  // the signal sources live as long as the server
        }
    }

    /// Stops the server (which removes its certificate files) and the proxies on SIGINT or
    /// SIGTERM, then exits 0.
    private static func stopOnSignal(server: TestWebServer, proxies: [TestProxy]) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Task {
                    try? await server.stop()
                    for proxy in proxies { try? await proxy.stop() }
                    Foundation.exit(0)
                }
            }
            source.resume()
            return source
        }
    }
}
