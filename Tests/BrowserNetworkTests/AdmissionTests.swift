@testable import BrowserNetwork
import Foundation
import NIOCore
import NIOPosix
import TestWebServer
import Testing
import WebRequestKit

/// The value in a box, so that `#expect` can call its mutating methods.
private final class Admission<Waiting> {
    var value: TransferAdmission<Waiting>
    init(limit: Int) { value = TransferAdmission(limit: limit) }
    var running: Int { value.running }
    func arrive(_ id: UInt64, _ item: Waiting) -> Bool { value.arrive(id, item) }
    func next() -> Waiting? { value.next() }
    func withdraw(_ id: UInt64) -> Waiting? { value.withdraw(id) }
    func release() { value.release() }
    func retake() { value.retake() }
    func removeAllWaiting() -> [Waiting] { value.removeAllWaiting() }
}

/// The value that decides which transfers run, driven without libcurl.
@Suite("TransferAdmission")
struct TransferAdmissionTests {
    @Test func pastTheLimitTransfersWaitAndStartInTheOrderTheyCame() {
        let admission = Admission<String>(limit: 2)
        #expect(admission.arrive(1, "a"))
        #expect(admission.arrive(2, "b"))
        #expect(!admission.arrive(3, "c"))
        #expect(!admission.arrive(4, "d"))
        #expect(admission.next() == nil, "no place is free")
        admission.release()
        #expect(admission.next() == "c")
        #expect(admission.next() == nil)
        admission.release()
        admission.release()
        #expect(admission.next() == "d")
        #expect(admission.next() == nil, "nothing waits")
        #expect(admission.running == 1)
        #expect(admission.arrive(5, "e"), "a free place with no queue admits at once")
    }

    @Test func aNewcomerQueuesBehindThoseWaitingEvenWithAPlaceFree() {
        let admission = Admission<String>(limit: 1)
        #expect(admission.arrive(1, "a"))
        #expect(!admission.arrive(2, "b"))
        admission.release()  // the loop has not asked for the next one yet
        #expect(!admission.arrive(3, "c"))
        #expect(admission.next() == "b")
        admission.release()
        #expect(admission.next() == "c")
    }

    @Test func aWithdrawnTransferIsSkipped() {
        let admission = Admission<String>(limit: 1)
        #expect(admission.arrive(1, "a"))
        #expect(!admission.arrive(2, "b"))
        #expect(!admission.arrive(3, "c"))
        #expect(admission.withdraw(2) == "b")
        #expect(admission.withdraw(2) == nil, "once")
        #expect(admission.withdraw(1) == nil, "a running transfer does not wait")
        admission.release()
        #expect(admission.next() == "c")
        admission.release()
        #expect(admission.next() == nil, "b left the queue")
    }

    @Test func aTransferBackFromItsClientTakesAPlacePastTheLimit() {
        let admission = Admission<String>(limit: 1)
        #expect(admission.arrive(1, "a"))
        admission.release()  // "a" waits on its client
        #expect(admission.arrive(2, "b"))
        admission.retake()  // "a" goes on
        #expect(admission.running == 2)
        #expect(!admission.arrive(3, "c"))
        admission.release()
        #expect(admission.next() == nil, "one place over the limit is still full")
        admission.release()
        #expect(admission.next() == "c")
    }

    @Test func aLimitBelowOneCountsAsOne() {
        let admission = Admission<String>(limit: 0)
        #expect(admission.arrive(1, "a"))
        #expect(!admission.arrive(2, "b"))
    }

