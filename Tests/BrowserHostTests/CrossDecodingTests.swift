import CWebRequest
import Foundation
import Glibc
import NIOCore
import Testing
import WebRequestIPC
import WebRequestKit

/// The schema in `proto/` is the contract: what the Swift code (swift-protobuf) encodes, the C
/// code (protobuf-c) decodes, and the other way round.
@Suite("Swift and C encode and decode the same frames")
struct CrossDecodingTests {
    /// One envelope of every kind, every field set to something other than its default.
    static let everyMessage: [IPCEnvelope] = {
        var header = Webrequestkit_Ipc_V1_Header()
        header.name = "X-Test"
        header.value = "ünïcödé, \"quoted\""
        var hello = Webrequestkit_Ipc_V1_Hello()
        hello.protocolVersion = 1
        hello.pid = 4242
        hello.browserID = "tab-1"
        var element = Webrequestkit_Ipc_V1_PostDataElement()
        element.type = .bytes
        element.length = 3
        element.inline = Data([0, 1, 255])
        var file = Webrequestkit_Ipc_V1_PostDataElement()
        file.type = .file
        file.filePath = "/etc/hostname"
        var request = Webrequestkit_Ipc_V1_Request()
        request.url = "http://127.0.0.1:8080/echo?q=1"
        request.method = "PUT"
        request.headers = [header, header]
        request.postData = [element, file]
        request.flags = 0xFF
        request.referrerURL = "http://referrer.test/"
        request.referrerPolicy = 7
        request.firstPartyForCookies = "http://first.test/"
        request.resourceType = 6
        request.transitionType = 0x8000_0001
        request.requestContext = "forbidden"
        var start = Webrequestkit_Ipc_V1_StartRequest()
        start.requestID = UInt64.max
        start.request = request
        var upload = Webrequestkit_Ipc_V1_UploadChunk()
        upload.requestID = 2
        upload.data = Data(repeating: 0xAB, count: 70_000)
        var cancel = Webrequestkit_Ipc_V1_CancelRequest()
        cancel.requestID = 3
        var credit = Webrequestkit_Ipc_V1_BodyCredit()
        credit.requestID = 4
        credit.bytes = 1 << 40
        var welcome = Webrequestkit_Ipc_V1_Welcome()
        welcome.protocolVersion = 1
        welcome.rendererID = 9
        welcome.browserID = "default"
        welcome.maxFrameBytes = 262_144
        welcome.bodyWindowBytes = 1 << 20
        welcome.uploadWindowBytes = 1 << 20
        welcome.maxRequestsInFlight = 64
        var head = Webrequestkit_Ipc_V1_ResponseHead()
        head.requestID = 5
        head.status = 404
        head.statusText = "Not Found"
        head.mimeType = "text/html"
        head.charset = "utf-8"
        head.url = "http://127.0.0.1/"
        head.headers = [header]
        var body = Webrequestkit_Ipc_V1_BodyChunk()
        body.requestID = 6
        body.data = Data("body".utf8)
        var progress = Webrequestkit_Ipc_V1_UploadProgress()
        progress.requestID = 7
        progress.current = -1
        progress.total = Int64.max
        var uploadCredit = Webrequestkit_Ipc_V1_UploadCredit()
        uploadCredit.requestID = 8
        uploadCredit.bytes = 65_536
        var complete = Webrequestkit_Ipc_V1_RequestComplete()
        complete.requestID = 10
        complete.status = .canceled
        complete.errorCode = -3
        complete.response = head
        complete.wasCached = true
        complete.routedToDownload = true
        var whole = Webrequestkit_Ipc_V1_RequestComplete()  // a whole response
        whole.requestID = 11
        whole.status = .success
        whole.head = head
        whole.body = Data("whole".utf8)
        var reply = Webrequestkit_Ipc_V1_StatusReply()
        reply.renderers = 1
        reply.inFlight = 2
        reply.completed = 3
        reply.badMessages = 4
        reply.downloads = 5
        return [
            IPCEnvelope(.hello(hello)), IPCEnvelope(.startRequest(start)), IPCEnvelope(.uploadChunk(upload)),
            IPCEnvelope(.cancelRequest(cancel)), IPCEnvelope(.bodyCredit(credit)),
            IPCEnvelope(.statusQuery(Webrequestkit_Ipc_V1_StatusQuery())), IPCEnvelope(.welcome(welcome)),
            IPCEnvelope(.responseHead(head)), IPCEnvelope(.bodyChunk(body)), IPCEnvelope(.uploadProgress(progress)),
            IPCEnvelope(.uploadCredit(uploadCredit)), IPCEnvelope(.requestComplete(complete)), IPCEnvelope(.requestComplete(whole)),
            IPCEnvelope(.statusReply(reply)),
        ]
    }()

