import BrowserNetwork
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestWebServer
import Testing
import WebRequestKit

/// A client callback, as recorded.
enum Recorded: Equatable {
    case upload(Int64, Int64)
    case download(Int64, Int64)
    case data(Int)
    case auth(AuthChallenge)
    case complete(RequestStatus, NetworkError)
}

/// What one request did, captured on its loop at completion (and after, for late events).
struct Outcome: Sendable {
    var events: [Recorded]
    var body: Data
    var status: RequestStatus
    var error: NetworkError
    var response: Response?
    var request: Request
    var wasCached = false

    var completions: Int { events.filter { if case .complete = $0 { true } else { false } }.count }
    var dataEvents: Int { events.filter { if case .data = $0 { true } else { false } }.count }
    var downloadEvents: [Recorded] { events.filter { if case .download = $0 { true } else { false } } }
    var uploadEvents: [Recorded] { events.filter { if case .upload = $0 { true } else { false } } }
    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The echo endpoint's JSON.
    var echo: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
    }

    func echoHeader(_ name: String) -> String? {
        let headers = echo["headers"] as? [[String]] ?? []
        return headers.first { $0.first?.lowercased() == name.lowercased() }?.last
    }
}

/// Records every callback; hooks let a test act inside them.
final class RecordingClient: WebRequestClient {
    var events: [Recorded] = []
    var body = Data()
    var webRequest: WebRequest?
    var onData: ((WebRequest, RecordingClient) -> Void)?
    var onAuth: ((AuthChallenge, AuthCallback) -> Bool)?
    var onComplete: ((Outcome) -> Void)?

    func webRequest(_ request: WebRequest, didSendBodyBytes current: Int64, of total: Int64) {
        events.append(.upload(current, total))
    }

    func webRequest(_ request: WebRequest, didReceiveBodyBytes current: Int64, of total: Int64) {
        events.append(.download(current, total))
    }

    func webRequest(_ request: WebRequest, didReceive data: Data) {
        events.append(.data(data.count))
        body.append(data)
        onData?(request, self)
    }

    func webRequest(_ request: WebRequest, didReceive challenge: AuthChallenge, callback: AuthCallback) -> Bool {
        events.append(.auth(challenge))
        return onAuth?(challenge, callback) ?? false
    }

    func webRequestDidComplete(_ request: WebRequest) {
        events.append(.complete(request.status, request.error))
        onComplete?(outcome(of: request))
        webRequest = nil
    }

    func outcome(of request: WebRequest) -> Outcome {
        Outcome(
            events: events,
            body: body,
            status: request.status,
            error: request.error,
            response: request.response,
            request: request.request,
            wasCached: request.responseWasCached
        )
    }
}

enum Harness {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// Runs `request` in the browser process and returns what happened, `settle` after the
    /// completion (so that late callbacks would be seen).
    static func run(
        _ request: Request,
        context: BrowserRequestContext? = nil,
        settle: TimeAmount = .zero,
        configure: @escaping @Sendable (RecordingClient) -> Void = { _ in }
    ) async throws -> Outcome {
        BrowserProcess.initialize()
        let loop = group.next()
        let done = loop.makePromise(of: Outcome.self)
        let bound = try await loop.submit {
            let client = RecordingClient()
            configure(client)
            client.onComplete = { outcome in
                loop.scheduleTask(in: settle) { done.succeed(outcome) }
            }
            client.webRequest = try WebRequest(request, client: client, requestContext: context)
            return NIOLoopBound(client, eventLoop: loop)
        }.get()
        let completed = try await done.futureResult.get()
        return try await loop.submit {
            var final = completed
            final.events = bound.value.events
            return final
        }.get()
    }

    /// Creates a request on a loop and returns the refusal, or `nil` if it was created.
    static func createError(_ request: Request, context: BrowserRequestContext? = nil) async throws -> WebRequestCreateError? {
        BrowserProcess.initialize()
        return try await group.next().submit { () -> WebRequestCreateError? in
            do throws(WebRequestCreateError) {
                let webRequest = try WebRequest(request, client: RecordingClient(), requestContext: context)
                webRequest.cancel()
                return nil
            } catch {
                return error
            }
        }.get()
    }
}

/// Polls until no transfer of `contexts` is in flight. A test asks its own contexts:
/// ``BrowserProcess/transfersInFlight`` counts the transfers of every test running beside it.
func settled(_ contexts: BrowserRequestContext...) async throws -> Bool {
    try await settled(contexts)
}

func settled(_ contexts: [BrowserRequestContext]) async throws -> Bool {
    try await eventually { contexts.allSatisfy { $0.transfersInFlight == 0 } }
}

/// A request context in memory for one test, so that ``settled(_:)`` can ask about its
/// transfers alone.
func testContext(_ name: String = #function) throws -> BrowserRequestContext {
    try BrowserProcess.makeRequestContext(name: name)
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Collects a transfer's events from whatever thread sends them, for tests that drive a
/// ``NetworkService`` without a `WebRequest`. Like the real sinks it holds them until `flush()`:
/// a path that forgot to flush loses its completion. With `delivers` false it never tells the
/// network thread a body was taken in, as a client that stopped reading would not.
final class RecordingSink: TransferEventSink {
    let delivers: Bool
    let events = Mutex<[WebRequestEvent]>([])
    private let held = Mutex<[WebRequestEvent]>([])

    init(delivers: Bool = true) { self.delivers = delivers }

    func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
        held.withLock { $0.append(event) }
        if delivers { delivered?() }
    }

    func flush() {
        let flushed = held.withLock { held in
            defer { held.removeAll() }
            return held
        }
        events.withLock { $0.append(contentsOf: flushed) }
    }

    func note(_ note: TransferNote) {}

    var completion: WebRequestCompletion? {
        events.withLock { events in
            events.lazy.compactMap { if case .complete(let outcome) = $0 { outcome } else { nil } }.first
        }
    }

    var completions: Int {
        events.withLock { $0.filter { if case .complete = $0 { true } else { false } }.count }
    }

    var challenged: Bool {
        events.withLock { $0.contains { if case .authChallenge = $0 { true } else { false } } }
    }
}
