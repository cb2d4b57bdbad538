import Foundation
import Testing
@testable import WebRequestKit

/// The lifecycle rules, without I/O: events in, callbacks out.
@Suite("WebRequestStateMachine")
struct StateMachineTests {
    private func kinds(_ actions: WebRequestStateMachine.Actions) -> [String] {
        actions.map { action in
            switch action {
            case .uploadProgress(let current, let total): "up \(current)/\(total)"
            case .downloadProgress(let current, let total): "down \(current)/\(total)"
            case .data(let data): "data \(data.count)"
            case .authChallenge: "auth"
            case .complete: "complete"
            }
        }
    }

    private func machine(_ request: Request, uploadSize: Int64 = 0) throws -> WebRequestStateMachine {
        var machine = WebRequestStateMachine(request: try request.validated(for: .browser), uploadSize: uploadSize)
        machine.start()
        return machine
    }

    private let ms: UInt64 = 1_000_000

    @Test func statusStaysPendingUntilTheCompletionIsPerformed() throws {
        var machine = try machine(Request(url: "http://a/"))
        #expect(machine.status == .pending)
        _ = machine.receive(.response(Response(status: 200, headers: [("Content-Length", "3")])), now: 0)
        let actions = machine.receive(.data(Data("abc".utf8)), now: 0)
        #expect(kinds(actions) == ["data 3", "down 3/3"])
        let ending = machine.receive(.complete(.success), now: 1)
        #expect(kinds(ending) == ["complete"], "the final progress was already reported")
        #expect(machine.status == .pending)
        let result1 = machine.finish()
        #expect(result1)
        #expect(machine.status == .success)
        let result2 = machine.finish()
        #expect(!result2, "exactly one completion")
        let actions3 = machine.receive(.data(Data("late".utf8)), now: 2)
        #expect(actions3.isEmpty)
    }

    /// The most callbacks an event makes (an upload's last progress, data, the download's
    /// progress) fit in `Actions`, in order.
    @Test func theFullestEventFitsInItsActions() throws {
        var machine = try machine(Request(url: "http://a/", method: "POST", postData: PostData([.bytes(Data(count: 4))]), flags: .reportUploadProgress), uploadSize: 4)
        _ = machine.receive(.response(Response(status: 200)), now: 0)
        let actions = machine.receive(.data(Data(count: 2)), now: 0)
        #expect(actions.count == WebRequestStateMachine.Actions.capacity)
        #expect(kinds(actions) == ["up 4/4", "data 2", "down 2/-1"])
    }

    /// A fourth is a bug in the machine, and traps rather than drops a callback.
    @Test func aFourthActionTraps() async {
        await #expect(processExitsWith: .failure) {
            var actions: WebRequestStateMachine.Actions = [.complete, .complete, .complete]
            actions.append(.complete)
        }
    }

    @Test func downloadProgressIsThrottledWithAFinalEvent() throws {
        var machine = try machine(Request(url: "http://a/"))
        _ = machine.receive(.response(Response(status: 200)), now: 0)
        var all: [String] = []
        for step in 0..<10 {
            all += kinds(machine.receive(.data(Data(count: 10)), now: UInt64(step) * 10 * ms))
        }
        all += kinds(machine.receive(.complete(.success), now: 200 * ms))
        #expect(all.filter { $0.hasPrefix("data") }.count == 10)
        #expect(all.filter { $0.hasPrefix("down") } == ["down 10/-1", "down 60/-1", "down 100/-1"])
        #expect(all.last == "complete")
    }

    @Test func noDownloadDataStillReportsOneProgressAndHeadNone() throws {
        var quiet = try machine(Request(url: "http://a/", flags: .noDownloadData))
        _ = quiet.receive(.response(Response(status: 200, headers: [("Content-Length", "50")])), now: 0)
        #expect(kinds(quiet.receive(.data(Data(count: 5)), now: 0)).isEmpty)
        let actions4 = quiet.receive(.complete(.success), now: 0)
        #expect(kinds(actions4) == ["down 0/50", "complete"])

        var head = try machine(Request(url: "http://a/", method: "HEAD"))
        _ = head.receive(.response(Response(status: 200)), now: 0)
        let actions5 = head.receive(.complete(.success), now: 0)
        #expect(kinds(actions5) == ["complete"])
    }

    @Test func uploadEndsAtTotalBeforeAnyDownloadEvent() throws {
        let request = Request(url: "http://a/", method: "POST", postData: .string("0123456789"), flags: .reportUploadProgress)
        var machine = try machine(request, uploadSize: 10)
        let actions6 = machine.receive(.uploadProgress(current: 4, total: 10), now: 0)
        #expect(kinds(actions6) == ["up 4/10"])
        _ = machine.receive(.response(Response(status: 200)), now: 0)
        let actions7 = machine.receive(.data(Data(count: 2)), now: 0)
        #expect(kinds(actions7) == ["up 10/10", "data 2", "down 2/-1"])
        let actions8 = machine.receive(.uploadProgress(current: 10, total: 10), now: 0)
        #expect(actions8.isEmpty)
    }

    @Test func uploadProgressNeedsTheFlag() throws {
        var machine = try machine(Request(url: "http://a/", method: "POST", postData: .string("x")), uploadSize: 1)
        let actions9 = machine.receive(.uploadProgress(current: 1, total: 1), now: 0)
        #expect(actions9.isEmpty)
        let actions10 = machine.receive(.complete(.failed(.connectionRefused)), now: 0)
        #expect(kinds(actions10) == ["complete"])
        let result11 = machine.finish()
        #expect(result11)
        #expect(machine.status == .failed)
        #expect(machine.error == .connectionRefused)
    }

    @Test func cancelWinsOverAQueuedCompletionAndSilencesTheRest() throws {
        var machine = try machine(Request(url: "http://a/"))
        _ = machine.receive(.response(Response(status: 200)), now: 0)
        _ = machine.receive(.complete(.success), now: 0)
        let result12 = machine.cancel()
        #expect(result12)
        #expect(machine.status == .canceled)
        #expect(machine.error == .aborted)
        #expect(machine.response?.error == .aborted)
        let result13 = machine.finish()
        #expect(!result13)
        let result14 = machine.cancel()
        #expect(!result14, "cancel after completion does nothing")
    }

    @Test func stopOnRedirectCompletionCarriesTheRedirect() throws {
        var machine = try machine(Request(url: "http://a/", flags: .stopOnRedirect))
        let redirect = Response(status: 302, statusText: "Found", url: "http://a/next")
        let actions15 = machine.receive(.complete(WebRequestCompletion(status: .canceled, error: .aborted, response: redirect)), now: 0)
        #expect(kinds(actions15) == ["complete"])
        let result16 = machine.finish()
        #expect(result16)
        #expect(machine.response?.url == "http://a/next")
        #expect(machine.response?.isReadOnly == true)
        #expect(machine.status == .canceled)
    }

    @Test func failureAfterSomeDataReportsWhatWasDelivered() throws {
        var machine = try machine(Request(url: "http://a/"))
        _ = machine.receive(.response(Response(status: 200, headers: [("Content-Length", "100")])), now: 0)
        _ = machine.receive(.data(Data(count: 10)), now: 0)
        _ = machine.receive(.data(Data(count: 10)), now: 1)
        let actions17 = machine.receive(.complete(.failed(.contentLengthMismatch)), now: 2)
        #expect(kinds(actions17) == ["down 20/100", "complete"])
    }
}
