import BrowserNetwork
import Foundation
import TestWebServer
import Testing
import WebRequestKit

@Suite("HTTPS and HTTP/2 (issue 15)")
struct TLSTests {
    /// A context that trusts the server's authority.
    private func trusting(_ server: TestWebServer) throws -> BrowserRequestContext {
        try BrowserProcess.makeRequestContext(name: "tls", settings: RequestContextSettings(caFile: server.caPath))
    }

    @Test func httpsNegotiatesHTTP2AndReportsTheProtocol() async throws {
        try await TestWebServer.withServer(tls: true) { server in
            let context = try trusting(server)
            let outcome = try await Harness.run(Request(url: server.baseURL + "/hello"), context: context)
            #expect(outcome.status == .success)
            #expect(outcome.bodyText == "hello")
            #expect(outcome.response?.httpVersion == "h2")
            #expect(outcome.response?.tlsVersion == "TLSv1.3")

            let http1 = try await Harness.run(Request(url: server.url(.http1Only)! + "/hello"), context: context)
            #expect(http1.bodyText == "hello")
            #expect(http1.response?.httpVersion == "http/1.1")
            #expect(http1.response?.tlsVersion == "TLSv1.3")
        }
    }

    @Test func plainHTTPReportsNoTLS() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(Request(url: server.baseURL + "/hello"))
            #expect(outcome.response?.httpVersion == "http/1.1")
            #expect(outcome.response?.tlsVersion == "")
        }
    }

    @Test func anAuthorityNotTrustedIsRefused() async throws {
        try await TestWebServer.withServer(tls: true) { server in
            // The global context trusts the system's store only.
            let outcome = try await Harness.run(Request(url: server.baseURL + "/hello"))
            #expect(outcome.status == .failed)
            #expect(outcome.error == .certAuthorityInvalid)
            #expect(outcome.response == nil)
            #expect(server.hits("/hello") == 0)
        }
    }

    @Test(arguments: [
        (TLSFault.expiredCertificate, NetworkError.certDateInvalid),
        (.wrongHost, .certCommonNameInvalid),
        (.selfSigned, .certAuthorityInvalid),
        (.hangUpInHandshake, .connectionClosed),
        (.garbageAfterHandshake, .invalidHTTPResponse),
    ])
    func eachBadServerHasItsErrorCode(fault: TLSFault, error: NetworkError) async throws {
        try await TestWebServer.withServer(tls: true) { server in
            let context = try trusting(server)
            let outcome = try await Harness.run(Request(url: server.url(fault)! + "/hello"), context: context)
            #expect(outcome.status == .failed)
            #expect(outcome.error == error, "\(fault)")
            #expect(outcome.events.last == .complete(.failed, error))
            #expect(try await settled(context))
        }
    }

    @Test func aServerSpeakingNoTLSIsAProtocolError() async throws {
        try await TestWebServer.withServer { plain in
            let https = plain.baseURL.replacingOccurrences(of: "http:", with: "https:")
            let outcome = try await Harness.run(Request(url: https + "/hello"))
            #expect(outcome.error == .sslProtocolError)
        }
    }

    @Test func requestsOfOneContextMultiplexOverOneConnection() async throws {
        try await TestWebServer.withServer(tls: true) { server in
            let context = try trusting(server)
            let before = server.connections
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await Harness.run(Request(url: server.baseURL + "/slow?chunks=3&size=100&delay_ms=100"), context: context)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { $0.status == .success && $0.body.count == 300 && $0.response?.httpVersion == "h2" })
            #expect(server.connections - before == 1)

            // Another context has connections of its own.
            let other = try trusting(server)
            _ = try await Harness.run(Request(url: server.baseURL + "/hello"), context: other)
            #expect(server.connections - before == 2)
        }
    }

    @Test func anHTTPSRedirectToHTTPSendsNoReferrer() async throws {
        try await TestWebServer.withServer(tls: true) { secure in
            try await TestWebServer.withServer { plain in
                let request = Request(
                    url: secure.baseURL + "/redirect/302?to=" + plain.baseURL + "/echo", referrerURL: secure.baseURL + "/page"
                )
                let outcome = try await Harness.run(request, context: try trusting(secure))
                #expect(outcome.status == .success)
                #expect(outcome.echoHeader("Referer") == nil)

                let sameScheme = Request(url: secure.baseURL + "/redirect/302?to=/echo", referrerURL: secure.baseURL + "/page")
                let kept = try await Harness.run(sameScheme, context: try trusting(secure))
                #expect(kept.echoHeader("Referer") == secure.baseURL + "/page")
            }
        }
    }

    @Test func secureCookiesTravelOverHTTPSOnly() async throws {
        // On 127.0.0.2: libcurl, like Chromium, lets Secure cookies go to http://127.0.0.1.
        try await TestWebServer.withServer(host: "127.0.0.2", tls: true) { secure in
            try await TestWebServer.withServer(host: "127.0.0.2") { plain in
                let context = try trusting(secure)
                let flags: RequestFlags = [.allowStoredCredentials]
                _ = try await Harness.run(Request(url: secure.baseURL + "/cookies/set?s=1&secure=1", flags: flags), context: context)
                _ = try await Harness.run(Request(url: secure.baseURL + "/cookies/set?p=2", flags: flags), context: context)
                let overTLS = try await Harness.run(Request(url: secure.baseURL + "/cookies", flags: flags), context: context)
                #expect(overTLS.echo["cookie"] as? String == "s=1; p=2" || overTLS.echo["cookie"] as? String == "p=2; s=1")
                let inTheClear = try await Harness.run(Request(url: plain.baseURL + "/cookies", flags: flags), context: context)
                #expect(inTheClear.echo["cookie"] as? String == "p=2")
            }
        }
    }

    @Test func settingsAreCheckedWhenTheContextIsMade() throws {
        #expect(throws: RequestContextSettingsError.unreadableCAFile("/nonexistent/ca.pem")) {
            try BrowserProcess.makeRequestContext(name: "x", settings: RequestContextSettings(caFile: "/nonexistent/ca.pem"))
        }
        #expect(throws: RequestContextSettingsError.invalidProxy("ftp://proxy")) {
            try BrowserProcess.makeRequestContext(name: "x", settings: RequestContextSettings(proxy: ProxySettings(url: "ftp://proxy")))
        }
    }
}