    @Test func aLongQueueKeepsItsOrderAcrossCompaction() {
        let admission = Admission<Int>(limit: 1)
        #expect(admission.arrive(0, 0))
        for id in 1...5000 { #expect(!admission.arrive(UInt64(id), id)) }
        for id in stride(from: 2, through: 5000, by: 2) { _ = admission.withdraw(UInt64(id)) }
        var started: [Int] = []
        for id in 5001...5010 {
            admission.release()
            started.append(admission.next()!)
            #expect(!admission.arrive(UInt64(id), id))
        }
        while true {
            admission.release()
            guard let next = admission.next() else { break }
            started.append(next)
        }
        #expect(started == Array(stride(from: 1, through: 4999, by: 2)) + Array(5001...5010))
        #expect(admission.removeAllWaiting().isEmpty)
    }

    @Test func shuttingDownHandsOutEveryWaitingTransferInOrder() {
        let admission = Admission<String>(limit: 1)
        #expect(admission.arrive(1, "a"))
        for (id, name) in [(2, "b"), (3, "c"), (4, "d")] { #expect(!admission.arrive(UInt64(id), name)) }
        _ = admission.withdraw(3)
        #expect(admission.removeAllWaiting() == ["b", "d"])
        #expect(admission.removeAllWaiting().isEmpty, "none left")
    }
}

/// A stack of its own with room for one running transfer: what waits, what does not hold a
/// place, and what a cancel or a shutdown does to a waiting transfer.
@Suite("Transfers past the limit wait their turn")
struct AdmissionTests {
    static func withOnePlace(_ body: (NetworkService, TestWebServer) async throws -> Void) async throws {
        try await TestWebServer.withServer { server in
            let service = try NetworkService(configuration: NetworkConfiguration(maxRunningTransfers: 1))
            do {
                try await body(service, server)
            } catch {
                await service.shutdown()
                throw error
            }
            await service.shutdown()
        }
    }

    static func submit(
        _ service: NetworkService, _ url: String, sink: RecordingSink, origin: ProcessType = .renderer, upload: UploadStream? = nil
    ) -> TransferHandle {
        let request = upload == nil
            ? Request(url: url, flags: origin == .browser ? .allowStoredCredentials : [])
            : Request(url: url, method: "POST", postData: .bytes(Data()))
        return service.submit(request, context: service.globalContext, origin: origin, sink: sink, uploadStream: upload)
    }

    @Test func aRequestPastTheLimitReachesTheServerOnlyWhenAPlaceIsFree() async throws {
        try await Self.withOnePlace { service, server async throws in
            let stalled = RecordingSink()
            let stall = Self.submit(service, server.baseURL + "/stall?tag=first", sink: stalled)
            #expect(try await eventually { server.hits(tag: "first") == 1 })
            let waiting = RecordingSink()
            _ = Self.submit(service, server.baseURL + "/hello?tag=second", sink: waiting)
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.hits(tag: "second") == 0, "the second request waits while the first runs")
            #expect(waiting.completion == nil)
            #expect(service.inFlight == 2, "a waiting transfer is in flight")

            stall.cancel()
            #expect(try await eventually { waiting.completion?.status == .success })
            #expect(server.hits(tag: "second") == 1)
        }
    }

    @Test func aWaitingRequestCanceledNeverReachesTheServer() async throws {
        try await Self.withOnePlace { service, server async throws in
            let stall = Self.submit(service, server.baseURL + "/stall?tag=first", sink: RecordingSink())
            #expect(try await eventually { server.hits(tag: "first") == 1 })
            let canceledSink = RecordingSink()
            let canceled = Self.submit(service, server.baseURL + "/hello?tag=canceled", sink: canceledSink)
            let after = RecordingSink()
            _ = Self.submit(service, server.baseURL + "/hello?tag=after", sink: after)
            try await Task.sleep(for: .milliseconds(200))  // time enough to reach the server, were it let
            canceled.cancel()
            #expect(try await eventually { service.inFlight == 2 }, "the canceled request was counted out")
            stall.cancel()
            #expect(try await eventually { after.completion?.status == .success }, "the next in line ran")
            #expect(server.hits(tag: "canceled") == 0)
            #expect(canceledSink.completion == nil, "the network thread reports nothing for a cancel")
        }
    }

    /// behaviour.md section 5 for a request that never left the queue: `cancel()` completes it
    /// inside the call, canceled with `ERR_ABORTED`, once; dropping the last reference frees it
    /// with no callback at all. Neither reaches the server.
    @Test func aWaitingWebRequestCanceledOrDroppedEndsAsAnyPendingOneDoes() async throws {
        try await Self.withOnePlace { service, server async throws in
            let stall = Self.submit(service, server.baseURL + "/stall?tag=first", sink: RecordingSink())
            #expect(try await eventually { server.hits(tag: "first") == 1 })
            let loop = Harness.group.next()
            let (canceled, dropped) = try await loop.submit {
                let canceled = RecordingClient()
                canceled.webRequest = try WebRequest(
                    Request(url: server.baseURL + "/hello?tag=canceled"), client: canceled, requestContext: nil, backend: service
                )
                let dropped = RecordingClient()
                _ = try WebRequest(Request(url: server.baseURL + "/hello?tag=dropped"), client: dropped, requestContext: nil, backend: service)
                return (NIOLoopBound(canceled, eventLoop: loop), NIOLoopBound(dropped, eventLoop: loop))
            }.get()
            #expect(try await eventually { service.inFlight == 2 }, "the dropped request left the queue at once")
            try await Task.sleep(for: .milliseconds(200))  // the canceled one now waits on the network thread
            let completedInside = try await loop.submit {
                canceled.value.webRequest?.cancel()
                return canceled.value.events
            }.get()
            #expect(completedInside == [.complete(.canceled, .aborted)])
            #expect(try await eventually { service.inFlight == 1 })
            stall.cancel()
            #expect(try await eventually { service.inFlight == 0 })
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await loop.submit { canceled.value.events.count + dropped.value.events.count }.get() == 1)
            #expect(server.hits(tag: "canceled") == 0)
            #expect(server.hits(tag: "dropped") == 0)
        }
    }

