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
            \(TLSFault.allCases.map(\.rawValue).joined(separator: ", ")).
            """
    )

    @Option(help: "The port; 0 picks a free one.")
    var port: Int = 0

    @Flag(help: "Serve HTTPS and HTTP/2 with a certificate authority made at start.")
    var tls = false

    func run() async throws {
        let server = try await TestWebServer.start(port: port, tls: tls)
        var line = "listening url=\(server.baseURL) port=\(server.port)"
        if let caPath = server.caPath {
            line += " ca=\(caPath)"
            for fault in TLSFault.allCases {
                if let url = server.url(fault) { line += " \(fault.rawValue)=\(url)" }
            }
        }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        while true {
            try await Task.sleep(for: .seconds(3600))
        }
    }
}
