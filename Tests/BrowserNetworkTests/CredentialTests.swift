import BrowserNetwork
import Foundation
import NIOCore
import TestWebServer
import Testing
import WebRequestKit

@Suite("Cookies, auth and request contexts")
struct CredentialTests {
    @Test func authIsAnsweredLaterOnAnotherTurnOfTheLoop() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/auth/basic?user=ann&pass=secret", flags: .allowStoredCredentials)
            ) { client in
                client.onAuth = { challenge, callback in
                    #expect(challenge.realm == "webrequestkit")
                    #expect(challenge.scheme == "basic")
                    #expect(challenge.isProxy == false)
                    client.webRequest?.eventLoop.scheduleTask(in: .milliseconds(50)) {
                        callback.continue(username: "ann", password: "secret")
                    }
                    return true
                }
            }
            #expect(outcome.status == .success)
            #expect(outcome.response?.status == 200)
            #expect(outcome.bodyText == "authenticated as ann\n")
            #expect(outcome.events.first == .auth(AuthChallenge(isProxy: false, host: "127.0.0.1", port: server.port, realm: "webrequestkit", scheme: "basic")))
        }
    }

    @Test func digestIsAnsweredLikeBasicAndLibcurlDoesTheRound() async throws {
        try await TestWebServer.withServer { server in
            let url = server.baseURL + "/auth/digest?user=ann&pass=secret"
            let outcome = try await Harness.run(Request(url: url, flags: .allowStoredCredentials)) { client in
                client.onAuth = { challenge, callback in
                    callback.continue(username: "ann", password: "secret")
                    return true
                }
            }
            #expect(outcome.status == .success)
            #expect(outcome.response?.status == 200)
            #expect(outcome.bodyText == "authenticated as ann with digest\n")
            #expect(outcome.events.first == .auth(AuthChallenge(isProxy: false, host: "127.0.0.1", port: server.port, realm: "webrequestkit", scheme: "digest")))
            #expect(outcome.events.filter { if case .auth = $0 { true } else { false } }.count == 1)

            // A wrong password is asked again, then the 401 is the response (in a context that
            // has not cached the right one).
            let fresh = try BrowserProcess.makeRequestContext(name: "digest-\(UUID().uuidString)")
            let wrong = try await Harness.run(Request(url: url, flags: .allowStoredCredentials), context: fresh) { client in
                client.onAuth = { _, callback in
                    callback.continue(username: "ann", password: "wrong")
                    return true
                }
            }
            #expect(wrong.status == .success)
            #expect(wrong.response?.status == 401)
            #expect(wrong.events.filter { if case .auth = $0 { true } else { false } }.count == 3)
            #expect(wrong.bodyText == "credentials required\n")
        }
    }

    @Test func declinedAuthCompletesWithThe401() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/auth/basic", flags: .allowStoredCredentials)
            )
            #expect(outcome.status == .success)
            #expect(outcome.response?.status == 401)
            #expect(outcome.bodyText == "credentials required\n")
        }
    }

    @Test func noAuthCallbackWithoutStoredCredentials() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/auth/basic"))
            #expect(!outcome.events.contains { if case .auth = $0 { true } else { false } })
            #expect(outcome.response?.status == 401)
        }
    }

    @Test func authAnswersAreCachedPerContextAndCanBeCleared() async throws {
        try await TestWebServer.withServer { server in
            let url = server.baseURL + "/auth/basic?user=ann&pass=secret"
            let request = Request(url: url, flags: .allowStoredCredentials)
            let first = try BrowserProcess.makeRequestContext(name: "auth-\(UUID().uuidString)")
            let second = try BrowserProcess.makeRequestContext(name: "auth-\(UUID().uuidString)")
            let answer: @Sendable (RecordingClient) -> Void = { client in
                client.onAuth = { _, callback in
                    callback.continue(username: "ann", password: "secret")
                    return true
                }
            }
            let asked = try await Harness.run(request, context: first, configure: answer)
            #expect(asked.events.filter { if case .auth = $0 { true } else { false } }.count == 1)
            let remembered = try await Harness.run(request, context: first)
            #expect(remembered.response?.status == 200, "the context answered from its credential cache")
            #expect(!remembered.events.contains { if case .auth = $0 { true } else { false } })
            let elsewhere = try await Harness.run(request, context: second)
            #expect(elsewhere.response?.status == 401, "credentials never cross contexts")
            await first.clear(.credentials)
            let forgotten = try await Harness.run(request, context: first)
            #expect(forgotten.response?.status == 401)
        }
    }

    /// A context keeps the easy handles of finished hops for its next ones (EasyHandlePool):
    /// a kept handle must forget its last request's method, body, headers and credentials.
    @Test(arguments: [RequestFlags(), .allowStoredCredentials])
    func aKeptHandleForgetsItsLastRequest(flags: RequestFlags) async throws {
        try await TestWebServer.withServer { server in
            let context = try BrowserProcess.makeRequestContext(name: "reuse-\(UUID().uuidString)")
            let digest = try await Harness.run(Request(url: server.baseURL + "/auth/digest?user=ann&pass=secret", flags: flags), context: context) { client in
                client.onAuth = { _, callback in
                    callback.continue(username: "ann", password: "secret")
                    return true
                }
            }
            // Without ALLOW_STORED_CREDENTIALS the client is not asked: the 401 is the response.
            #expect(digest.response?.status == (flags.contains(.allowStoredCredentials) ? 200 : 401))
            let put = try await Harness.run(
                Request(url: server.baseURL + "/echo", method: "PUT", headers: [("X-Last", "1")], postData: .string("abc"), flags: flags),
                context: context
            )
            #expect(put.echo["method"] as? String == "PUT")
            let head = try await Harness.run(Request(url: server.baseURL + "/echo", method: "HEAD", flags: flags), context: context)
            #expect(head.response?.status == 200)

            let get = try await Harness.run(Request(url: server.baseURL + "/echo", flags: flags), context: context)
            #expect(get.echo["method"] as? String == "GET", "neither PUT nor HEAD carried over")
            #expect(get.echo["body_bytes"] as? Int == 0)
            #expect(get.echoHeader("X-Last") == nil)
            #expect(get.echoHeader("Content-Type") == nil)
            #expect(get.echoHeader("Authorization") == nil, "the digest answer was for its own request")
        }
    }

    @Test func clearingCookiesEmptiesTheJarAndItsFile() async throws {
        try await TestWebServer.withServer { server in
            let directory = NSTemporaryDirectory() + "clear-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let context = try BrowserProcess.makeRequestContext(name: "clear", directory: directory)
            _ = try await Harness.run(Request(url: server.baseURL + "/cookies/set?gone=soon&max_age=600", flags: .allowStoredCredentials), context: context)
            await context.clear(.cookies)
            let sent = try await Harness.run(Request(url: server.baseURL + "/cookies", flags: .allowStoredCredentials), context: context)
            #expect(sent.echo["cookie"] as? String == "")
            let file = try String(contentsOfFile: directory + "/cookies.txt", encoding: .utf8)
            #expect(!file.contains("gone"))
        }
    }

    @Test func cookiesOnlyWithAllowStoredCredentials() async throws {
        try await TestWebServer.withServer { server in
            let context = try BrowserProcess.makeRequestContext(name: "cookies-\(UUID().uuidString)")
            _ = try await Harness.run(Request(url: server.baseURL + "/cookies/set?a=1"), context: context)
            let notStored = try await Harness.run(Request(url: server.baseURL + "/cookies", flags: .allowStoredCredentials), context: context)
            #expect(notStored.echo["cookie"] as? String == "", "a cookie set without the flag is not stored")

            _ = try await Harness.run(Request(url: server.baseURL + "/cookies/set?b=2", flags: .allowStoredCredentials), context: context)
            let sent = try await Harness.run(Request(url: server.baseURL + "/cookies", flags: .allowStoredCredentials), context: context)
            #expect(sent.echo["cookie"] as? String == "b=2")
            let notSent = try await Harness.run(Request(url: server.baseURL + "/cookies"), context: context)
            #expect(notSent.echo["cookie"] as? String == "", "a stored cookie is not sent without the flag")
        }
    }

    @Test func contextsDoNotShareCookies() async throws {
        try await TestWebServer.withServer { server in
            let first = try BrowserProcess.makeRequestContext(name: "first-\(UUID().uuidString)")
            let second = try BrowserProcess.makeRequestContext(name: "second-\(UUID().uuidString)")
            _ = try await Harness.run(Request(url: server.baseURL + "/cookies/set?who=first", flags: .allowStoredCredentials), context: first)
            let inFirst = try await Harness.run(Request(url: server.baseURL + "/cookies", flags: .allowStoredCredentials), context: first)
            let inSecond = try await Harness.run(Request(url: server.baseURL + "/cookies", flags: .allowStoredCredentials), context: second)
            let inGlobal = try await Harness.run(Request(url: server.baseURL + "/cookies", flags: .allowStoredCredentials))
            #expect(inFirst.echo["cookie"] as? String == "who=first")
            #expect(inSecond.echo["cookie"] as? String == "")
            #expect(inGlobal.echo["cookie"] as? String == "")
        }
    }

    @Test func onDiskContextWritesItsCookiesWholeAndReloadsThem() async throws {
        try await TestWebServer.withServer { server in
            let directory = NSTemporaryDirectory() + "context-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let context = try BrowserProcess.makeRequestContext(name: "disk", directory: directory)
            _ = try await Harness.run(
                Request(url: server.baseURL + "/cookies/set?kept=yes&max_age=3600", flags: .allowStoredCredentials),
                context: context
            )
            let file = try String(contentsOfFile: directory + "/cookies.txt", encoding: .utf8)
            #expect(file.contains("kept\tyes"))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
            #expect(leftovers.isEmpty)

            let reopened = try BrowserProcess.makeRequestContext(name: "disk-again", directory: directory)
            let sent = try await Harness.run(Request(url: server.baseURL + "/cookies", flags: .allowStoredCredentials), context: reopened)
            #expect(sent.echo["cookie"] as? String == "kept=yes")
        }
    }
}

