import ArgumentParser
import Foundation
import Testing
import WebRequestCLI
import WebRequestKit

@Suite("REQUEST OPTIONS (cli.md), parsed in process")
struct RequestOptionsTests {
    @Test func optionsBecomeTheRequestCLIMdDescribes() throws {
        let options = try RequestOptions.parse([
            "-X", "POST", "-H", "X-One: 1", "-H", "x-one:  2 ", "--data", "a", "--data", "b",
            "--flag", "skip-cache", "--flag", "no-retry-on-5xx", "--referrer", "http://r/", "--referrer-policy", "origin",
            "--first-party", "http://f/",
        ])
        let request = try options.makeRequest(url: "http://127.0.0.1/x")
        #expect(request.method == "POST")
        #expect(request.headers.values(for: "x-one") == ["1", "2"], "repeatable, order kept, values trimmed")
        #expect(request.postData?.elements == [.bytes(Data("a".utf8)), .bytes(Data("b".utf8))], "two --data are two elements")
        #expect(request.flags == [.skipCache, .noRetryOn5xx])
        #expect(request.referrerURL == "http://r/")
        #expect(request.referrerPolicy == .origin)
        #expect(request.firstPartyForCookies == "http://f/")
    }

    @Test func uploadFileNamesAFileElementWithoutReadingIt() throws {
        let options = try RequestOptions.parse(["--upload-file", "/nonexistent/file"])
        let request = try options.makeRequest(url: "http://127.0.0.1/")
        #expect(request.postData?.elements == [.file(path: "/nonexistent/file")])
    }

    @Test func aLargeDataFileIsMappedNotCopied() throws {
        let path = NSTemporaryDirectory() + "data-\(UUID().uuidString)"
        let contents = Data((0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        try contents.write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        func mapped() throws -> Bool {
            // Read to its end: /proc files say they are empty, and a busy test process maps a lot.
            let maps = try #require(FileHandle(forReadingAtPath: "/proc/self/maps")).readDataToEndOfFile()
            return String(decoding: maps, as: UTF8.self).contains(path)
        }
        do {
            let request = try RequestOptions.parse(["--data-file", path]).makeRequest(url: "http://127.0.0.1/")
            #expect(request.postData?.elements == [.bytes(contents)])
            #expect(try mapped(), "the request's bytes are the file's pages")
        }
        #expect(try !mapped(), "unmapped with the last copy of the request")
    }

    @Test func aDataFileThatIsAPipeIsReadToItsEnd() throws {
        // `--data-file /dev/stdin` under a shell's `|`: FileManager reads no pipe.
        let fifo = NSTemporaryDirectory() + "fifo-\(UUID().uuidString)"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let sent = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 3) })  // more than a pipe holds
        let writer = Thread {
            let end = open(fifo, O_WRONLY)  // waits for the reader
            sent.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let count = write(end, bytes.baseAddress! + offset, bytes.count - offset)
                    guard count > 0 else { break }
                    offset += count
                }
            }
            close(end)
        }
        writer.start()
        let request = try RequestOptions.parse(["--data-file", fifo]).makeRequest(url: "http://127.0.0.1/")
        #expect(request.postData?.elements == [.bytes(sent)])
        #expect(throws: ValidationError.self, "a directory still cannot be read") {
            try RequestOptions.parse(["--data-file", NSTemporaryDirectory()]).makeRequest(url: "http://127.0.0.1/")
        }
    }

    @Test func dataFileIsReadByThisProcess() throws {
        let path = NSTemporaryDirectory() + "data-\(UUID().uuidString)"
        try Data("contents".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let request = try RequestOptions.parse(["--data-file", path]).makeRequest(url: "http://127.0.0.1/")
        #expect(request.postData?.elements == [.bytes(Data("contents".utf8))])
        #expect(throws: ValidationError.self) {
            try RequestOptions.parse(["--data-file", "/nonexistent/file"]).makeRequest(url: "http://127.0.0.1/")
        }
    }

    @Test(arguments: [
        (["--flag", "no-such-flag"], "unknown --flag \"no-such-flag\""),
        (["--referrer-policy", "sometimes"], "unknown --referrer-policy \"sometimes\""),
        (["-H", "no colon"], "is not 'Name: value'"),
        (["--cancel-after-bytes=-1"], "--cancel-after-bytes must be 0 or more"),
        (["--drop-after-bytes=-5"], "--drop-after-bytes must be 0 or more"),
    ])
    func badOptionsSayWhatIsWrong(arguments: [String], message: String) {
        do {
            _ = try RequestOptions.parse(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            #expect(RequestOptions.message(for: error).contains(message), "\(RequestOptions.message(for: error))")
        }
    }

    @Test func everyFlagNameParses() throws {
        for (name, flag) in RequestFlags.namedFlags {
            let request = try RequestOptions.parse(["--flag", name]).makeRequest(url: "http://127.0.0.1/")
            #expect(request.flags == flag, "\(name)")
        }
    }
}

@Suite("What the commands print")
struct OutputFormatTests {
    @Test func jsonLinesEscapeAndKeepOrder() {
        let value = JSONValue.object([("b", 1), ("a", "x\"y\n\u{1}"), ("c", .array([.null, true]))])
        #expect(value.rendered == #"{"b":1,"a":"x\"y\n\u0001","c":[null,true]}"#)
        #expect(JSONValue.string("plain").text == "plain")
        #expect(JSONValue.int(7).text == "7")
    }

    @Test func byteCountsReadAsPeopleWriteThem() {
        #expect(ByteCountFormat.string(512) == "512 B")
        #expect(ByteCountFormat.string(1536) == "1.5 KiB")
        #expect(ByteCountFormat.string(16 << 20) == "16.0 MiB")
        #expect(ByteCountFormat.string(3 << 30) == "3.0 GiB")
    }
}

@Suite("Scenario files (docs/scenarios.md)")
struct ScenarioFormatTests {
    @Test func aScenarioThatIsNotJSONNamesItsSource() {
        #expect {
            _ = try Scenario.decode(Data("{".utf8), source: "broken.json")
        } throws: { error in
            "\(error)".contains("broken.json")
        }
    }

    @Test func anEmptyObjectIsNotAScenario() {
        #expect(throws: Scenario.FormatError.self) {
            _ = try Scenario.decode(Data("{}".utf8), source: "empty.json")
        }
    }
}
