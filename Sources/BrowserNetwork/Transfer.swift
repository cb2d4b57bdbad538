import CCurl
import Foundation
import NIOCore
import WebRequestKit

/// One request on the network thread, from start to completion, across every hop: redirects,
/// 5xx retries and authentication restarts each run a fresh ``EasyHandle`` on the same transfer.
///
/// The concerns around it live beside it: ``ResponseHeadParser`` reads each hop's head,
/// ``HopPolicy`` decides what the head means, ``TransferCache`` deals with the context's HTTP
/// cache, ``EasyHandle`` is libcurl. What stays here is the sequence: start a hop, carry out the
/// policy's answer, pass the body on with flow control, complete once.
///
/// Confined to the network thread; libcurl's callbacks find it through their userdata pointer.
final class Transfer {
    /// Bytes of a 401 body kept in case the client declines to authenticate.
    private static let maximumChallengeBody = 64 << 10
    /// Upload progress is reported at most this often (nanoseconds), plus the final event.
    private static let uploadProgressInterval: UInt64 = 50_000_000

    let id: UInt64
    private let spec: TransferSpec
    private unowned let loop: NetworkLoop
    /// The context's network-thread state: share handles, cache, cookie file, credentials.
    private let context: ContextState
    private let policy: HopPolicy
    private var hop: Hop
    private var redirects = 0
    private var retries = 0
    private var authAttempts = 0
    /// The answer to the origin's challenge, and to the proxy's.
    private var answer: EasyHandle.Answer?
    private var proxyAnswer: EasyHandle.Answer?
    /// libcurl answers a Digest challenge itself, within the hop: its first 401 (or 407) is
    /// libcurl's, not the client's.
    private var digestRoundsLeft = 0

    private var easy: EasyHandle?
    private var upload: UploadSource?

    // The current hop's response.
    private var head = ResponseHeadParser()
    /// What the head means, once it has ended.
    private var action: HopPolicy.Action?
    private var challengeResponse: Response?
    private var challengeBody = Data()
    /// Set when a callback ends the transfer on purpose (stop-on-redirect, no-download-data).
    private var decidedOutcome: WebRequestCompletion?
    private var lastUploadReport: UInt64?
    private var uploadReportFinished = false
    private var isFinished = false

    private var cache: TransferCache
    /// Body bytes taken from libcurl and not yet handed on, joined into chunks.
    private var body = BodyChunks()
    /// The loop has this transfer in its list of those to call when the turn ends.
    private var awaitsTurnEnd = false
    /// The sink was sent events this turn; the loop has this transfer flush it when the turn ends.
    private var awaitsFlush = false
    /// Paused because the consumer fell behind (not for want of upload data).
    private var pausedForFlow = false
    /// Paused for want of upload data: the client has not sent the next piece yet.
    private var pausedForUpload = false
    /// A challenge went to the client, whose answer has not come back.
    private var awaitingAnswer = false
    /// Whether the loop counts this transfer among those running (``TransferAdmission``): not
    /// while it waits on its client for any of the three reasons above.
    private(set) var holdsPlace = true
    /// Undoes the hop's Content-Encoding, when it has one the browser knows.
    private var decoder: ContentDecoder?
    /// A hop libcurl finished while the decoder still held some of its body: concluded once
    /// the consumer has made room for the rest.
    private var finishedHop: (result: CURLcode, failure: EasyHandle.Failure?)?

    private var flags: RequestFlags { spec.request.flags }
    /// The context the transfer was started in (its front; ``context`` is its thread state).
    var requestContext: BrowserRequestContext { spec.context }

    init(spec: TransferSpec, loop: NetworkLoop) {
        self.id = spec.id
        self.spec = spec
        self.loop = loop
        self.context = loop.state(for: spec.context)
        let url = URL(string: spec.request.url)!  // validated by `create`
        self.hop = Hop(url: url, method: spec.request.method, body: spec.request.postData?.elements.first, headers: spec.request.headers)
        self.policy = HopPolicy(origin: spec.origin, flags: spec.request.flags, proxy: context.proxyURL)
        self.cache = TransferCache(request: spec.request, cache: context.cache)
    }

    // MARK: Commands