    @Test func whatSwiftEncodesCDecodesWhole() throws {
        let expectedCases: [Int32] = [1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 21, 21, 22]
        #expect(expectedCases.count == Self.everyMessage.count)
        for (envelope, expectedCase) in zip(Self.everyMessage, expectedCases) {
            let payload = Array(try envelope.framed().dropFirst(4))
            #expect(wrk_ipc_message_case(payload, payload.count) == expectedCase, "\(envelope.kind)")
            var out: UnsafeMutablePointer<UInt8>?
            var length = 0
            #expect(wrk_ipc_reencode(payload, payload.count, &out, &length) == 0, "\(envelope.kind)")
            let reencoded = Array(UnsafeBufferPointer(start: out, count: length))
            free(out)
            #expect(try IPCEnvelope(payload: reencoded) == envelope, "\(envelope.kind) survives C's decoding and encoding")
        }
    }

    /// The encoder writes body and upload chunks by hand (to copy the body once); the bytes must be exactly
    /// SwiftProtobuf's, at every varint length boundary.
    @Test func chunksWrittenByHandAreWhatSwiftProtobufWrites() throws {
        for id: UInt64 in [0, 1, 127, 128, 16_383, 16_384, 1 << 40, .max] {
            for size in [0, 1, 127, 128, 16_383, 16_384, 65_536] {
                let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                var body = Webrequestkit_Ipc_V1_BodyChunk()
                (body.requestID, body.data) = (id, data)
                var upload = Webrequestkit_Ipc_V1_UploadChunk()
                (upload.requestID, upload.data) = (id, data)
                for envelope in [IPCEnvelope(.bodyChunk(body)), IPCEnvelope(.uploadChunk(upload))] {
                    var buffer = ByteBuffer()
                    try EnvelopeEncoder().encode(data: envelope, out: &buffer)
                    #expect(Array(buffer.readableBytesView) == (try envelope.framed()), "\(envelope.kind) \(id), \(size) bytes")
                }
            }
        }
    }