    @Test func aClientThatStopsReadingGivesUpItsPlace() async throws {
        try await Self.withOnePlace { service, server async throws in
            let unread = RecordingSink(delivers: false)
            let big = Self.submit(service, server.baseURL + "/bytes/\(64 << 20)", sink: unread)
            let next = RecordingSink()
            _ = Self.submit(service, server.baseURL + "/hello", sink: next)
            #expect(try await eventually { next.completion?.status == .success }, "ran while the first waited on its client")
            #expect(unread.completion == nil)
            big.cancel()
        }
    }

    @Test func anUploadWaitingForItsNextPieceGivesUpItsPlace() async throws {
        try await Self.withOnePlace { service, server async throws in
            let upload = UploadStream(expectedBytes: 1000, window: 1 << 16) { _ in }
            let uploading = RecordingSink()
            _ = Self.submit(service, server.baseURL + "/echo", sink: uploading, upload: upload)
            #expect(upload.append(Data(count: 10)) == .accepted(resume: false))
            let next = RecordingSink()
            _ = Self.submit(service, server.baseURL + "/hello", sink: next)
            #expect(try await eventually { next.completion?.status == .success }, "ran while the upload waited for data")

            #expect(upload.append(Data(count: 990)) == .accepted(resume: true))
        }
    }

    @Test func aChallengeAwaitingItsAnswerGivesUpItsPlace() async throws {
        try await Self.withOnePlace { service, server async throws in
            let challenged = RecordingSink()
            _ = Self.submit(service, server.baseURL + "/auth/basic?user=u&pass=p", sink: challenged, origin: .browser)
            #expect(try await eventually { challenged.challenged })
            let next = RecordingSink()
            _ = Self.submit(service, server.baseURL + "/hello", sink: next)
            #expect(try await eventually { next.completion?.status == .success }, "ran while the challenge waited")
        }
    }

    @Test func aStackWithALimitOfZeroStillRuns() async throws {
        try await TestWebServer.withServer { server in
            var configuration = NetworkConfiguration()
            configuration.maxRunningTransfers = 0
            let service = try NetworkService(configuration: configuration)
            let sinks = (0..<2).map { _ in RecordingSink() }
            for sink in sinks { _ = Self.submit(service, server.baseURL + "/hello", sink: sink) }
            #expect(try await eventually { sinks.allSatisfy { $0.completion?.status == .success } })
            await service.shutdown()
        }
    }

    @Test func waitingTransfersEndAbortedWhenTheStackShutsDown() async throws {
        try await TestWebServer.withServer { server in
            let service = try NetworkService(configuration: NetworkConfiguration(maxRunningTransfers: 1))
            _ = Self.submit(service, server.baseURL + "/stall", sink: RecordingSink())
            let sinks = (0..<3).map { _ in RecordingSink() }
            for sink in sinks { _ = Self.submit(service, server.baseURL + "/hello", sink: sink) }
            #expect(try await eventually { server.hits("/stall") == 1 })
            try await Task.sleep(for: .milliseconds(200))  // time enough to reach the server, were they let
            await service.shutdown()
            for sink in sinks { #expect(sink.completion == WebRequestCompletion(status: .canceled, error: .aborted)) }
            #expect(service.inFlight == 0)
            #expect(server.hits("/hello") == 0)
        }
    }
}
