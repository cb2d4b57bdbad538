import Foundation
import Testing
import WebRequestCLI
import WebRequestKit

@Suite("The commands' output, without Foundation's formatting or FileHandle")
struct OutputTests {
    /// `fixed` replaces `String(format: "%.Nf")` in what the commands print (bench's summary, a
    /// scenario's time, byte counts): the two agree over many magnitudes and signs.
    @Test func fixedPrintsWhatPrintfPrints() {
        var random = SplitMix64(seed: 17)
        var checked = 0
        for _ in 0..<20_000 {
            let magnitude = Double.random(in: -3...7, using: &random)
            let value = (Bool.random(using: &random) ? -1 : 1) * Double.random(in: 0..<1, using: &random) * pow(10, magnitude)
            for digits in 0...3 {
                #expect(value.fixed(digits) == String(format: "%.\(digits)f", value), "\(value) to \(digits) digits")
                checked += 1
            }
        }
        for (value, digits) in [(0.5, 0), (1.5, 0), (2.5, 0), (0.125, 2), (-0.001, 2), (0.0, 3), (1e-9, 0), (123.0, 3)] {
            #expect(value.fixed(digits) == String(format: "%.\(digits)f", value), "\(value) to \(digits) digits")
        }
        #expect(checked == 80_000)
    }

    @Test func outputFileReportsWhyItCannotOpenOrWrite() throws {
        let missing = #expect(throws: OutputFile.Failure.self) {
            try OutputFile(truncatingInPlace: "/nonexistent/dir/file")
        }
        #expect(missing?.reason == "No such file or directory")
        let full = try OutputFile(truncatingInPlace: "/dev/full")
        let written = #expect(throws: OutputFile.Failure.self) {
            try full.write(Data(repeating: 1, count: 100_000))
        }
        #expect(written?.reason == "No space left on device")
    }

    @Test func outputFileWritesEverything() throws {
        let path = NSTemporaryDirectory() + "output-\(UUID().uuidString)"
        defer { unlink(path) }
        let bytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        do {
            let file = try OutputFile(truncatingInPlace: path)
            try file.write(bytes)
            try file.write(Data("tail".utf8))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes + Data("tail".utf8))
    }
}
