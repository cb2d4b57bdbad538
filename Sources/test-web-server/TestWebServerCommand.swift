import ArgumentParser
import Foundation
import TestWebServer

@main
struct TestWebServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-web-server",
        abstract: "Serve the project's test endpoints on loopback until interrupted."
    )

    @Option(help: "The port; 0 picks a free one.")
    var port: Int = 0

    func run() async throws {
        let server = try await TestWebServer.start(port: port)
        FileHandle.standardOutput.write(Data("listening url=\(server.baseURL) port=\(server.port)\n".utf8))
        while true {
            try await Task.sleep(for: .seconds(3600))
        }
    }
}
