import BrowserNetwork
import Foundation
import TestWebServer
import Testing
import WebRequestKit

@Suite("Keep-alive connections")
struct ConnectionReuseTests {
    /// Runs `count` overlapping slow requests, so that each needs a connection of its own.
    private func overlapping(_ count: Int, on server: TestWebServer, context: BrowserRequestContext) async throws {
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await Harness.run(Request(url: server.baseURL + "/slow?chunks=2&size=10&delay_ms=150"), context: context)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0.status == .success && $0.body.count == 20 })
    }

    /// libcurl on its own keeps 4 × the transfers in flight when a connection comes back: one
    /// request at a time after sixteen at once closed an idle connection per request, and the
    /// next sixteen at once had to open them again.
    @Test func idleConnectionsOutliveAQuietSpell() async throws {
        try await TestWebServer.withServer { server in
            let context = try BrowserProcess.makeRequestContext(name: "keep-alive")
            try await overlapping(16, on: server, context: context)
            let opened = server.connections
            #expect(opened >= 8)  // the requests did overlap
            for _ in 0..<16 {
                let outcome = try await Harness.run(Request(url: server.baseURL + "/hello"), context: context)
                #expect(outcome.status == .success)
            }
            try await overlapping(16, on: server, context: context)
            // Sixteen at once need sixteen connections in all; one more is the slack of a race.
            #expect(server.connections <= 17, "\(opened) connections, then \(server.connections - opened) more")
        }
    }
}