    @Test func cRefusesWhatDoesNotDecode() {
        let garbage: [UInt8] = [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        #expect(wrk_ipc_reencode(garbage, garbage.count, &out, &length) == -1)
        #expect(wrk_ipc_message_case(garbage, garbage.count) == -1)
    }

    /// The renderers, given the same command line, send the same Hello and StartRequest, and
    /// the Swift code decodes what the C renderer sent.
    @Test func bothRenderersSendTheSameFrames() async throws {
        var sent: [Renderer: [IPCEnvelope]] = [:]
        for renderer in Renderer.allCases {
            sent[renderer] = try await framesSent(by: renderer, [
                "http://127.0.0.1:9/echo?x=1", "-X", "put", "-H", "X-One: 1", "-H", "X-Two:  two ", "--data", "payload",
                "--flag", "report-upload-progress", "--flag", "skip-cache", "--referrer", "http://referrer.test/",
                "--referrer-policy", "origin", "--first-party", "http://first.test/",
            ])
        }
        let swift = try #require(sent[.swift])
        let c = try #require(sent[.c])
        #expect(swift.count == 2)
        #expect(c.count == 2)
        guard case .hello(var swiftHello)? = swift.first?.message, case .hello(var cHello)? = c.first?.message else {
            Issue.record("the first frame is not a Hello")
            return
        }
        #expect(cHello.protocolVersion == 1)
        #expect(cHello.browserID == "tab")
        swiftHello.pid = 0
        cHello.pid = 0
        #expect(cHello.bodyRing, "each renderer maps the body ring (ipc-protocol.md)")
        #expect(swiftHello.uploadRing && !cHello.uploadRing, "only the Swift renderer writes uploads into a ring")
        swiftHello.uploadRing = false
        #expect(swiftHello == cHello)
        guard case .startRequest(let start)? = c.last?.message else {
            Issue.record("the second frame is not a StartRequest")
            return
        }
        #expect(start.request.method == "PUT")
        #expect(start.request.headers.map(\.value) == ["1", "two"])
        #expect(start.request.postData.first?.inline == Data("payload".utf8))
        #expect(start.request.referrerPolicy == ReferrerPolicy.origin.rawValue)
        #expect(swift.last == c.last, "the same StartRequest, field for field")
        let python = try #require(sent[.python])
        guard case .hello(var pythonHello)? = python.first?.message else {
            Issue.record("the Python renderer's first frame is not a Hello")
            return
        }
        pythonHello.pid = 0
        #expect(pythonHello == cHello)
        #expect(python.last == c.last, "the Python renderer sends the same StartRequest too")
    }

    @Test func errorNamesMatchTheSwiftTable() {
        var buffer = [CChar](repeating: 0, count: 32)
        #expect(wrk_error_count() > 200)
        for index in 0..<wrk_error_count() {
            let code = wrk_error_code_at(index)
            let name = String(cString: wrk_error_name(code, &buffer, buffer.count))
            #expect(name == NetworkError(code: code).name, "code \(code)")
        }
        #expect(String(cString: wrk_error_name(-99_999, &buffer, buffer.count)) == NetworkError(code: -99_999).name)
    }

    /// Plays a browser that welcomes `renderer` and records the frames it sends until it has sent
    /// a StartRequest, then hangs up.
    private func framesSent(by renderer: Renderer, _ arguments: [String]) async throws -> [IPCEnvelope] {
        let path = NSTemporaryDirectory() + "x-\(UUID().uuidString.prefix(8)).sock"
        let listener = try UnixListener(path: path)
        defer { unlink(path) }
        let child = try ChildProcess(renderer.program.executable, renderer.program.arguments + ["--socket", path, "--browser", "tab", "fetch"] + arguments + ["--json"])
        let connection = try listener.accept()
        defer { close(connection) }
        var frames: [IPCEnvelope] = []
        while let frame = try readFrame(connection) {
            frames.append(frame)
            if case .hello = frame.message {
                var welcome = Webrequestkit_Ipc_V1_Welcome()
                welcome.protocolVersion = 1
                welcome.rendererID = 1
                welcome.browserID = "tab"
                welcome.maxFrameBytes = UInt32(IPCLimits.maxFrameBytes)
                welcome.bodyWindowBytes = 4 << 20
                welcome.uploadWindowBytes = UInt32(IPCLimits.uploadWindowBytes)
                welcome.maxRequestsInFlight = UInt32(IPCLimits.maxRequestsInFlight)
                let bytes = try IPCEnvelope(.welcome(welcome)).framed()
                _ = bytes.withUnsafeBytes { Glibc.write(connection, $0.baseAddress, $0.count) }
            }
            if case .startRequest = frame.message { break }
        }
        shutdown(connection, Int32(SHUT_RDWR))
        let result = await Task.detached { child.wait() }.value
        #expect(result.status == 1, "the request fails when its browser hangs up")
        #expect(result.completion?["error"] as? String == "ERR_CONNECTION_CLOSED")
        return frames
    }

    private func readFrame(_ fd: Int32) throws -> IPCEnvelope? {
        guard let prefix = readExactly(fd, 4) else { return nil }
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard let payload = readExactly(fd, length) else { return nil }
        return try IPCEnvelope(payload: payload)
    }

    private func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n <= 0 { return nil }
            got += n
        }
        return bytes
    }
}

/// A listening Unix-domain socket for a test that plays the browser.
struct UnixListener {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Waits for one connection (20 s at most) and stops listening.
    func accept() throws -> Int32 {
        defer { close(fd) }
        let connection = Glibc.accept(fd, nil, nil)
        guard connection >= 0 else { throw POSIXError(.ETIMEDOUT) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return connection
    }
}
