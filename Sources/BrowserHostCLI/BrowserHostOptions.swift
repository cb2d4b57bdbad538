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

/// `serve`'s settings for one declared context: `--context-ca-file NAME=FILE`,
/// `--context-proxy NAME=URL`, `--context-no-proxy NAME=HOSTS`. What a context is not given
/// comes from the browser-wide `--ca-file`, `--proxy` and `--no-proxy`, as a CEF request context
/// made without its own settings takes the global one's.
public struct ContextSettingsOptions: ParsableArguments, Sendable {
    /// Options with their defaults, for the parser to fill in.
    public init() {}

    @Option(name: .customLong("context-ca-file"), help: ArgumentHelp("NAME=FILE: the CA file of context NAME instead of --ca-file. Repeatable.", valueName: "name=file"))
    /// `--context-ca-file NAME=FILE`, in order.
    public var caFiles: [String] = []

    @Option(name: .customLong("context-proxy"), help: ArgumentHelp("NAME=URL: the proxy of context NAME instead of --proxy. Repeatable.", valueName: "name=url"))
    /// `--context-proxy NAME=URL`, in order.
    public var proxies: [String] = []

    @Option(name: .customLong("context-no-proxy"), help: ArgumentHelp("NAME=HOSTS: the no-proxy list of context NAME instead of --no-proxy. Repeatable.", valueName: "name=hosts"))
    /// `--context-no-proxy NAME=HOSTS`, in order.
    public var noProxies: [String] = []

    /// `declarations` with the settings these options give them over `defaults`.
    ///
    /// - Throws: `ValidationError` for an argument that is not `NAME=VALUE`, a name no
    ///   `--context` declared (or `global`, which takes the browser-wide options), a no-proxy
    ///   list for a context without a proxy, or settings that do not validate.
    public func applied(to declarations: [ContextDeclaration], defaults: RequestContextSettings) throws -> [ContextDeclaration] {
        var settings: [String: RequestContextSettings] = [:]
        var bypasses: [String: [String]] = [:]
        func each(_ arguments: [String], _ flag: String, _ body: (String, String) -> Void) throws {
            for argument in arguments {
                let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("\(flag) \(argument.debugDescription) is not NAME=VALUE")
                }
                let name = String(parts[0])
                guard name != "global", declarations.contains(where: { $0.name == name }) else {
                    throw ValidationError(name == "global"
                        ? "\(flag) cannot set the global context: --ca-file, --proxy and --no-proxy do"
                        : "\(flag) names context \(name.debugDescription), which no --context declares")
                }
                body(name, String(parts[1]))
            }
        }
        try each(caFiles, "--context-ca-file") { settings[$0, default: defaults].caFile = $1 }
        try each(proxies, "--context-proxy") { settings[$0, default: defaults].proxy = ProxySettings(url: $1) }
        try each(noProxies, "--context-no-proxy") { name, hosts in
            bypasses[name] = hosts.split(separator: ",").map { $0.trimmingSpaces() }
        }
        for (name, bypass) in bypasses {
            guard (settings[name] ?? defaults).proxy != nil else {
                throw ValidationError("--context-no-proxy \(name)=... needs a proxy for \(name) (--context-proxy or --proxy)")
            }
            settings[name, default: defaults].proxy?.bypass = bypass
        }
        for (name, contextSettings) in settings {
            do {
                try contextSettings.validate()
            } catch {
                throw ValidationError("context \(name): \(error.description)")
            }
        }
        return declarations.map { declaration in
            var declaration = declaration
            declaration.settings = settings[declaration.name]
            return declaration
        }
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
