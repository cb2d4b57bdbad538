import Foundation
package import WebRequestIPC
package import WebRequestKit

/// What the browser makes of each message one renderer sends, as a plain value: the protocol's
/// order and every rule of behaviour.md section 7. It performs no I/O; ``RendererConnection``
/// carries out its actions. Anything it calls a bad message ends the renderer.
package struct RendererConnectionStateMachine {
    package enum Action: Equatable {
        /// Answer the Hello: this renderer belongs to `browserID`, confined by `sandbox`; it
        /// can take a body ring when `bodyRing`, and write an upload ring beside it when
        /// `uploadRing` (``ringPassed(uploadRingBytes:)`` says whether it got them), and a
        /// response's head, body and completion in one frame when `wholeResponses`.
        case welcome(browserID: String, sandbox: [SandboxLayer], bodyRing: Bool, uploadRing: Bool, wholeResponses: Bool)
        /// Answer a status query and close.
        case answerStatus
        /// Start the request; `streamedUploadBytes` when its body follows in chunks.
        case start(id: UInt64, request: Request, streamedUploadBytes: Int64?)
        /// Complete the request at once with this error; the renderer stays.
        case reject(id: UInt64, NetworkError)
        case upload(id: UInt64, Data)
        /// Append to the request's streamed body the `length` bytes at `position` in the
        /// upload ring (inside it, not wrapping: checked).
        case uploadFromRing(id: UInt64, position: UInt64, length: Int)
        case cancel(id: UInt64)
        case credit(id: UInt64, bytes: UInt64)
        /// The renderer copied the body ring out up to this position.
        case releaseRing(upTo: UInt64)
        /// A late message about a request that already ended: nothing to do.
        case ignore
        /// The renderer broke the protocol.
        case badMessage(String)
    }

    private enum State {
        case awaitingHello
        case ready
        case closed
    }

    private struct Upload {
        var announced: Int64
        var received: Int64 = 0
    }

    private var state = State.awaitingHello
    /// Requests in flight, with their streamed upload if any.
    private var live: [UInt64: Upload?] = [:]
    /// Every id ever started, so a late cancel or credit is told from an unknown id.
    private var used = UsedRequestIDs()
    private let fixedBrowserID: String?
    private let knownBrowserIDs: Set<String>
    private let spawnedInSandbox: Bool
    private let maxRequestsInFlight: Int
    private var hasRing = false
    /// The upload ring's size, 0 when the renderer was given none.
    private var uploadRingBytes = 0

    /// - Parameters:
    ///   - fixedBrowserID: the browser a spawning browser assigned; `nil` for a renderer that
    ///     connected by itself and names its browser in Hello.
    ///   - knownBrowserIDs: the browser ids this browser process defines.
    ///   - spawnedInSandbox: the browser spawned this renderer in its namespaces and expects it
    ///     to engage seccomp-bpf before Hello; a Hello without it is a bad message, so a renderer
    ///     never runs unsandboxed unnoticed.
    package init(
        fixedBrowserID: String?,
        knownBrowserIDs: Set<String>,
        spawnedInSandbox: Bool = false,
        maxRequestsInFlight: Int = IPCLimits.maxRequestsInFlight
    ) {
        self.fixedBrowserID = fixedBrowserID
        self.knownBrowserIDs = knownBrowserIDs
        self.spawnedInSandbox = spawnedInSandbox
        self.maxRequestsInFlight = maxRequestsInFlight
    }

    /// Requests in flight.
    package var inFlight: Int { live.count }

    /// The next message from the renderer.
    package mutating func receive(_ envelope: IPCEnvelope) -> Action {
        let action = decide(envelope)
        if case .badMessage = action { state = .closed }
        return action
    }

    /// The browser passed this renderer a body ring with its Welcome, and after it in the same
    /// memfd an upload ring of `uploadRingBytes` (0 for none).
    package mutating func ringPassed(uploadRingBytes: Int = 0) {
        hasRing = true
        self.uploadRingBytes = uploadRingBytes
    }

    /// The request ended (completed, rejected or canceled by the browser).
    package mutating func requestEnded(_ id: UInt64) {
        live[id] = nil
    }

    private mutating func decide(_ envelope: IPCEnvelope) -> Action {
        switch (state, envelope.message) {
        case (.closed, _):
            return .ignore
        case (.awaitingHello, .hello(let hello)):
            guard hello.protocolVersion == IPCLimits.protocolVersion else {
                return .badMessage("protocol version \(hello.protocolVersion) is not spoken here (this browser speaks \(IPCLimits.protocolVersion))")
            }
            let named = hello.browserID.isEmpty ? nil : hello.browserID
            let browserID: String
            if let fixed = fixedBrowserID {
                guard named == nil || named == fixed else {
                    return .badMessage("renderer claims browser \(hello.browserID.debugDescription) but was spawned for \(fixed.debugDescription)")
                }
                browserID = fixed
            } else {
                browserID = named ?? "default"
                guard knownBrowserIDs.contains(browserID) else {
                    return .badMessage("unknown browser id \(browserID.debugDescription)")
                }
            }
            // A spawned renderer speaks for the layers it engaged; its namespaces are the spawner's word.
            let reported = Set(hello.sandbox.compactMap(SandboxLayer.init))
            let namespaces: Set<SandboxLayer> = [.userNamespace, .networkNamespace]
            let sandbox = fixedBrowserID == nil ? reported : reported.subtracting(namespaces).union(spawnedInSandbox ? namespaces : [])
            if spawnedInSandbox, !sandbox.contains(.seccompBPF) {
                return .badMessage("renderer spawned in the sandbox did not engage seccomp-bpf (a renderer that must run without it needs --no-sandbox)")
            }
            state = .ready
            return .welcome(
                browserID: browserID, sandbox: sandbox.sorted(), bodyRing: hello.bodyRing,
                uploadRing: hello.bodyRing && hello.uploadRing, wholeResponses: hello.wholeResponses
            )
        case (.awaitingHello, .statusQuery):
            state = .closed
            return .answerStatus
        case (.awaitingHello, _):
            return .badMessage("\(envelope.kind) before Hello")
        case (.ready, .hello):
            return .badMessage("a second Hello")
        case (.ready, .statusQuery):
            return .badMessage("StatusQuery after Hello")
        case (.ready, .startRequest(let start)):
            return startRequest(start)
        case (.ready, .uploadChunk(let chunk)):
            guard let upload = live[chunk.requestID] else {
                return used.contains(chunk.requestID) ? .ignore : .badMessage("UploadChunk for unknown request \(chunk.requestID)")
            }
            guard var streamed = upload else {
                return .badMessage("UploadChunk for request \(chunk.requestID), whose body was sent whole")
            }
            let inRing = chunk.ringPosition != 0 || chunk.ringLength != 0
            if inRing, let problem = ringProblem(chunk) {
                return .badMessage("UploadChunk for request \(chunk.requestID) \(problem)")
            }
            streamed.received += Int64(inRing ? Int(chunk.ringLength) : chunk.data.count)
            guard streamed.received <= streamed.announced else {
                return .badMessage("more post data than announced for request \(chunk.requestID) (\(streamed.received) of \(streamed.announced) bytes)")
            }
            live[chunk.requestID] = streamed
            if inRing {
                return .uploadFromRing(id: chunk.requestID, position: chunk.ringPosition, length: Int(chunk.ringLength))
            }
            return .upload(id: chunk.requestID, chunk.data)
        case (.ready, .cancelRequest(let cancel)):
            guard live[cancel.requestID] != nil else {
                return used.contains(cancel.requestID) ? .ignore : .badMessage("CancelRequest for unknown request \(cancel.requestID)")
            }
            live[cancel.requestID] = nil
            return .cancel(id: cancel.requestID)
        case (.ready, .bodyCredit(let credit)):
            guard live[credit.requestID] != nil else {
                return used.contains(credit.requestID) ? .ignore : .badMessage("BodyCredit for unknown request \(credit.requestID)")
            }
            return .credit(id: credit.requestID, bytes: credit.bytes)
        case (.ready, .ringRelease(let release)):
            guard hasRing else { return .badMessage("RingRelease from a renderer that was given no body ring") }
            return .releaseRing(upTo: release.position)
        case (.ready, nil):
            return .badMessage("a frame with no message")
        case (.ready, .some):
            return .badMessage("\(envelope.kind) is a message only the browser sends")
        }
    }

    /// Why an UploadChunk's ring fields cannot be read, or `nil` when they can.
    private func ringProblem(_ chunk: Webrequestkit_Ipc_V1_UploadChunk) -> String? {
        guard uploadRingBytes > 0 else { return "names an upload ring this renderer was not given" }
        guard chunk.data.isEmpty else { return "has both data and ring bytes" }
        let length = Int(chunk.ringLength)
        guard length > 0, length <= IPCLimits.chunkBytes else {
            return "names \(length) ring bytes (1 to \(IPCLimits.chunkBytes))"
        }
        guard Int(chunk.ringPosition % UInt64(uploadRingBytes)) + length <= uploadRingBytes else {
            return "names ring bytes past the end of the \(uploadRingBytes)-byte upload ring"
        }
        return nil
    }

    private mutating func startRequest(_ start: Webrequestkit_Ipc_V1_StartRequest) -> Action {
        let id = start.requestID
        guard id != 0 else { return .badMessage("request id 0") }
        guard used.insert(id) else { return .badMessage("request id \(id) reused") }
        guard start.hasRequest else { return .badMessage("StartRequest \(id) without a request") }
        let wire = start.request
        guard wire.requestContext.isEmpty else {
            return .badMessage("request \(id) names request context \(wire.requestContext.debugDescription); a renderer's context is its browser's")
        }
        let request: Request
        do {
            request = try wire.makeRequest()
        } catch {
            return .badMessage("request \(id): \(error.reason)")
        }
        if request.postData?.elements.contains(where: { if case .file = $0 { true } else { false } }) == true {
            return .badMessage("request \(id) has a file element; only the browser process reads files")
        }
        let sent: Request
        do {
            sent = try request.validated(for: .renderer)
        } catch {
            return .badMessage("request \(id) would be refused by create: \(error.code): \(error.message)")
        }
        guard live.count < maxRequestsInFlight else {
            return .reject(id: id, .insufficientResources)
        }
        let streamed = wire.streamsUpload ? Int64(wire.postData.first?.length ?? 0) : nil
        if let streamed, streamed > IPCLimits.maxUploadBytes {
            return .reject(id: id, .fileTooBig)
        }
        // updateValue, not subscript assignment: a nil Upload? must still record the request.
        live.updateValue(streamed.map { Upload(announced: $0) }, forKey: id)
        return .start(id: id, request: sent, streamedUploadBytes: streamed)
    }
}
