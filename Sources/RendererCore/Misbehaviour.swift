import FoundationEssentials
import NIOCore
import WebRequestIPC
import WebRequestKit

/// What a compromised renderer might try. Two kinds of wall stop it:
///
/// - the **browser**, for messages its own `create` would never let through: the browser must
///   answer each with a bad message and end this renderer, and nothing else (behaviour.md
///   section 2);
/// - the **kernel**, for what a renderer could do without asking the browser at all: open its own
///   connection, read a file, run a program. The renderer sandbox (``RendererSandbox``, and the
///   network namespace a spawning browser puts it in) must refuse each.
///
/// For the demo, the tests, and anyone who wants to watch either wall at work.
package enum Misbehaviour: String, CaseIterable, Sendable {
    /// A request with a file element: a renderer asking the browser to read a file for it.
    case fileUpload = "file-upload"
    /// A request that names a request context: a renderer picking another tab's cookies.
    case forgedContext = "forged-context"
    /// Body credit for a request that never existed.
    case unknownRequest = "unknown-request"
    /// A TCP connection of its own to the origin, past the browser.
    case directConnect = "direct-connect"
    /// Opening a file the renderer's user could read.
    case readFile = "read-file"
    /// Running another program.
    case exec

    /// Whether the kernel, rather than the browser, is the wall this one meets.
    package var isStoppedByKernel: Bool {
        switch self {
        case .fileUpload, .forgedContext, .unknownRequest: false
        case .directConnect, .readFile, .exec: true
        }
    }

    /// The message that breaks the browser's rules (for the kinds the browser stops).
    var envelope: IPCEnvelope {
        var start = Webrequestkit_Ipc_V1_StartRequest()
        start.requestID = 1
        switch self {
        case .fileUpload:
            start.request = .init(Request(url: "http://127.0.0.1/", method: "POST", postData: PostData([.file(path: "/etc/passwd")])))
            return IPCEnvelope(.startRequest(start))
        case .forgedContext:
            start.request = .init(Request(url: "http://127.0.0.1/"))
            start.request.requestContext = "work"
            return IPCEnvelope(.startRequest(start))
        case .unknownRequest:
            var credit = Webrequestkit_Ipc_V1_BodyCredit()
            credit.requestID = 424_242
            credit.bytes = 1
            return IPCEnvelope(.bodyCredit(credit))
        case .directConnect, .readFile, .exec:
            preconditionFailure("\(rawValue) is for the kernel to stop: KernelAttempt makes it")
        }
    }
}

extension RendererProcess {
    /// Sends `misbehaviour` to the browser this process is connected to and waits for the
    /// browser to close the channel (a spawned renderer is killed before that). Returns `false`
    /// when the browser let it pass for `patience`.
    package static func misbehave(_ misbehaviour: Misbehaviour, patience: TimeAmount = .seconds(5)) async throws -> Bool {
        guard let backend = WebRequestProcess.backend as? RendererBackend else {
            throw ConnectError(description: "not connected to a browser")
        }
        let channel = backend.channel
        channel.writeAndFlush(misbehaviour.envelope, promise: nil)
        let closed = channel.eventLoop.makePromise(of: Bool.self)
        channel.closeFuture.whenComplete { _ in closed.succeed(true) }
        channel.eventLoop.scheduleTask(in: patience) { closed.succeed(false) }
        return try await closed.futureResult.get()
    }
}
