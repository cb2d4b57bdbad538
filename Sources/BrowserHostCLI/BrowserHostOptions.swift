public import ArgumentParser
public import BrowserHostCore
public import BrowserNetwork
public import WebRequestKit

// The options and argument types of `browser-host`'s commands, parsed once here so that `fetch`
// and `serve` take them alike.

/// The network stack's settings that `fetch` and `serve` both take.
public struct NetworkOptions: ParsableArguments, Sendable {
    /// Options with their defaults, for the parser to fill in.
    public init() {}

    @Option(name: .customLong("idle-timeout"), help: "Fail a transfer with ERR_TIMED_OUT after this many seconds without a byte (default: none).")
    /// `--idle-timeout`, in seconds, or `nil` for no limit.
    public var idleTimeout: Int?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Trust the certificate authorities in this PEM file too, besides the system's.", valueName: "file"))
    /// `--ca-file`: a PEM file of authorities every context trusts besides the system's store.
    public var caFile: String?

    @Option(help: ArgumentHelp("Send every context's requests through this proxy: http://, https://, socks5:// or socks5h://HOST:PORT.", valueName: "url"))
    /// `--proxy`: the proxy of every context.
    public var proxy: String?

    @Option(name: .customLong("no-proxy"), help: ArgumentHelp("Hosts reached without the proxy, comma-separated (a name covers its subdomains; * for all).", valueName: "hosts"))
    /// `--no-proxy`: the hosts the proxy is bypassed for.
    public var noProxy: String?

    /// Refuses a timeout that is not a positive number of seconds, a CA file that cannot be
    /// read, a proxy that is not a proxy URL, and `--no-proxy` without `--proxy`.
    public func validate() throws {
        if let idleTimeout, idleTimeout <= 0 {
            throw ValidationError("--idle-timeout must be a positive number of seconds")
        }
        if noProxy != nil, proxy == nil {
            throw ValidationError("--no-proxy needs --proxy")
        }
        do {
            try contextSettings.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The CA file and proxy these options give every context.
    public var contextSettings: RequestContextSettings {
        RequestContextSettings(
            caFile: caFile,
            proxy: proxy.map { ProxySettings(url: $0, bypass: (noProxy ?? "").split(separator: ",").map { $0.trimmingSpaces() }) }
        )
    }

    /// The network stack's configuration these options describe.
    public var configuration: NetworkConfiguration {
        NetworkConfiguration(idleTimeout: idleTimeout, contextSettings: contextSettings)
    }
}

/// `--browser ID=CONTEXT`.
public struct BrowserBinding: Sendable, Equatable {
    /// The browser id.
    public var id: String
    /// The name of the context it is bound to (`global` for the global one).
    public var context: String

    /// Parses `ID=CONTEXT`; both parts must be non-empty.
    public static func parse(_ argument: String) throws -> BrowserBinding {
        let parts = argument.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("--browser \(argument.debugDescription) is not ID=CONTEXT")
        }
        return BrowserBinding(id: String(parts[0]), context: String(parts[1]))
    }
}

extension ContextDeclaration {
    /// `--context NAME` or `NAME=DIR`.
    public static func parse(_ argument: String) throws -> ContextDeclaration {
        guard let declaration = ContextDeclaration(argument: argument) else {
            throw ValidationError("--context \(argument.debugDescription) is not NAME or NAME=DIR")
        }
        return declaration
    }
}

extension Credentials {
    /// `--auth USER:PASS` (the password may hold colons).
    public static func parse(_ argument: String) throws -> Credentials {
        guard let colon = argument.firstIndex(of: ":") else { throw ValidationError("--auth must be USER:PASS") }
        return Credentials(username: String(argument[..<colon]), password: String(argument[argument.index(after: colon)...]))
    }
}