@Suite("What create refuses (behaviour.md section 3)")
struct CreateRefusalTests {
    @Test(arguments: ["PATCH", "OPTIONS", "CONNECT", "TRACE", "get "])
    func unsupportedMethods(method: String) async throws {
        let error = try await Harness.createError(Request(url: "http://127.0.0.1:1/", method: method))
        #expect(error?.code == .unsupportedMethod)
    }

    @Test func refusalsNameTheirRule() async throws {
        let cases: [(Request, WebRequestCreateError.Code)] = [
            (Request(url: "http://127.0.0.1:1/", postData: PostData([.bytes(Data("a".utf8)), .bytes(Data("b".utf8))])), .multiplePostDataElements),
            (Request(url: "not a url"), .invalidURL),
            (Request(url: "http://"), .invalidURL),
            (Request(url: "http://127.0.0.1:1/", headers: [("Bad Name", "x")]), .invalidHeader),
            (Request(url: "http://127.0.0.1:1/", headers: [("X-Split", "a\r\nInjected: yes")]), .invalidHeader),
        ]
        for (request, code) in cases {
            let error = try await Harness.createError(request)
            #expect(error?.code == code, "\(request)")
        }
    }

    @Test func aRefusedRequestReachesNothing() async throws {
        try await TestWebServer.withServer { server in
            let error = try await Harness.createError(Request(url: server.baseURL + "/echo", method: "PATCH"))
            #expect(error != nil)
            try await Task.sleep(for: .milliseconds(100))
            #expect(server.connections == 0)
        }
    }

    @Test func browserAcceptsLowercaseMethodsAndFileElements() async throws {
        #expect(try await Harness.createError(Request(url: "http://127.0.0.1:1/", method: "put")) == nil)
        #expect(try await Harness.createError(Request(url: "http://127.0.0.1:1/", postData: .file("/etc/hostname"))) == nil)
    }
}
