import Foundation
import Testing
import WebRequestIPC
import WebRequestKit

@testable import BrowserHostCore

/// Where a renderer request's body goes and what it owes, without a channel or a transfer.
@Suite("RendererRequestSinkState")
struct RendererRequestSinkStateTests {
    private func chunk(_ count: Int, byte: UInt8 = 0x61, _ delivered: (@Sendable () -> Void)? = nil) -> RendererRequestSinkState.Chunk {
        (Data(repeating: byte, count: count), delivered)
    }

    private func isForward(_ action: RendererRequestSinkState.DataAction) -> Bool {
        if case .forward = action { true } else { false }
    }

    @Test func aRenderedBodyIsForwardedAndOwedUntilCredited() {
        var state = RendererRequestSinkState()
        state.responseArrived(Response(status: 200, mimeType: "text/html"), decision: .render)
        let delivered = Counter()
        #expect(isForward(state.data(chunk(1000) { delivered.increment() })))
        #expect(isForward(state.data(chunk(500) { delivered.increment() })))
        #expect(state.forwardedBytes == 1500)
        #expect(state.credit(999)?.count == 0)
        state.credit(501)?.forEach { $0() }
        #expect(delivered.value == 2, "each chunk's flow-control credit is released once it is consumed")
        #expect(state.credit(1) == nil, "credit for bytes never sent is a bad message")
    }

    /// A head held back for a whole response takes the first chunk that fits a frame with it;
    /// a second chunk, or a first one too large, sends what waited first. Both are owed credit.
    @Test func aHeldBackHeadWaitsWithItsFirstChunkOnly() {
        var state = RendererRequestSinkState()
        let response = Response(status: 200, mimeType: "text/plain")
        state.responseArrived(response, decision: .render)
        state.holdBack(response)
        guard case .waits = state.data(chunk(100)) else { Issue.record("the first chunk waits with the head"); return }
        guard case .forward(let waited?) = state.data(chunk(200)) else { Issue.record("a second chunk sends what waited"); return }
        #expect(waited.head == response)
        #expect(waited.body?.count == 100)
        #expect(state.takeWaiting() == nil, "nothing waits any more")
        #expect(state.forwardedBytes == 300)
        #expect(state.credit(300)?.count == 0, "both chunks were owed credit")

        var large = RendererRequestSinkState()
        large.responseArrived(response, decision: .render)
        large.holdBack(response)
        guard case .forward(let head?) = large.data(chunk(IPCLimits.chunkBytes + 1)) else { Issue.record("too large to wait"); return }
        #expect(head.body == nil)

        var ended = RendererRequestSinkState()
        ended.holdBack(response)
        guard case .waits = ended.data(chunk(10)) else { Issue.record("waits"); return }
        #expect(ended.takeWaiting()?.body?.count == 10, "the completion takes what waited")
    }

    @Test func anUntypedResponseHoldsItsFirstBytesUntilTheSniffCanDecide() {
        var state = RendererRequestSinkState()
        let response = Response(status: 200, mimeType: "")
        state.responseArrived(response, decision: .sniff)
        guard case .held = state.data(chunk(300)) else { Issue.record("300 bytes are not enough to sniff"); return }
        guard case .decide(let decided, let held) = state.data(chunk(300)) else { Issue.record("600 bytes are"); return }
        #expect(decided.status == 200)
        #expect(held.map(\.data.count) == [300, 300])
        #expect(state.forwardedBytes == 0, "nothing reached the renderer before the decision")
        state.rendering()
        #expect(isForward(state.data(chunk(10))))
    }

    @Test func aDeclinedDownloadDrainsItsBody() {
        var state = RendererRequestSinkState()
        state.responseArrived(Response(status: 200, mimeType: "application/pdf"), decision: .download)
        state.routed(to: nil)
        guard case .drop = state.data(chunk(10)) else { Issue.record("a dropped transfer's bytes are drained"); return }
        #expect(state.forwardedBytes == 0)
    }
}

private final class Counter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
