import BrowserNetwork
import Foundation
import NIOCore
import TestWebServer
import Testing
import WebRequestKit

@Suite("Redirects, followed by the project")
struct RedirectTests {
    @Test(arguments: [301, 302, 303])
    func postTurnsIntoGetWithoutBody(code: Int) async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(
                    url: server.baseURL + "/redirect/\(code)?to=/echo",
                    method: "POST",
                    headers: [("Content-Type", "text/plain"), ("X-Keep", "yes")],
                    postData: .string("payload")
                )
            )
            #expect(outcome.status == .success)
            #expect(outcome.echo["method"] as? String == "GET")
            #expect(outcome.echo["body_bytes"] as? Int == 0)
            #expect(outcome.echoHeader("Content-Type") == nil)
            #expect(outcome.echoHeader("X-Keep") == "yes")
            #expect(outcome.response?.url == server.baseURL + "/echo")
        }
    }

    @Test(arguments: [307, 308])
    func methodAndBodyAreKept(code: Int) async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/redirect/\(code)?to=/echo", method: "POST", postData: .string("payload"))
            )
            #expect(outcome.echo["method"] as? String == "POST")
            #expect(outcome.echo["body_bytes"] as? Int == 7)
            #expect(server.hits("/redirect/\(code)") == 1)
        }
    }

    @Test func chainOfTwentyIsFollowedTwentyOneIsTooMany() async throws {
        try await TestWebServer.withServer { server in
            let twenty = try await Harness.run(Request(url: server.baseURL + "/redirect-chain/20"))
            #expect(twenty.status == .success)
            #expect(twenty.bodyText == "hello")
            let more = try await Harness.run(Request(url: server.baseURL + "/redirect-chain/21"))
            #expect(more.events == [.complete(.failed, .tooManyRedirects)])
        }
    }

    @Test func relativeOddlyCasedLocationWorks() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/redirect-odd"))
            #expect(outcome.bodyText == "hello")
            #expect(outcome.response?.url == server.baseURL + "/hello")
        }
    }

    @Test func redirectToAnotherSchemeIsUnsafe() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/redirect-scheme"))
            #expect(outcome.events == [.complete(.failed, .unsafeRedirect)])
        }
    }

    @Test func stopOnRedirectCancelsWithTheRedirectResponse() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/redirect/302?to=/hello", flags: .stopOnRedirect),
                settle: .milliseconds(100)
            )
            #expect(outcome.events == [.complete(.canceled, .aborted)])
            #expect(outcome.response?.status == 302)
            #expect(outcome.response?.url == server.baseURL + "/hello")
            #expect(outcome.response?.mimeType == "")
            #expect(outcome.response?.error == .aborted)
            #expect(server.hits("/redirect/302") == 1)
            #expect(server.hits("/hello") == 0)
        }
    }
}
