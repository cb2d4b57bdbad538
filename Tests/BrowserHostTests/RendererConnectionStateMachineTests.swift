import BrowserHostCore
import Foundation
import Testing
import WebRequestIPC
import WebRequestKit

/// The rules of behaviour.md section 7, message by message, without sockets.
@Suite("RendererConnectionStateMachine")
struct RendererConnectionStateMachineTests {
    private func hello(browser: String = "", version: UInt32 = 1, sandbox: [SandboxLayer] = []) -> IPCEnvelope {
        var hello = Webrequestkit_Ipc_V1_Hello()
        hello.protocolVersion = version
        hello.browserID = browser
        hello.sandbox = sandbox.map(\.wire)
        return IPCEnvelope(.hello(hello))
    }

    private func start(_ id: UInt64, method: String = "GET", body: Int? = nil) -> IPCEnvelope {
        var start = Webrequestkit_Ipc_V1_StartRequest()
        start.requestID = id
        var request = Request(url: "http://a.test/", method: method)
        if let body { request.postData = .bytes(Data(count: body)) }
        start.request = Webrequestkit_Ipc_V1_Request(request)
        return IPCEnvelope(.startRequest(start))
    }

    private func credit(_ id: UInt64) -> IPCEnvelope {
        var credit = Webrequestkit_Ipc_V1_BodyCredit()
        credit.requestID = id
        credit.bytes = 10
        return IPCEnvelope(.bodyCredit(credit))
    }

    private func cancel(_ id: UInt64) -> IPCEnvelope {
        var cancel = Webrequestkit_Ipc_V1_CancelRequest()
        cancel.requestID = id
        return IPCEnvelope(.cancelRequest(cancel))
    }

    private func chunk(_ id: UInt64, _ count: Int) -> IPCEnvelope {
        var chunk = Webrequestkit_Ipc_V1_UploadChunk()
        chunk.requestID = id
        chunk.data = Data(count: count)
        return IPCEnvelope(.uploadChunk(chunk))
    }

    private func isBad(_ action: RendererConnectionStateMachine.Action) -> Bool {
        if case .badMessage = action { true } else { false }
    }

    private func ready() -> RendererConnectionStateMachine {
        var machine = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default", "tab"])
        _ = machine.receive(hello())
        return machine
    }

    @Test func helloFixesTheBrowser() {
        var connected = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default", "tab"])
        #expect(connected.receive(hello(browser: "tab")) == .welcome(browserID: "tab", sandbox: [], bodyRing: false, uploadRing: false, wholeResponses: false))
        var unnamed = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        #expect(unnamed.receive(hello()) == .welcome(browserID: "default", sandbox: [], bodyRing: false, uploadRing: false, wholeResponses: false))
        var unknown = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        #expect(isBad(unknown.receive(hello(browser: "other"))))
        var spawned = RendererConnectionStateMachine(fixedBrowserID: "tab", knownBrowserIDs: ["default", "tab"])
        #expect(isBad(spawned.receive(hello(browser: "default"))), "a spawned renderer cannot pick another browser")
        var version = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        #expect(isBad(version.receive(hello(version: 2))))
    }

