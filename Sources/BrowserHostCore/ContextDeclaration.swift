import Foundation
public import BrowserNetwork

/// A request context named on the command line: `NAME` (in memory) or `NAME=DIR` (on disk).
public struct ContextDeclaration: Sendable, Hashable {
    /// The context's name; `global` names the global context.
    public var name: String
    /// The directory of an on-disk context, or `nil`.
    public var directory: String?
    /// The context's own CA file and proxy, or `nil` for the browser's (`--ca-file`, `--proxy`).
    public var settings: RequestContextSettings?

    /// Parses `NAME` or `NAME=DIR`; `nil` when the name is empty.
    public init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty else { return nil }
        name = String(first)
        directory = parts.count == 2 ? String(parts[1]) : nil
        if directory?.isEmpty == true { return nil }
    }

    /// The browser-process context this declaration describes, created (and loaded from its
    /// directory) on first use.
    public func makeContext() throws -> BrowserRequestContext {
        if name == "global", directory == nil { return BrowserProcess.globalContext }
        return try BrowserProcess.makeRequestContext(name: name, directory: directory, settings: settings)
    }
}
