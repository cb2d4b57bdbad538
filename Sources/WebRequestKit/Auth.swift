import Synchronization

/// An authentication challenge from a server or proxy, as `GetAuthCredentials` reports it.
public struct AuthChallenge: Sendable, Hashable {
    /// Whether a proxy asks (407) rather than the origin server (401).
    public var isProxy: Bool
    /// The host that asks.
    public var host: String
    /// Its port.
    public var port: Int
    /// The realm, or empty.
    public var realm: String
    /// The scheme, lowercased: `"basic"`, `"digest"`, ...
    public var scheme: String

    /// Creates a challenge.
    public init(isProxy: Bool, host: String, port: Int, realm: String, scheme: String) {
        self.isProxy = isProxy
        self.host = host
        self.port = port
        self.realm = realm
        self.scheme = scheme
    }
}

/// A user name and password.
public struct Credentials: Sendable, Hashable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// The answer to an ``AuthChallenge``: CEF's `CefAuthCallback`.
///
/// Call ``continue(username:password:)`` or ``cancel()`` once, from any thread, now or later.
/// Only the first answer counts; dropping the callback without answering cancels.
public final class AuthCallback: Sendable {
    private let answer: Mutex<(@Sendable (Credentials?) -> Void)?>

    /// Creates a callback that passes the answer (`nil` for cancel) to `answer`, once.
    package init(_ answer: @escaping @Sendable (Credentials?) -> Void) {
        self.answer = Mutex(answer)
    }

    deinit {
        resolve(nil)
    }

    /// Retries the request with these credentials (`Continue`).
    public func `continue`(username: String, password: String) {
        resolve(Credentials(username: username, password: password))
    }

    /// Gives up on authentication (`Cancel`): the request completes with the challenge response.
    public func cancel() {
        resolve(nil)
    }

    private func resolve(_ credentials: Credentials?) {
        let handler = answer.withLock { handler in
            defer { handler = nil }
            return handler
        }
        handler?(credentials)
    }
}
