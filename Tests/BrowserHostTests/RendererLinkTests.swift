import Foundation
import Testing

extension BlackBoxTests {
    /// What a render process loads at its start, which every spawned renderer pays for.
    @Suite("render-client's libraries")
    struct RendererLinkTests {
        /// The renderer's modules import FoundationEssentials, not Foundation: loading and
        /// relocating Foundation, its internationalization and ICU cost a renderer a third of its
        /// start (performance-issue-17.md, round twenty). One `import Foundation` in a module the
        /// renderer links, or a dependency's default that imports it, brings all three back.
        @Test func aRendererLoadsFoundationEssentialsOnly() async throws {
            let renderClient = ChildProcess.productsDirectory.appendingPathComponent("render-client").path
            let started = try await ChildProcess.run("/usr/bin/env", ["LD_DEBUG=libs", renderClient, "--help"])
            #expect(started.status == 0)
            let loaded = started.stderr.split(separator: "\n").filter { $0.contains("calling init:") }
            #expect(loaded.contains { $0.hasSuffix("/libFoundationEssentials.so") }, "the loader's report: \(loaded)")
            #expect(!loaded.contains { $0.hasSuffix("/libFoundation.so") || $0.contains("FoundationInternationalization") || $0.contains("FoundationICU") })
        }
    }
}