    func begin() {
        guard let scheme = hop.url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            finish(.failed(.unknownURLScheme))
            return
        }
        if let port = hop.url.port, RequestPolicy.unsafePorts.contains(port) {
            finish(.failed(.unsafePort))
            return
        }
        startHop()
    }

    func cancel() {
        isFinished = true
        body.discard()
        releaseHop()
        loop.retire(self)
    }

    /// Ends the transfer now with `outcome` (the stack is shutting down).
    func abort(_ outcome: WebRequestCompletion) {
        finish(outcome)
    }

    func resume() {
        if pausedForFlow {
            pausedForFlow = false
            spec.sink.note(.resumed)
        }
        pausedForUpload = false
        clientWaitChanged()
        guard decodeHeldBody() else { return finish(decidedOutcome ?? .failed(.contentDecodingFailed)) }
        if decoder?.isHolding == true { return }  // paused again; the consumer resumes it
        if let finishedHop {
            self.finishedHop = nil
            return conclude(result: finishedHop.result, failure: finishedHop.failure)
        }
        easy?.unpause()
    }

    func answerAuth(_ credentials: Credentials?) {
        guard !isFinished, case .authenticate(let challenge) = action else { return }
        awaitingAnswer = false
        clientWaitChanged()
        if let credentials {
            let answer = EasyHandle.Answer(credentials: credentials, scheme: AuthScheme(rawValue: challenge.scheme) ?? .basic)
            if challenge.isProxy { proxyAnswer = answer } else { self.answer = answer }
            authAttempts += 1
            startHop()
        } else {
            deliverChallengeResponse()
        }
    }

    // MARK: Hops

    private func startHop() {
        head = ResponseHeadParser()
        action = nil
        challengeBody = Data()
        decidedOutcome = nil
        lastUploadReport = nil
        decoder = nil
        finishedHop = nil
        switch cache.startHop(hop) {
        case .serve(let entry): return serve(entry)
        case .miss: return finish(.failed(.cacheMiss))
        case .network: break
        }

        var lines = hop.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        lines += cache.conditionalHeaderLines(for: hop)
        if let referrer = ReferrerRules.referrer(spec.request.referrerURL, to: hop.url, policy: spec.request.referrerPolicy) {
            lines.append("Referer: \(referrer)")
        }
        switch (hop.method, hop.body) {
        case ("HEAD", _):
            break
        case (_, .bytes(let data)?):
            if let stream = spec.uploadStream {
                // A streamed body cannot be read twice: a 307/308 or a retry cannot replay it.
                guard !stream.hasStarted else { return finish(.failed(.uploadStreamRewindNotSupported)) }
                upload = .stream(stream)
            } else {
                upload = .bytes(data)
            }
        case (_, .file(let path)?):
            switch UploadSource.open(path) {
            case .success(let source): upload = source
            case .failure(let error): return finish(.failed(error))
            }
            if hop.headers["Content-Type"] == nil {
                lines.append("Content-Type: \(MIMETypes.guess(forPath: path))")
            }
        case ("POST", _):
            upload = .bytes(Data())
        default:
            break
        }
        if upload != nil, hop.headers["Content-Type"] == nil, case .bytes = hop.body {
            lines.append("Content-Type: application/x-www-form-urlencoded")
        }
        if upload != nil {
            // libcurl would ask a large body's server for `100 Continue` first and wait for it;
            // Chromium sends the body at once. A hop without a body gets no `Expect` from
            // libcurl, so it needs no line (and a plain GET no header list at all).
            lines.append("Expect:")
        }

        let sendsCookies = flags.contains(.allowStoredCredentials)
        let setup = EasyHandle.Setup(
            url: hop.url.absoluteString,
            pool: sendsCookies ? context.credentialed : context.anonymous,
            sendsCookies: sendsCookies,
            credentials: answer,
            proxyCredentials: proxyAnswer,
            settings: context.settings,
            headerLines: lines,
            body: upload.map { .upload(method: hop.method, size: Int64($0.size), reportsProgress: flags.contains(.reportUploadProgress)) }
                ?? .none(method: hop.method),
            idleTimeout: loop.configuration.idleTimeout
        )
        digestRoundsLeft = (answer?.scheme == .digest ? 1 : 0) + (proxyAnswer?.scheme == .digest ? 1 : 0)
        guard let easy = EasyHandle(setup, for: self) else { return finish(.failed(.insufficientResources)) }
        self.easy = easy
        loop.attach(easy.pointer, to: self)
    }

    /// libcurl finished the current hop.
    func hopFinished(result: CURLcode) {
        guard let easy else { return }
        let failure = result == CURLE_OK ? nil : easy.failure()
        if flags.contains(.allowStoredCredentials) {
            context.persistCookies(using: easy.pointer)
        }
        releaseHop()
        if result == CURLE_OK, decoder?.isHolding == true {
            // The connection is free, the body is not all handed on: wait for the consumer.
            finishedHop = (result, failure)
            return
        }
        conclude(result: result, failure: failure)
    }

    /// Carries out what the finished hop means: the next hop, the client's turn, or the end.
    private func conclude(result: CURLcode, failure: EasyHandle.Failure?) {
        if let decidedOutcome {
            return finish(decidedOutcome)
        }
        if action == nil, head.sawStatusLine {
            // A status line came but the head never ended (libcurl 7.88 calls that a success):
            // Chromium's truncated headers.
            return finish(.failed(.responseHeadersTruncated))
        }
        if let failure {
            if failure.connectCode >= 300 {
                switch policy.tunnelRefused(connectCode: failure.connectCode, offersDigest: failure.proxyOffersDigest, authAttempts: authAttempts) {
                case .success(let challenge):
                    action = .authenticate(challenge)
                    challengeResponse = nil
                    return askForCredentials(challenge)
                case .failure(let error):
                    return finish(.failed(error))
                }
            }
            let chunked = head.headers["Transfer-Encoding"]?.lowercased().contains("chunked") ?? false
            let proxy = context.settings.proxy.flatMap { $0.bypasses(host: hop.url.host ?? "") ? nil : $0 }
            return finish(.failed(CurlErrorMapping.networkError(
                for: result, osErrno: failure.osErrno, chunked: chunked, verifyResult: failure.verifyResult, message: failure.message,
                proxy: proxy
            )))
        }
        switch action {
        case nil:
            finish(.failed(.emptyResponse))
        case .deliver?:
            if let answer, head.status != 401 {
                context.authCache[authKey] = answer
            }
            cache.store(hop: hop)
            finish(.success)
        case .revalidated?:
            guard let entry = cache.revalidated(hop: hop, notModified: head.headers) else { return finish(.failed(.cacheReadFailure)) }
            serve(entry, revalidated: true)
        case .retry?:
            retries += 1
            spec.sink.note(.retry(status: head.status, attempt: retries))
            startHop()
        case .redirect(let location)?:
            switch RedirectRules.follow(hop, status: head.status, location: location, redirectsSoFar: redirects) {
            case .success(let next):
                redirects += 1
                spec.sink.note(.redirect(status: head.status, to: next.url.absoluteString))
                if !RedirectRules.isSameOrigin(hop.url, next.url) {
                    answer = nil  // an answer for one origin is never sent to another
                }
                hop = next
                startHop()
            case .failure(let error):
                finish(.failed(error))
            }
        case .stopAtRedirect?:
            break  // decided in the header callback
        case .authenticate(let challenge)?:
            if !challenge.isProxy, let cached = context.authCache[authKey], cached != answer, authAttempts == 0 {
                answer = cached
                authAttempts += 1
                return startHop()
            }
            askForCredentials(challenge)
        }
    }

    /// Passes `challenge` to the client; its answer comes back through ``answerAuth(_:)``.
    private func askForCredentials(_ challenge: AuthChallenge) {
        let (inbox, id) = (loop.inbox, self.id)
        let callback = AuthCallback { answer in inbox.post(.answerAuth(id, answer)) }
        awaitingAnswer = true
        clientWaitChanged()
        report(.authChallenge(challenge, callback))
    }

    /// Completes the request with a stored response, without the network.
    private func serve(_ entry: CacheEntry, revalidated: Bool = false) {
        spec.sink.note(.fromCache(revalidated: revalidated))
        report(.response(entry.response))
        if !flags.contains(.noDownloadData) {
            var offset = 0
            while offset < entry.body.count {
                let end = min(entry.body.count, offset + (64 << 10))
                report(.data(entry.body.subdata(in: offset..<end)))
                offset = end
            }
        }
        finish(WebRequestCompletion(status: .success, wasCached: true))
    }

    private var authKey: String {
        "\(hop.url.host ?? ""):\(hop.url.portOrDefault)"
    }

    private func releaseHop() {
        if let easy {
            loop.detach(easy.pointer)
            easy.release()
            self.easy = nil
        }
        upload = nil
    }

    private func finish(_ outcome: WebRequestCompletion) {
        guard !isFinished else { return }
        releaseHeldBody()
        isFinished = true
        releaseHop()
        report(.complete(outcome))
        loop.retire(self)
    }

    private func deliverChallengeResponse() {
        // A tunnel's 407 has no response to deliver: the request fails as Chromium's does.
        guard let challengeResponse else { return finish(.failed(.proxyAuthRequested)) }
        report(.response(challengeResponse))
        if !challengeBody.isEmpty, !flags.contains(.noDownloadData) {
            report(.data(challengeBody))
        }
        finish(.success)
    }

    private func makeResponse(url: String, isRedirect: Bool) -> Response {
        let (mimeType, charset) = isRedirect ? ("", "") : Response.parseContentType(head.headers["Content-Type"])
        var response = Response(status: head.status, statusText: head.statusText, mimeType: mimeType, charset: charset, url: url, headers: head.headers)
        if let negotiated = easy?.negotiated {
            response.httpVersion = negotiated.httpVersion
            response.tlsVersion = negotiated.tlsVersion
        }
        return response
    }

    // MARK: libcurl callbacks (through EasyHandle)

    /// One header line; returns `false` to end the transfer.
    func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard head.receive(bytes) == .ended else { return true }
        return headEnded()
    }

    /// Carries out what the final head means; returns `false` to end the transfer here.
    private func headEnded() -> Bool {
        if digestRoundsLeft > 0, head.status == 401 || head.status == 407 {
            digestRoundsLeft -= 1
            return true  // libcurl answers this challenge itself and sends the hop again
        }
        let decided = policy.action(
            status: head.status, headers: head.headers, hop: hop,
            revalidating: cache.revalidating != nil, authAttempts: authAttempts, retries: retries
        )
        action = decided
        switch decided {
        case .revalidated, .redirect, .retry:
            return true
        case .stopAtRedirect(let target):
            decidedOutcome = WebRequestCompletion(status: .canceled, error: .aborted, response: makeResponse(url: target, isRedirect: true))
            return false
        case .authenticate:
            challengeResponse = makeResponse(url: hop.url.absoluteString, isRedirect: false)
            decoder = ContentDecoder(contentEncoding: head.headers["Content-Encoding"])
            return true
        case .deliver:
            decoder = ContentDecoder(contentEncoding: head.headers["Content-Encoding"])
            let response = makeResponse(url: hop.url.absoluteString, isRedirect: false)
            // A coded body's length says nothing of what it decodes to.
            let length = decoder == nil ? response.expectedContentLength : nil
            body.start(length: length)
            cache.responseArrived(response, hop: hop, flags: flags)
            report(.response(response))
            if flags.contains(.noDownloadData), hop.method != "HEAD" {
                decidedOutcome = .success
                return false
            }
            return true
        }
    }

    /// Body bytes; returns how many were taken, or `nil` to pause.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int? {
        switch action {
        case .deliver?:
            guard !bytes.isEmpty else { return 0 }
            if let decoder {
                // libcurl offers this read again after a pause: at most one coded read waits.
                guard !decoder.isHolding else { return pauseForFlow() }
                decoder.take(bytes)
                return decodeHeldBody() ? bytes.count : 0
            }
            guard spec.flow.admit(bytes.count) else { return pauseForFlow() }
            hold(bytes)
            return bytes.count
        case .authenticate?:
            if let decoder {
                // Decoded as far as the kept part goes; a challenge body is not flow-controlled.
                guard !decoder.isHolding, challengeBody.count < Self.maximumChallengeBody else { return bytes.count }
                decoder.take(bytes)
                while decoder.isHolding, challengeBody.count < Self.maximumChallengeBody {
                    guard let chunk = try? decoder.next() else { break }
                    challengeBody.append(contentsOf: chunk.prefix(Self.maximumChallengeBody - challengeBody.count))
                }
                return bytes.count
            }
            let room = Self.maximumChallengeBody - challengeBody.count
            if room > 0 { challengeBody.append(contentsOf: bytes.prefix(room)) }
            return bytes.count
        case nil, .redirect?, .stopAtRedirect?, .retry?, .revalidated?:
            return bytes.count
        }
    }

    /// Marks the transfer paused for its consumer and hands on what it holds, so that the
    /// consumer can drain and resume it; `nil` is libcurl's pause.
    private func pauseForFlow() -> Int? {
        releaseHeldBody()
        if !pausedForFlow {
            pausedForFlow = true
            spec.sink.note(.paused(backlogBytes: FlowControl.highWater))
            clientWaitChanged()
        }
        return nil
    }

    /// Tells the loop when the transfer starts or stops waiting on its client.
    private func clientWaitChanged() {
        let waits = pausedForFlow || pausedForUpload || awaitingAnswer
        guard waits == holdsPlace, !isFinished else { return }
        holdsPlace = !waits
        loop.transfer(self, holdsPlace: holdsPlace)
    }

    /// Decodes what the decoder holds for as long as the consumer has room, a chunk at a time;
    /// `false` when the body is not what its coding says (the outcome is decided then).
    private func decodeHeldBody() -> Bool {
        guard let decoder else { return true }
        while decoder.isHolding {
            guard spec.flow.hasRoom() else {
                _ = pauseForFlow()
                return true
            }
            do {
                let chunk = try decoder.next()
                guard !chunk.isEmpty else { continue }
                _ = spec.flow.admit(chunk.count)  // there was room, and only this thread adds
                hold(chunk)
            } catch {
                decidedOutcome = .failed(error)
                return false
            }
        }
        return true
    }

    /// Keeps admitted body bytes to hand on as one chunk, and gives them to the cache.
    private func hold(_ bytes: UnsafeRawBufferPointer) {
        cache.append(bytes)
        if body.overflows(adding: bytes.count) { releaseHeldBody() }
        if body.isEmpty, !awaitsTurnEnd {
            awaitsTurnEnd = true
            loop.holdsBody(self)
        }
        body.append(bytes, turnStarted: loop.turnStarted)
        if body.isFull { releaseHeldBody() }
    }

    /// The network thread's turn ended at `now`: hands on the bytes held unless they may wait
    /// for the next turns (``BodyChunks/carriesOver(at:)``); returns whether it still holds some.
    func endTurn(at now: UInt64) -> Bool {
        if !isFinished, body.carriesOver(at: now) { return true }
        releaseHeldBody()
        awaitsTurnEnd = false
        return false
    }

    /// Hands on the body bytes held since the last chunk, if any.
    func releaseHeldBody() {
        guard !isFinished, let data = body.take() else { return }
        let count = data.count
        let (flow, inbox, id) = (spec.flow, loop.inbox, self.id)
        report(.data(data)) {
            if flow.consume(count) { inbox.post(.resume(id)) }
        }
    }

    /// Sends `event` to the transfer's sink, which may hold it until the network thread's turn
    /// ends and ``NetworkLoop`` has the transfer ``flushReports()``.
    private func report(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)? = nil) {
        spec.sink.send(event, delivered: delivered)
        if !awaitsFlush {
            awaitsFlush = true
            loop.reports(self)
        }
    }

    /// The turn ended: what the sink holds goes on.
    func flushReports() {
        awaitsFlush = false
        spec.sink.flush()
    }

    func readBody(into buffer: UnsafeMutableRawBufferPointer) -> UploadRead {
        let read = upload?.read(into: buffer) ?? .failed
        if read == .pause, !pausedForUpload {
            pausedForUpload = true
            clientWaitChanged()
        }
        return read
    }

    func uploadProgress(sent: Int64, total: Int64) {
        guard total > 0, !uploadReportFinished else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let done = sent >= total
        if !done, let last = lastUploadReport, now &- last < Self.uploadProgressInterval { return }
        lastUploadReport = now
        uploadReportFinished = done
        report(.uploadProgress(current: sent, total: total))
    }
}