    @Test func aRendererSpawnedInTheSandboxMustEngageItsFilter() {
        func spawned(_ sandboxed: Bool) -> RendererConnectionStateMachine {
            RendererConnectionStateMachine(fixedBrowserID: "tab", knownBrowserIDs: ["tab"], spawnedInSandbox: sandboxed)
        }
        var bare = spawned(true)
        #expect(isBad(bare.receive(hello())), "no seccomp-bpf in Hello: ended, never run unsandboxed unnoticed")
        var landlockOnly = spawned(true)
        #expect(isBad(landlockOnly.receive(hello(sandbox: [.landlock]))))
        var filtered = spawned(true)
        #expect(
            filtered.receive(hello(sandbox: [.landlock, .seccompBPF])) == .welcome(browserID: "tab", sandbox: SandboxLayer.allCases, bodyRing: false, uploadRing: false, wholeResponses: false),
            "the namespaces are the spawner's to add, in order"
        )
        var boasting = spawned(false)
        #expect(
            boasting.receive(hello(sandbox: [.userNamespace, .networkNamespace, .seccompBPF])) == .welcome(browserID: "tab", sandbox: [.seccompBPF], bodyRing: false, uploadRing: false, wholeResponses: false),
            "a spawned renderer cannot claim namespaces the browser did not make"
        )
        var connected = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        #expect(connected.receive(hello(sandbox: [.seccompBPF])) == .welcome(browserID: "default", sandbox: [.seccompBPF], bodyRing: false, uploadRing: false, wholeResponses: false))
    }

    @Test func orderIsEnforced() {
        var fresh = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        #expect(isBad(fresh.receive(start(1))))
        #expect(fresh.receive(start(2)) == .ignore, "nothing after a bad message")
        var twice = ready()
        #expect(isBad(twice.receive(hello())))
        var status = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: [])
        #expect(status.receive(IPCEnvelope(.statusQuery(.init()))) == .answerStatus)
        var browserOnly = ready()
        #expect(isBad(browserOnly.receive(IPCEnvelope(.responseHead(.init())))))
        var empty = ready()
        #expect(isBad(empty.receive(IPCEnvelope())))
    }

    @Test func requestIdsAreTrackedWhileInFlightAndAfter() {
        var machine = ready()
        guard case .start(1, let request, nil) = machine.receive(start(1)) else {
            Issue.record("request 1 starts")
            return
        }
        #expect(request.isReadOnly)
        #expect(machine.inFlight == 1)
        #expect(machine.receive(credit(1)) == .credit(id: 1, bytes: 10))
        #expect(isBad(machine.receive(start(1))), "reused id")
        var fresh = ready()
        _ = fresh.receive(start(1))
        fresh.requestEnded(1)
        #expect(fresh.inFlight == 0)
        #expect(fresh.receive(credit(1)) == .ignore, "a late credit for an ended request is harmless")
        #expect(fresh.receive(cancel(1)) == .ignore, "so is a late cancel")
        #expect(isBad(fresh.receive(cancel(9))), "an id never used is not")
        var zero = ready()
        #expect(isBad(zero.receive(start(0))))
    }

    @Test func cancelEndsTheRequest() {
        var machine = ready()
        _ = machine.receive(start(3))
        #expect(machine.receive(cancel(3)) == .cancel(id: 3))
        #expect(machine.inFlight == 0)
    }

    @Test func createRulesAreBadMessagesHere() {
        var method = ready()
        #expect(isBad(method.receive(start(1, method: "TRACE"))))
        var file = ready()
        var request = Webrequestkit_Ipc_V1_Request(Request(url: "http://a.test/", method: "POST", postData: .file("/etc/passwd")))
        var message = Webrequestkit_Ipc_V1_StartRequest()
        message.requestID = 1
        message.request = request
        #expect(isBad(file.receive(IPCEnvelope(.startRequest(message)))))
        var context = ready()
        request = Webrequestkit_Ipc_V1_Request(Request(url: "http://a.test/"))
        request.requestContext = "global"
        message.request = request
        #expect(isBad(context.receive(IPCEnvelope(.startRequest(message)))))
    }

    @Test func streamedUploadsMayNotExceedTheirAnnouncement() {
        var machine = ready()
        let size = IPCLimits.inlineUploadBytes + 10
        #expect(machine.receive(start(1, method: "POST", body: size)) != .ignore)
        #expect(machine.receive(chunk(1, size - 1)) == .upload(id: 1, Data(count: size - 1)))
        #expect(machine.receive(chunk(1, 1)) == .upload(id: 1, Data(count: 1)))
        #expect(isBad(machine.receive(chunk(1, 1))))
        var inline = ready()
        _ = inline.receive(start(1, method: "POST", body: 10))
        #expect(isBad(inline.receive(chunk(1, 1))), "a body sent whole takes no chunks")
    }

    @Test func oversizedUploadsAreRefusedWithoutAKill() {
        var machine = ready()
        var start = Webrequestkit_Ipc_V1_StartRequest()
        start.requestID = 1
        var wire = Webrequestkit_Ipc_V1_Request(Request(url: "http://a.test/", method: "POST"))
        var element = Webrequestkit_Ipc_V1_PostDataElement()
        element.type = .bytes
        element.length = UInt64(IPCLimits.maxUploadBytes) + 1
        wire.postData = [element]
        start.request = wire
        #expect(machine.receive(IPCEnvelope(.startRequest(start))) == .reject(id: 1, .fileTooBig))
    }

    @Test func headersOnlyTheBrowserSetsAreBadMessages() {
        var machine = ready()
        var start = Webrequestkit_Ipc_V1_StartRequest()
        start.requestID = 1
        start.request = Webrequestkit_Ipc_V1_Request(Request(url: "http://a.test/", headers: [("Host", "evil.test")]))
        #expect(isBad(machine.receive(IPCEnvelope(.startRequest(start)))))
    }

    @Test func tooManyInFlightIsRefusedWithoutAKill() {
        var machine = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"], maxRequestsInFlight: 2)
        _ = machine.receive(hello())
        _ = machine.receive(start(1))
        _ = machine.receive(start(2))
        #expect(machine.receive(start(3)) == .reject(id: 3, .insufficientResources))
        #expect(machine.receive(credit(3)) == .ignore)
        machine.requestEnded(1)
        if case .start(4, _, _) = machine.receive(start(4)) {} else { Issue.record("room again after one ended") }
    }

    @Test func aRingReleaseNeedsARing() {
        var release = Webrequestkit_Ipc_V1_RingRelease()
        release.position = 10
        var withoutRing = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        _ = withoutRing.receive(hello())
        guard case .badMessage(let reason) = withoutRing.receive(IPCEnvelope(.ringRelease(release))) else {
            Issue.record("a RingRelease without a ring is a bad message")
            return
        }
        #expect(reason.contains("no body ring"))
        var withRing = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        _ = withRing.receive(hello())
        withRing.ringPassed()
        #expect(withRing.receive(IPCEnvelope(.ringRelease(release))) == .releaseRing(upTo: 10))
    }

    @Test func uploadChunksInTheRingAreCheckedAgainstIt() {
        func ringChunk(_ id: UInt64, at position: UInt64, _ length: UInt32, data: Int = 0) -> IPCEnvelope {
            var chunk = Webrequestkit_Ipc_V1_UploadChunk()
            chunk.requestID = id
            chunk.ringPosition = position
            chunk.ringLength = length
            chunk.data = Data(count: data)
            return IPCEnvelope(.uploadChunk(chunk))
        }
        func reason(_ action: RendererConnectionStateMachine.Action) -> String {
            if case .badMessage(let reason) = action { reason } else { "not bad: \(action)" }
        }
        var asked = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        var hello = Webrequestkit_Ipc_V1_Hello()
        hello.protocolVersion = 1
        hello.bodyRing = true
        hello.uploadRing = true
        #expect(asked.receive(IPCEnvelope(.hello(hello))) == .welcome(browserID: "default", sandbox: [], bodyRing: true, uploadRing: true, wholeResponses: false))
        var whole = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        hello.wholeResponses = true
        #expect(whole.receive(IPCEnvelope(.hello(hello))) == .welcome(browserID: "default", sandbox: [], bodyRing: true, uploadRing: true, wholeResponses: true))
        hello.wholeResponses = false
        hello.bodyRing = false
        var uploadRingAlone = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default"])
        #expect(uploadRingAlone.receive(IPCEnvelope(.hello(hello))) == .welcome(browserID: "default", sandbox: [], bodyRing: false, uploadRing: false, wholeResponses: false), "the upload ring comes only beside a body ring")

        let size = 1 << 20
        let cases: [(IPCEnvelope, String)] = [
            (ringChunk(1, at: 0, 4096, data: 1), "both data and ring bytes"),
            (ringChunk(1, at: 4096, 0), "names 0 ring bytes"),
            (ringChunk(1, at: 0, UInt32(IPCLimits.chunkBytes) + 1), "names \(IPCLimits.chunkBytes + 1) ring bytes"),
            (ringChunk(1, at: UInt64(size) * 3 + UInt64(size) - 100, 200), "past the end of the \(size)-byte upload ring"),
        ]
        for (envelope, expected) in cases {
            var machine = ready()
            machine.ringPassed(uploadRingBytes: size)
            _ = machine.receive(start(1, method: "PUT", body: 1 << 20))
            #expect(reason(machine.receive(envelope)).contains(expected))
        }
        var noUploadRing = ready()
        noUploadRing.ringPassed()
        _ = noUploadRing.receive(start(1, method: "PUT", body: 1 << 20))
        #expect(reason(noUploadRing.receive(ringChunk(1, at: 0, 4096))).contains("not given"))

        var machine = ready()
        machine.ringPassed(uploadRingBytes: size)
        _ = machine.receive(start(1, method: "PUT", body: 100_000))
        #expect(machine.receive(ringChunk(1, at: UInt64(size) * 2 + UInt64(size) - 65536, 65536)) == .uploadFromRing(id: 1, position: UInt64(size) * 3 - 65536, length: 65536), "up to the ring's very end, any lap")
        #expect(machine.receive(chunk(1, 30_000)) == .upload(id: 1, Data(count: 30_000)), "frames and ring chunks mix")
        #expect(reason(machine.receive(ringChunk(1, at: 0, 8192))).contains("more post data than announced"), "ring bytes count against the announcement")
    }
}
